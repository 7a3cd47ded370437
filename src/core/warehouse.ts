/*
 * The dataset as a warehouse sees it: each table's keys and the relations between tables, the views analysts ask
 * for first, and from these (and the tables' columns and descriptions, read off the zod schemas) the DuckDB DDL
 * and the dbt sources file. Pure: the caller gives the tables and writes what comes out.
 */
import {sqlType, type ParquetColumn} from '../io/parquet/schema.js';

/** A table as the warehouse outputs describe it. */
export interface WarehouseTable {
  /** The table's name (its CSV's base name). */
  name: string;
  /** What one row is (TABLES' grain). */
  description: string;
  columns: ReadonlyArray<ParquetColumn & {description: string}>;
}

/** A column that refers to a row of another table (or of its own). */
export interface Relation {
  table: string;
  columns: readonly string[];
  to: string;
  toColumns: readonly string[];
}

/** Each table's primary key (unified has none: a row per deal and one per company without a deal). */
export const PRIMARY_KEYS: Readonly<Record<string, readonly string[]>> = {
  companies: ['company_id'],
  rejects: ['row'],
  leads: ['company_id'],
  deals: ['deal_id'],
  opportunity_history: ['deal_id', 'sequence'],
  pipeline_snapshots: ['snapshot_date', 'deal_id'],
  reps: ['rep_id'],
  billing: ['billing_id'],
  invoices: ['invoice_id'],
  arr_movements: ['movement_id'],
};

/** Columns unique besides the primary key (what a relation may point at). */
export const UNIQUE_KEYS: Readonly<Record<string, ReadonlyArray<readonly string[]>>> = {
  reps: [['name']],
};

const rel = (table: string, column: string, to: string, toColumn = column): Relation => ({table, columns: [column], to, toColumns: [toColumn]});

/** The relations between the tables (each holds in every dataset the tool writes: a test checks them in DuckDB). */
export const RELATIONS: readonly Relation[] = [
  rel('leads', 'company_id', 'companies'),
  rel('leads', 'owner', 'reps', 'name'),
  rel('deals', 'company_id', 'companies'),
  rel('deals', 'owner', 'reps', 'name'),
  rel('deals', 'previous_deal_id', 'deals', 'deal_id'),
  rel('opportunity_history', 'deal_id', 'deals'),
  rel('pipeline_snapshots', 'deal_id', 'deals'),
  rel('billing', 'deal_id', 'deals'),
  rel('billing', 'company_id', 'companies'),
  rel('billing', 'renews_billing_id', 'billing', 'billing_id'),
  rel('invoices', 'billing_id', 'billing'),
  rel('invoices', 'deal_id', 'deals'),
  rel('invoices', 'company_id', 'companies'),
  rel('arr_movements', 'company_id', 'companies'),
  rel('arr_movements', 'deal_id', 'deals'),
  rel('arr_movements', 'billing_id', 'billing'),
  rel('unified', 'company_id', 'companies'),
  rel('unified', 'deal_id', 'deals'),
  rel('unified', 'previous_deal_id', 'deals', 'deal_id'),
  rel('unified', 'billing_id', 'billing'),
];

/** The views of the DuckDB database: name, what it answers, its SQL. */
export const VIEWS: ReadonlyArray<{name: string; description: string; sql: string}> = [
  {
    name: 'arr_by_month',
    description:
      'ARR bridge by calendar month, every month from the first movement to the last (none missing: a month with no movement has zeros): new, expansion, contraction and churned ARR (USD) of the movements dated in the month, the net change, and the ARR at the end of the month (every movement up to then).',
    sql: `WITH m AS (
  SELECT date_trunc('month', movement_date)::DATE AS month,
    coalesce(sum(arr_delta) FILTER (WHERE movement_type = 'new'), 0) AS new_arr,
    coalesce(sum(arr_delta) FILTER (WHERE movement_type = 'expansion'), 0) AS expansion_arr,
    coalesce(sum(arr_delta) FILTER (WHERE movement_type = 'contraction'), 0) AS contraction_arr,
    coalesce(sum(arr_delta) FILTER (WHERE movement_type = 'churn'), 0) AS churned_arr,
    sum(arr_delta) AS net_change_arr
  FROM arr_movements GROUP BY 1
), months AS (
  SELECT unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH))::DATE AS month FROM m
)
SELECT month, coalesce(new_arr, 0) AS new_arr, coalesce(expansion_arr, 0) AS expansion_arr,
  coalesce(contraction_arr, 0) AS contraction_arr, coalesce(churned_arr, 0) AS churned_arr,
  coalesce(net_change_arr, 0) AS net_change_arr,
  sum(coalesce(net_change_arr, 0)) OVER (ORDER BY month) AS ending_arr
FROM months LEFT JOIN m USING (month) ORDER BY month`,
  },
  {
    name: 'pipeline_by_stage_week',
    description: 'Open pipeline on each weekly snapshot date by stage: deals, ARR (USD) and probability-weighted ARR.',
    sql: `SELECT snapshot_date AS week, stage, count(*) AS deals, sum(amount_arr) AS pipeline_arr,
  round(sum(amount_arr * probability), 2) AS weighted_arr
FROM pipeline_snapshots GROUP BY 1, 2 ORDER BY 1, 2`,
  },
  {
    name: 'win_rate_by_segment_source',
    description: 'Closed deals by segment and lead source: won, lost, win rate (won / closed) and the ARR (USD) signed.',
    sql: `SELECT segment, lead_source, count(*) FILTER (WHERE outcome = 'won') AS won, count(*) FILTER (WHERE outcome = 'lost') AS lost,
  round(count(*) FILTER (WHERE outcome = 'won') / count(*), 4) AS win_rate,
  coalesce(sum(closed_arr) FILTER (WHERE outcome = 'won'), 0) AS closed_won_arr
FROM deals WHERE outcome IN ('won', 'lost') GROUP BY 1, 2 ORDER BY 1, 2`,
  },
];

const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;
const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The tables in an order where every table comes after those its foreign keys point at. */
export function loadOrder(tables: readonly WarehouseTable[]): WarehouseTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: WarehouseTable[] = [];
  const visit = (t: WarehouseTable, path: Set<string>): void => {
    if (done.has(t.name)) return;
    if (path.has(t.name)) throw new Error(`warehouse: the relations of ${t.name} go round in a circle`);
    path.add(t.name);
    for (const r of RELATIONS) {
      if (r.table !== t.name || r.to === t.name) continue;
      const to = byName.get(r.to);
      if (to) visit(to, path);
    }
    done.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

/**
 * CREATE TABLE statements (types from the schemas, NOT NULL, primary, unique and foreign keys; a relation of a
 * table to itself is left to dbt: DuckDB checks a foreign key against rows already in the table), in load order.
 */
export function createTables(tables: readonly WarehouseTable[]): string[] {
  const names = new Set(tables.map((t) => t.name));
  return loadOrder(tables).map((t) => {
    const cols = t.columns.map((c) => `  ${ident(c.name)} ${sqlType(c)}${c.nullable ? '' : ' NOT NULL'}`);
    const pk = PRIMARY_KEYS[t.name];
    if (pk) cols.push(`  PRIMARY KEY (${pk.map(ident).join(', ')})`);
    for (const u of UNIQUE_KEYS[t.name] ?? []) cols.push(`  UNIQUE (${u.map(ident).join(', ')})`);
    for (const r of RELATIONS) {
      if (r.table !== t.name || r.to === t.name || !names.has(r.to)) continue;
      cols.push(`  FOREIGN KEY (${r.columns.map(ident).join(', ')}) REFERENCES ${ident(r.to)} (${r.toColumns.map(ident).join(', ')})`);
    }
    return `CREATE TABLE ${ident(t.name)} (\n${cols.join(',\n')}\n)`;
  });
}

/** The SELECT list that loads a table from its Parquet file (by name, in the table's order; its nulls are NULL already). */
export function loadColumns(t: WarehouseTable): string {
  return t.columns.map((c) => ident(c.name)).join(', ');
}

/** COMMENT ON statements: each table's grain, each column's description, each view's. */
export function comments(tables: readonly WarehouseTable[]): string[] {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`COMMENT ON TABLE ${ident(t.name)} IS ${literal(t.description)}`);
    for (const c of t.columns) out.push(`COMMENT ON COLUMN ${ident(t.name)}.${ident(c.name)} IS ${literal(c.description)}`);
  }
  for (const v of VIEWS) out.push(`COMMENT ON VIEW ${ident(v.name)} IS ${literal(v.description)}`);
  return out;
}

/** CREATE VIEW statements. */
export function createViews(): string[] {
  return VIEWS.map((v) => `CREATE VIEW ${ident(v.name)} AS\n${v.sql}`);
}

/** One dbt test of a column. */
export type DbtTest = string | Record<string, Record<string, unknown>>;

/** The name of the dbt source. */
export const DBT_SOURCE = 'stedi_gtm';

/**
 * dbt's test of a key of several columns. dbt core has no multi-column unique test; dbt_utils' is the standard
 * one: declared in the same properties file as the other tests (one generated file, nothing to place in the
 * project's tests/ folder), compiled by dbt_utils for each adapter. The project then needs the dbt_utils package
 * (DBT_UTILS_PACKAGE in its packages.yml, then `dbt deps`): the sources file says so in its header.
 */
export const DBT_UNIQUE_COMBINATION = 'dbt_utils.unique_combination_of_columns';

/** The packages.yml entry of dbt_utils (version 1.x has unique_combination_of_columns with this argument). */
export const DBT_UTILS_PACKAGE = {package: 'dbt-labs/dbt_utils', version: ['>=1.0.0', '<2.0.0']} as const;

/** The keys of a table (its primary key and its other unique keys) that have several columns. */
export function compositeKeys(table: string): ReadonlyArray<readonly string[]> {
  const pk = PRIMARY_KEYS[table];
  return [...(pk ? [pk] : []), ...(UNIQUE_KEYS[table] ?? [])].filter((k) => k.length > 1);
}

/**
 * The dbt sources file (dbt's "properties" YAML: version 2, one source with a table per dataset table): the
 * tables' and columns' descriptions, each column's data type, and the tests the schemas imply: not_null where
 * the column is never NULL (as typed in Parquet and DuckDB), unique on one-column primary keys, accepted_values
 * on enums, relationships on the relations; and, on a table whose key has several columns (opportunity_history,
 * pipeline_snapshots), DBT_UNIQUE_COMBINATION on the combination (see compositeKeys). `schema`: the warehouse
 * schema the tables are loaded into.
 */
export function dbtSources(tables: readonly WarehouseTable[], options: {schema: string; database?: string}): Record<string, unknown> {
  const names = new Set(tables.map((t) => t.name));
  return {
    version: 2,
    sources: [
      {
        name: DBT_SOURCE,
        description: 'The go-to-market dataset written by stedi-gtm (docs/data-dictionary.md).',
        ...(options.database ? {database: options.database} : {}),
        schema: options.schema,
        tables: tables.map((t) => ({
          name: t.name,
          description: t.description,
          ...(compositeKeys(t.name).length > 0
            ? {data_tests: compositeKeys(t.name).map((k) => ({[DBT_UNIQUE_COMBINATION]: {combination_of_columns: [...k]}}))}
            : {}),
          columns: t.columns.map((c) => {
            const tests: DbtTest[] = [];
            const pk = PRIMARY_KEYS[t.name];
            if (!c.nullable) tests.push('not_null');
            if ((pk && pk.length === 1 && pk[0] === c.name) || (UNIQUE_KEYS[t.name] ?? []).some((u) => u.length === 1 && u[0] === c.name))
              tests.push('unique');
            if (c.kind === 'enum' && c.values) tests.push({accepted_values: {values: [...c.values]}});
            for (const r of RELATIONS) {
              if (r.table !== t.name || r.columns[0] !== c.name || !names.has(r.to)) continue;
              // (dbt's relationships test skips NULLs: an optional ID's "none".)
              tests.push({relationships: {to: `source('${DBT_SOURCE}', '${r.to}')`, field: r.toColumns[0]}});
            }
            return {name: c.name, description: c.description, data_type: sqlType(c).toLowerCase(), ...(tests.length ? {data_tests: tests} : {})};
          }),
        })),
      },
    ],
  };
}
