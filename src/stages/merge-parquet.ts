/*
 * `stedi-gtm merge --partitioned DIR`: the shards' tables laid out as one partitioned Parquet table per table,
 * for DuckDB, Spark or a warehouse to read in place (no k-way merge: a table's rows are the union of its parts):
 *
 *   DIR/<table>/shard=K/part-K-of-N.parquet   one whole Parquet file per shard K of N, written by (or from) shard K
 *   DIR/_stedi_gtm_layout.json                what the folder holds (a reader skips files whose name starts with _)
 *
 * Each part is the shard's own <table>.parquet, copied, when its manifest lists one (a shard run with --format
 * parquet), else its CSV read by the stages' reader (every cell checked, the formula guard undone) and written as
 * Parquet (as `export --parquet` does). reps (the configured team, the same in every shard) is laid out once, as
 * reps/shard=1/part-1-of-N.parquet: its `shard` column then means nothing.
 *
 * The folder is written whole or not at all: staged in a hidden folder next to DIR, put in place by rename once
 * the merged dataset is committed; a retried merge replaces it. A DIR that holds anything else is refused.
 */
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync} from 'node:fs';
import {basename, dirname, isAbsolute, join, relative, resolve, sep} from 'node:path';
import {plural} from '../core/format.js';
import type {ShardSet} from '../core/merge-order.js';
import {UserError} from '../errors.js';
import {writeFileAtomic} from '../io/atomic.js';
import {processAlive} from '../io/lock.js';
import {parquetTable} from '../io/parquet/encode.js';
import {DATASET_TABLES, parquetPathOf, type DatasetTable} from '../io/parquet/tables.js';
import type {Reporter} from '../io/reporter.js';
import {csvToParquet} from './warehouse.js';

/** The file saying what a layout folder holds; its presence also says merge wrote the folder (and may replace it). */
export const LAYOUT_FILE = '_stedi_gtm_layout.json';

/** Tables written once per dataset (the same in every shard): laid out as shard 1 only. */
export const ONCE_PER_DATASET: ReadonlySet<string> = new Set(['reps']);

/** A part's path in the layout, relative to its folder: `<table>/shard=K/part-K-of-N.parquet` (k from 1). */
export const partPath = (table: string, k: number, n: number): string => `${table}/shard=${k}/part-${k}-of-${n}.parquet`;

export interface LayoutResult {
  /** The layout folder (absolute). */
  output: string;
  /** Per table laid out: its parts and their rows. */
  tables: Record<string, {parts: number; rows: number; copied: number}>;
}

/** A layout written to its staging folder, to be put in place (publish) or dropped (discard). */
export interface StagedLayout {
  result: LayoutResult;
  publish(): void;
  discard(): void;
}

/** `a` is `b` or inside it. */
const within = (a: string, b: string): boolean => {
  const r = relative(b, a);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
};

/**
 * Checks, before anything is written, that `target` can take the layout: not a file, not a folder holding
 * anything but a layout merge wrote before, not one of the shard folders (or in or around one), not around the
 * merged data folder. Returns its absolute path; throws a UserError naming the problem otherwise.
 */
export function checkLayoutTarget(target: string, shardDirs: readonly string[], dataDir: string): string {
  const abs = resolve(target);
  const flag = `--partitioned ${target}`;
  for (const d of shardDirs) {
    const s = resolve(d);
    if (within(abs, s)) throw new UserError(`${flag} is in the shard folder ${d}: give the layout a folder of its own`);
    if (within(s, abs)) throw new UserError(`${flag} holds the shard folder ${d}: give the layout a folder of its own`);
  }
  if (within(resolve(dataDir), abs)) throw new UserError(`${flag} holds the --data-dir merge writes to: give the layout a folder of its own`);
  if (!existsSync(abs)) return abs;
  if (!statSync(abs).isDirectory()) throw new UserError(`${flag} is a file: give a folder (new, or one merge --partitioned wrote)`);
  const names = readdirSync(abs);
  if (names.length > 0 && !names.includes(LAYOUT_FILE))
    throw new UserError(
      `${flag} holds files merge did not write (no ${LAYOUT_FILE}): give a new or empty folder (a layout merge wrote is replaced whole)`,
    );
  return abs;
}

/**
 * Writes the layout of the shards' tables (those the shards have) into a staging folder next to `target`
 * (checked by checkLayoutTarget). The reps of every shard must be the same (else a UserError, as merge says).
 */
export async function stageLayout(opts: {set: ShardSet; target: string; reporter: Reporter}): Promise<StagedLayout> {
  const {set, reporter} = opts;
  const target = resolve(opts.target);
  const parent = dirname(target);
  mkdirSync(parent, {recursive: true});
  removeLeftovers(parent, basename(target));
  const stage = join(parent, `.${basename(target)}.${process.pid}.layout`);
  rmSync(stage, {recursive: true, force: true});
  mkdirSync(stage);
  const n = set.shards.length;
  const files = new Set(set.files);
  const result: LayoutResult = {output: target, tables: {}};
  reporter.info(`Laying out the shards' tables as partitioned Parquet (${plural(n, 'part')} a table)`);
  try {
    for (const d of DATASET_TABLES) {
      const csv = d.file.replace(/^data\//, '');
      const pq = parquetPathOf(csv);
      const fromParquet = files.has(pq);
      if (!fromParquet && !files.has(csv)) continue;
      const file = fromParquet ? pq : csv;
      const sources = set.shards.map((s) => join(resolve(s.dir), file));
      const ks = ONCE_PER_DATASET.has(d.name) ? [1] : sources.map((_, i) => i + 1);
      if (ONCE_PER_DATASET.has(d.name))
        sameEverywhere(
          d,
          file,
          set.shards.map((s) => s.dir),
        );
      let rows = 0;
      for (const k of ks) {
        const out = join(stage, partPath(d.name, k, n));
        mkdirSync(dirname(out), {recursive: true});
        if (fromParquet) {
          rows += await parquetRows(sources[k - 1], d);
          copyFileSync(sources[k - 1], out);
        } else rows += (await csvToParquet(sources[k - 1], d, out)).rows;
      }
      result.tables[d.name] = {parts: ks.length, rows, copied: fromParquet ? ks.length : 0};
    }
    const run = set.run;
    writeFileAtomic(
      join(stage, LAYOUT_FILE),
      `${JSON.stringify(
        {
          layout: 'stedi-gtm merge --partitioned: <table>/shard=K/part-K-of-N.parquet, one whole Parquet file per shard (see docs/scale-out.md)',
          shards: n,
          version: run.version,
          seed: run.seed,
          as_of: run.as_of,
          input_sha256: run.input?.sha256,
          once_per_dataset: [...ONCE_PER_DATASET].filter((t) => t in result.tables),
          tables: Object.fromEntries(
            Object.entries(result.tables).map(([t, v]) => [
              t,
              {rows: v.rows, parts: Array.from({length: v.parts}, (_, i) => partPath(t, ONCE_PER_DATASET.has(t) ? 1 : i + 1, n))},
            ]),
          ),
        },
        null,
        2,
      )}\n`,
    );
  } catch (e) {
    rmSync(stage, {recursive: true, force: true});
    throw e;
  }
  return {
    result,
    publish: () => publish(stage, target),
    discard: () => rmSync(stage, {recursive: true, force: true}),
  };
}

/** Puts the staged folder at `target`, replacing the layout there (moved aside, then removed; moved back if the rename fails). */
function publish(stage: string, target: string): void {
  const old = join(dirname(target), `.${basename(target)}.${process.pid}.old`);
  const had = existsSync(target);
  if (had) renameSync(target, old);
  try {
    renameSync(stage, target);
  } catch (e) {
    if (had) renameSync(old, target);
    rmSync(stage, {recursive: true, force: true});
    throw e;
  }
  if (had) rmSync(old, {recursive: true, force: true});
}

/** The staging and set-aside folders of merges that were killed (their process is gone) next to the target. */
function removeLeftovers(parent: string, base: string): void {
  const prefix = `.${base}.`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.(layout|old)$/.exec(name.slice(prefix.length));
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) rmSync(join(parent, name), {recursive: true, force: true});
  }
}

/** The rows of a shard's Parquet table, after checking it has the table's columns (a file of this version). */
async function parquetRows(path: string, d: DatasetTable): Promise<number> {
  const {asyncBufferFromFile, parquetMetadataAsync} = await import('hyparquet');
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
  const shape = (schema: ReadonlyArray<{name: string; type?: string; repetition_type?: string}>) =>
    JSON.stringify(schema.map((e) => [e.name, e.type, e.repetition_type]));
  if (shape(metadata.schema) !== shape(parquetTable(d.columns).schema))
    throw new UserError(`${path}: its columns are not those of ${d.name} in this version: run the shard again`);
  return Number(metadata.num_rows);
}

/** A table written once per dataset must be the same bytes in every shard. */
function sameEverywhere(d: DatasetTable, file: string, dirs: readonly string[]): void {
  const first = readFileSync(join(resolve(dirs[0]), file));
  for (const dir of dirs)
    if (!readFileSync(join(resolve(dir), file)).equals(first))
      throw new UserError(`${join(dir, file)} differs from shard 1's: the shards were made with different ${d.name}`);
}
