import {existsSync, mkdtempSync, renameSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, isAbsolute, join, relative, resolve, sep} from 'node:path';
import {mkdirSync} from 'node:fs';
import {stringify} from 'yaml';
import {UserError} from '../errors.js';
import {
  comments,
  compositeKeys,
  createTables,
  createViews,
  DBT_UNIQUE_COMBINATION,
  DBT_UTILS_PACKAGE,
  dbtSources,
  loadColumns,
  loadOrder,
  type WarehouseTable,
} from '../core/warehouse.js';
import {tempPathFor, writeFileAtomic} from '../io/atomic.js';
import {STATE_DIR, stagingFor} from '../io/dataset.js';
import {datasetFiles, describeFile, MANIFEST, previousManifest} from '../io/manifest.js';
import {writeParquetTable} from '../io/parquet/file.js';
import {parquetColumns} from '../io/parquet/schema.js';
import {DATASET_TABLES, parquetPathOf, tablePath, type DatasetTable} from '../io/parquet/tables.js';
import type {Reporter} from '../io/reporter.js';
import {TableCodec} from '../io/table-codec.js';
import {TableCursor} from '../io/table-cursor.js';
import {withVocabulary} from '../io/table-check.js';
import {checkMadeFrom, MADE_FROM, type MadeTable} from '../io/provenance.js';
import type {DataPaths} from '../io/paths.js';
import {displayPath} from '../core/display-path.js';

/**
 * The dataset's tables with their columns' descriptions (read off the zod schemas: loads zod), the open
 * vocabularies (lead sources) those of deal_model.yml in `configDir`.
 */
export async function warehouseTables(configDir: string): Promise<WarehouseTable[]> {
  const [{tableSchemas}, {openVocabulary}, {loadDealModelConfig}] = await Promise.all([
    import('../schemas/tables.js'),
    import('../core/vocabulary.js'),
    import('./deals.js'),
  ]);
  const vocabulary = openVocabulary(await loadDealModelConfig(configDir));
  const TABLES = tableSchemas(vocabulary);
  return DATASET_TABLES.map((d) => {
    const doc = TABLES.find((t) => t.file === d.file);
    if (!doc) throw new Error(`warehouse: ${d.file} is not in TABLES`);
    const shape = doc.schema.shape as Record<string, {description?: string}>;
    return {
      name: d.name,
      description: doc.grain.charAt(0).toUpperCase() + doc.grain.slice(1) + '.',
      columns: parquetColumns(withVocabulary(d.columns, vocabulary)).map((c) => ({...c, description: shape[c.name]?.description ?? ''})),
    };
  });
}

/** Where a table of the data folder is read from: its Parquet file when there is one, else its CSV. */
function source(dataDir: string, d: DatasetTable): {path: string; parquet: boolean} {
  const s = foundSource(dataDir, d);
  if (s) return s;
  throw new UserError(
    `${displayPath(tablePath(dataDir, d), process.cwd())} is missing: run \`stedi-gtm run\` first (the export needs every table of the dataset)`,
  );
}

/** Where a table of the data folder is read from (see source); undefined when it has none. */
function foundSource(dataDir: string, d: DatasetTable): {path: string; parquet: boolean} | undefined {
  const csv = tablePath(dataDir, d);
  const pq = parquetPathOf(csv);
  if (existsSync(pq)) return {path: pq, parquet: true};
  if (existsSync(csv)) return {path: csv, parquet: false};
  return undefined;
}

/** The stage that makes each table of the dataset (what to run again when one does not fit the others). */
const MADE_BY: Readonly<Record<string, string>> = {
  companies: 'enrich',
  rejects: 'enrich',
  leads: 'deals',
  deals: 'deals',
  opportunity_history: 'deals',
  pipeline_snapshots: 'deals',
  reps: 'deals',
  billing: 'billing',
  invoices: 'billing',
  arr_movements: 'billing',
  unified: 'unify',
};

/**
 * Refuses (exit 2, before anything is written) the data folder's tables when one was made from another version
 * of its source than the one in place (deals made again after billing: billing.csv describes other deals), as
 * report does (see io/provenance.ts): checked on the files the export reads (a table's Parquet file when there
 * is one).
 */
export async function checkExportSources(paths: DataPaths): Promise<void> {
  const byName = new Map(DATASET_TABLES.map((d) => [d.name, d]));
  for (const table of Object.keys(MADE_FROM) as MadeTable[]) {
    const made = foundSource(paths.root, byName.get(table)!);
    const from = foundSource(paths.root, byName.get(MADE_FROM[table])!);
    if (!made || !from) continue;
    // (The format the tables are in: the hint's command writes them so again.)
    const csv = tablePath(paths.root, byName.get(table)!);
    const formats = [existsSync(csv) ? 'csv' : '', existsSync(parquetPathOf(csv)) ? 'parquet' : ''].filter(Boolean).join(',');
    await checkMadeFrom(paths, table, {table: made.path, source: from.path, formats});
  }
}

/**
 * A constraint DuckDB refused while loading `table` (a foreign key to a row of another table that is not there, a
 * duplicate key) as the user's error: the tables do not belong together, and what to run.
 */
function constraintError(e: unknown, table: string, from: string): unknown {
  const message = (e as Error | undefined)?.message ?? '';
  if (!/constraint/i.test(message)) return e;
  const why = message.replace(/\s+/g, ' ').trim();
  return new UserError(
    `${displayPath(from, process.cwd())} does not fit the other tables of the dataset: loading it into the table ${table}, DuckDB refused it (${why}). ` +
      `The tables do not belong together (one was made again without the others): run \`stedi-gtm ${MADE_BY[table] ?? 'run'}\` again, or \`stedi-gtm run\` for the whole dataset`,
  );
}

/**
 * A table as a Parquet file: the data folder's own, or its CSV read by the stages' reader (the formula guard
 * undone, every cell checked and typed) and written to a temporary Parquet file under `tmp`.
 */
async function asParquet(dataDir: string, d: DatasetTable, tmp: string): Promise<{file: string; read: string}> {
  const s = source(dataDir, d);
  if (s.parquet) return {file: s.path, read: s.path};
  const out = join(tmp, `${d.name}.parquet`);
  await csvToParquet(s.path, d, out);
  return {file: out, read: s.path};
}

/**
 * A table's CSV written as a Parquet file `out` (atomically): read by the stages' reader (the formula guard
 * undone, every cell checked and typed), the same rows, typed from the schemas.
 */
export async function csvToParquet(csv: string, d: DatasetTable, out: string): Promise<{rows: number; bytes: number}> {
  const codec = new TableCodec<Record<string, unknown>>(d.columns, {safeText: d.safeText});
  const cursor = await TableCursor.open(csv, codec, {required: codec.columns, producedBy: 'run', check: {table: d.columns, all: true}});
  return writeParquetTable(out, d.columns, rowsOf(cursor), {safeText: d.safeText});
}

export interface ExportResult {
  output: string;
  tables: Record<string, number>;
  views: string[];
  /** The files of the data folder it read (relative to it, with `/`). */
  read: string[];
}

/**
 * Whether an export (`export --duckdb FILE` / `--parquet FOLDER`) writes into the data folder: it is then part of
 * its dataset (the command takes the lock and commits it with the manifest; a later commit that changes a table it
 * was made from removes it, see io/dataset.ts). Throws a UserError when a file would take the place of one of the
 * dataset's own (a table, a summary, the manifest, its state).
 */
export function exportsIntoDataDir(dataDir: string, flags: {duckdb?: string; parquet?: string}): boolean {
  const targets = [
    ...(flags.duckdb === undefined ? [] : [{flag: `--duckdb ${flags.duckdb}`, path: flags.duckdb}]),
    ...(flags.parquet === undefined
      ? []
      : DATASET_TABLES.map((d) => ({flag: `--parquet ${flags.parquet}`, path: join(flags.parquet!, `${d.name}.parquet`)}))),
  ];
  let inside = false;
  for (const t of targets) {
    const r = relative(resolve(dataDir), resolve(t.path));
    if (r === '' || r.startsWith('..') || isAbsolute(r)) continue;
    inside = true;
    const rel = r.split(sep).join('/');
    if (rel === MANIFEST || rel.split('/')[0] === STATE_DIR || datasetFiles().includes(rel))
      throw new UserError(
        `${t.flag}: ${rel} is a file of the dataset in --data-dir itself: write the export to a file or folder of its own (e.g. final/gtm.duckdb)`,
      );
  }
  // A shard's folder holds the shard's run alone, as merge checks: an export there would stop the merge.
  const shard = inside ? previousManifest(resolve(dataDir))?.runs[0]?.shard : undefined;
  if (shard)
    throw new UserError(
      `--data-dir ${dataDir} holds shard ${shard.k}/${shard.n} of a sharded run, which merge takes as the shard's run alone: write the export outside the folder, or export the merged dataset`,
    );
  return inside;
}

/**
 * What the manifest records of an export into the data folder (see ManifestRun.exported): the targets inside it,
 * relative to it, with `/`.
 */
export function exportedInto(dataDir: string, flags: {duckdb?: string; parquet?: string}): {duckdb?: string; parquet?: string} {
  const out: {duckdb?: string; parquet?: string} = {};
  for (const key of ['duckdb', 'parquet'] as const) {
    const given = flags[key];
    if (given === undefined) continue;
    const r = relative(resolve(dataDir), resolve(given));
    if (r !== '' && !r.startsWith('..') && !isAbsolute(r)) out[key] = r.split(sep).join('/');
  }
  return out;
}

/** A file of the data folder as its manifest names it (relative, with `/`). */
const inFolder = (dataDir: string, path: string): string => relative(resolve(dataDir), path).split(sep).join('/');

/**
 * Writes the data folder's tables to a DuckDB database file (atomically: a temporary file, then a rename):
 * tables typed from the schemas with primary, unique and foreign keys, COMMENT ON every table, column and view,
 * and the views of core/warehouse.ts. Reads each table's Parquet file, or its CSV converted on the way.
 */
export async function exportDuckDb(opts: {dataDir: string; configDir: string; output: string; reporter: Reporter}): Promise<ExportResult> {
  let duckdb: typeof import('@duckdb/node-api');
  try {
    duckdb = await import('@duckdb/node-api');
  } catch (e) {
    throw new UserError(`DuckDB (@duckdb/node-api) does not load on this machine: ${(e as Error).message}`);
  }
  const output = resolve(opts.output);
  mkdirSync(dirname(output), {recursive: true});
  const tables = await warehouseTables(opts.configDir);
  const byName = new Map(DATASET_TABLES.map((d) => [d.name, d]));
  const tmpDir = mkdtempSync(join(tmpdir(), 'stedi-gtm-export-'));
  const tmpDb = tempPathFor(output);
  const counts: Record<string, number> = {};
  const read: string[] = [];
  try {
    const instance = await duckdb.DuckDBInstance.create(tmpDb, {threads: '2', memory_limit: '512MB', temp_directory: tmpDir});
    const db = await instance.connect();
    try {
      for (const sql of createTables(tables)) await db.run(sql);
      for (const t of loadOrder(tables)) {
        opts.reporter.info(`Loading ${t.name}`);
        const {file, read: from} = await asParquet(opts.dataDir, byName.get(t.name)!, tmpDir);
        read.push(inFolder(opts.dataDir, from));
        try {
          await db.run(`INSERT INTO "${t.name}" SELECT ${loadColumns(t)} FROM read_parquet('${file.replaceAll("'", "''")}')`);
        } catch (e) {
          throw constraintError(e, t.name, from);
        }
        const r = await db.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM "${t.name}"`);
        counts[t.name] = Number(r.getRowObjectsJS()[0].n);
      }
      for (const sql of createViews()) await db.run(sql);
      for (const sql of comments(tables)) await db.run(sql);
      await db.run('CHECKPOINT');
    } finally {
      db.closeSync();
      instance.closeSync();
    }
    // Inside the command's data folder (export --duckdb data/final/gtm.duckdb): staged for the dataset's commit,
    // which lists it in the manifest (see io/dataset.ts: a later commit that changes a table removes it).
    const dataset = stagingFor(output);
    if (dataset) dataset.stage(tmpDb, output);
    else renameSync(tmpDb, output);
  } catch (e) {
    rmSync(tmpDb, {force: true});
    rmSync(`${tmpDb}.wal`, {force: true});
    throw e;
  } finally {
    rmSync(tmpDir, {recursive: true, force: true});
  }
  // (The file as the user would type it, as run's outputs: relative to the working directory when below it.)
  return {output: displayPath(output, process.cwd()), tables: counts, views: createViews().map((s) => s.split(/\s+/)[2].replaceAll('"', '')), read};
}

/**
 * Writes every table of the data folder as a Parquet file into `outDir` (`<table>.parquet`, each atomically),
 * read from its CSV by the stages' reader (checked, the formula guard undone): the same rows, typed.
 */
export async function exportParquet(opts: {
  dataDir: string;
  outDir: string;
  reporter: Reporter;
}): Promise<{output: string; tables: Record<string, {rows: number; bytes: number}>; read: string[]}> {
  const outDir = resolve(opts.outDir);
  const tables: Record<string, {rows: number; bytes: number}> = {};
  const read: string[] = [];
  for (const d of DATASET_TABLES) {
    const s = source(opts.dataDir, d);
    read.push(inFolder(opts.dataDir, s.path));
    opts.reporter.info(`Writing ${d.name}.parquet`);
    const target = join(outDir, `${d.name}.parquet`);
    // Inside the command's data folder (export --parquet data/parquet): written aside, staged for the dataset's commit.
    const dataset = stagingFor(target);
    const file = dataset ? tempPathFor(target) : target;
    try {
      if (s.parquet) {
        const {ParquetRowReader} = await import('../io/parquet/cursor.js');
        const codec = new TableCodec<Record<string, unknown>>(d.columns, {safeText: d.safeText});
        const cursor = await ParquetRowReader.open(s.path, codec, {required: codec.columns, producedBy: 'run'});
        tables[d.name] = await writeParquetTable(file, d.columns, rowsOf(cursor), {safeText: d.safeText});
      } else tables[d.name] = await csvToParquet(s.path, d, file);
    } catch (e) {
      if (dataset) rmSync(file, {force: true});
      throw e;
    }
    dataset?.stage(file, target, {...describeFile(file), rows: tables[d.name].rows});
  }
  return {output: displayPath(outDir, process.cwd()), tables, read};
}

/** The rows of a table's reader (TableCursor or ParquetRowReader), in order. */
async function* rowsOf(cursor: {advance(): void | Promise<void>; row: Record<string, unknown> | undefined}): AsyncGenerator<Record<string, unknown>> {
  for (;;) {
    const w = cursor.advance();
    if (w) await w;
    if (cursor.row === undefined) return;
    yield cursor.row;
  }
}

/** Writes the dbt sources file of the dataset's tables (see dbtSources) to `output`; returns what it wrote. */
export async function writeDbtSources(opts: {
  output: string;
  configDir: string;
  schema: string;
  database?: string;
}): Promise<{output: string; tables: number; tests: number}> {
  const tables = await warehouseTables(opts.configDir);
  const doc = dbtSources(tables, {schema: opts.schema, database: opts.database});
  const output = resolve(opts.output);
  writeFileAtomic(output, dbtHeader(tables.map((t) => t.name)) + stringify(doc, {lineWidth: 0}));
  const sources = (doc.sources as Array<{tables: Array<{data_tests?: unknown[]; columns: Array<{data_tests?: unknown[]}>}>}>)[0];
  return {
    output: displayPath(output, process.cwd()),
    tables: sources.tables.length,
    tests: sources.tables.reduce((n, t) => n + (t.data_tests?.length ?? 0) + t.columns.reduce((m, c) => m + (c.data_tests?.length ?? 0), 0), 0),
  };
}

/** The sources file's header: what made it, and the dbt_utils package its composite keys' tests need (if any). */
export function dbtHeader(tables: readonly string[]): string {
  const composite = tables.filter((t) => compositeKeys(t).length > 0);
  const lines = ['Generated by `stedi-gtm dbt` from the zod table schemas: do not edit (run it again).'];
  if (composite.length > 0) {
    lines.push(
      `The keys of several columns (${composite.join(', ')}) are tested with ${DBT_UNIQUE_COMBINATION}:`,
      `the project needs dbt_utils in its packages.yml, then \`dbt deps\`:`,
      `  packages:`,
      `    - package: ${DBT_UTILS_PACKAGE.package}`,
      `      version: [${DBT_UTILS_PACKAGE.version.map((v) => JSON.stringify(v)).join(', ')}]`,
    );
  }
  return lines.map((l) => `# ${l}\n`).join('');
}
