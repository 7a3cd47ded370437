import {existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {tableFormat} from './formats/index.js';

/** The installed package's root (where its own config/ and data/input/ live). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_INPUT = 'data/input/companies_clay.csv';
export const DEFAULT_CONFIG_DIR = 'config';

export interface Resolved {
  path: string;
  /** Set when the packaged default was used because the working directory has none. */
  fallback?: string;
  /**
   * How summaries and the report name the file: for the packaged default `<package>/<default>`, the same
   * wherever the package is installed (npx unpacks it in a folder of its own); otherwise undefined (its path).
   */
  name?: string;
}

/** How summaries and the report name a file shipped in the package. */
export const packageName = (relativePath: string) => `<package>/${relativePath}`;

/**
 * A path the user left at its default falls back to the copy shipped in the package when the working
 * directory has none (so `npx stedi-gtm run` works in an empty directory). Explicit paths never fall back.
 */
export function resolveWithFallback(given: string, defaultValue: string, explicit: boolean, what: string): Resolved {
  const local = resolve(given);
  if (explicit || given !== defaultValue || existsSync(local)) return {path: local};
  const packaged = join(PACKAGE_ROOT, defaultValue);
  if (packaged !== local && existsSync(packaged)) {
    return {
      path: packaged,
      fallback: `no ${defaultValue} here: using the ${what} shipped with stedi-gtm (${packaged})`,
      name: packageName(defaultValue),
    };
  }
  return {path: local};
}

/**
 * The dataset's tables: their keys in dataPaths, folders and names; the extension is the format's (see
 * tableFormat in io/formats/registry.ts), chosen once per process.
 */
export const DATASET_TABLES = [
  {key: 'companies', dir: 'raw', name: 'companies'},
  {key: 'rejects', dir: 'interim', name: 'rejects'},
  {key: 'leads', dir: 'raw', name: 'leads'},
  {key: 'deals', dir: 'raw', name: 'deals'},
  {key: 'history', dir: 'raw', name: 'opportunity_history'},
  {key: 'snapshots', dir: 'raw', name: 'pipeline_snapshots'},
  {key: 'reps', dir: 'raw', name: 'reps'},
  {key: 'billing', dir: 'raw', name: 'billing'},
  {key: 'invoices', dir: 'raw', name: 'invoices'},
  {key: 'arrMovements', dir: 'final', name: 'arr_movements'},
  {key: 'unified', dir: 'final', name: 'unified'},
] as const;

type TableKey = (typeof DATASET_TABLES)[number]['key'];

/** A table's file relative to the data folder, e.g. raw/companies.csv. */
export const tableFile = (t: {dir: string; name: string}, extension = tableFormat().extension): string => `${t.dir}/${t.name}${extension}`;

/**
 * The format of the tables in a data folder, by its companies table (what a command that only reads the tables
 * takes without --format): 'current' when it has one in this process's format (`current`, an extension), else
 * parquet or csv, whichever it has; undefined when it has none.
 */
export function foundFormat(dataDir: string, current: string): 'current' | 'csv' | 'parquet' | undefined {
  const at = (ext: string) => existsSync(join(resolve(dataDir), 'raw', `companies${ext}`));
  if (at(current)) return 'current';
  return at('.parquet') ? 'parquet' : at('.csv') ? 'csv' : undefined;
}

/** Where each stage reads and writes, under --data-dir (the tables with the extension of this process's format). */
export function dataPaths(dataDir: string) {
  const root = resolve(dataDir);
  const extension = tableFormat().extension;
  const tables = Object.fromEntries(DATASET_TABLES.map((t) => [t.key, join(root, t.dir, `${t.name}${extension}`)])) as Record<TableKey, string>;
  return {
    root,
    raw: join(root, 'raw'),
    interim: join(root, 'interim'),
    final: join(root, 'final'),
    ...tables,
    enrichSummary: join(root, 'interim', 'enrich_summary.json'),
    dealsSummary: join(root, 'interim', 'deals_summary.json'),
    billingSummary: join(root, 'interim', 'billing_summary.json'),
    defaultCache: join(root, 'interim', 'enrich_cache'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;
