import {
  ARR_MOVEMENT_TABLE,
  COMPANY_TABLE,
  CONTRACT_TABLE,
  DEAL_TABLE,
  HISTORY_TABLE,
  INVOICE_TABLE,
  LEAD_TABLE,
  REJECT_TABLE,
  REP_TABLE,
  SNAPSHOT_TABLE,
  UNIFIED_TABLE,
} from '../../generated/tables.js';
import type {TableColumn} from '../table-codec.js';

/**
 * The tables of a dataset by name (the CSV's base name), with their columns (src/generated/tables.ts, read off
 * the zod schemas) and whether their text comes from outside (the codecs' safeText). `file` is the CSV's path
 * in TABLES (src/schemas/tables.ts); the Parquet file sits next to it with the extension .parquet. A test checks
 * that this list and TABLES name the same tables with the same columns.
 */
export interface DatasetTable {
  readonly name: string;
  readonly file: string;
  readonly columns: readonly TableColumn[];
  readonly safeText: boolean;
}

export const DATASET_TABLES: readonly DatasetTable[] = [
  {name: 'companies', file: 'data/raw/companies.csv', columns: COMPANY_TABLE, safeText: true},
  {name: 'rejects', file: 'data/interim/rejects.csv', columns: REJECT_TABLE, safeText: true},
  {name: 'leads', file: 'data/raw/leads.csv', columns: LEAD_TABLE, safeText: false},
  {name: 'deals', file: 'data/raw/deals.csv', columns: DEAL_TABLE, safeText: false},
  {name: 'opportunity_history', file: 'data/raw/opportunity_history.csv', columns: HISTORY_TABLE, safeText: false},
  {name: 'pipeline_snapshots', file: 'data/raw/pipeline_snapshots.csv', columns: SNAPSHOT_TABLE, safeText: false},
  {name: 'reps', file: 'data/raw/reps.csv', columns: REP_TABLE, safeText: false},
  {name: 'billing', file: 'data/raw/billing.csv', columns: CONTRACT_TABLE, safeText: false},
  {name: 'invoices', file: 'data/raw/invoices.csv', columns: INVOICE_TABLE, safeText: false},
  {name: 'arr_movements', file: 'data/final/arr_movements.csv', columns: ARR_MOVEMENT_TABLE, safeText: false},
  {name: 'unified', file: 'data/final/unified.csv', columns: UNIFIED_TABLE, safeText: true},
];

/** The path of a table's Parquet file, given its CSV's (same folder, same name, .parquet). */
export const parquetPathOf = (csvPath: string): string => csvPath.replace(/\.csv$/, '.parquet');

/** The path of a table in a data folder (`data/raw/x.csv` in TABLES is `<dataDir>/raw/x.csv`). */
export const tablePath = (dataDir: string, t: DatasetTable): string => `${dataDir}/${t.file.replace(/^data\//, '')}`;
