import {createHash} from 'node:crypto';
import {createReadStream, existsSync, readFileSync, statSync} from 'node:fs';
import {Worker} from 'node:worker_threads';
import {basename, join} from 'node:path';
import {extraFormats, formatFlagValue, pathIn} from './formats/index.js';
import {displayPath} from '../core/display-path.js';
import {UserError} from '../errors.js';
import {readablePaths, stagedSha256} from './dataset.js';
import {writeJsonAtomic} from './json.js';
import type {DataPaths} from './paths.js';

/*
 * Which tables belong together: "deals.csv (and leads.csv) were made from this companies.csv", "billing.csv (and
 * invoices.csv) from this deals.csv", by the SHA-256 of the source table's bytes, with the seed and as-of date of
 * the simulation. This module is the one place that records and reads it: in <data-dir>/interim/sources.json,
 * written with the stage's tables and committed with them (see io/dataset.ts; the manifest then lists it too).
 * recordedSource and recordSources are the interface the stages use.
 */

/** The tables whose source is recorded, and the table each is made from. */
export const MADE_FROM = {deals: 'companies', billing: 'deals'} as const;
export type MadeTable = keyof typeof MADE_FROM;

export interface SourceRecord {
  /** The table it was made from, by its SHA-256. */
  from: (typeof MADE_FROM)[MadeTable];
  sha256: string;
  /**
   * The source's SHA-256 in each format it was written in, by extension (`--format csv,parquet`: both); a reader
   * checks the one of the format it reads. Absent in records of earlier versions: `sha256` then.
   */
  by_format?: Record<string, string>;
  /** The simulation's seed and as-of date. */
  seed: number;
  as_of: string;
}

const sourcesFile = (paths: DataPaths): string => join(paths.interim, 'sources.json');

function readSources(paths: DataPaths): Partial<Record<MadeTable, SourceRecord>> {
  const file = sourcesFile(paths);
  if (!existsSync(file)) return {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return data !== null && typeof data === 'object' ? (data as Partial<Record<MadeTable, SourceRecord>>) : {};
  } catch {
    // An unreadable record is no record: the tables are then taken as they are (as before this file existed).
    return {};
  }
}

/** What was recorded when `table` was written: its source's SHA-256, seed and as-of date; null when unknown. */
export function recordedSource(paths: DataPaths, table: MadeTable): SourceRecord | null {
  const r = readSources(paths)[table];
  return r && typeof r.sha256 === 'string' && typeof r.seed === 'number' ? r : null;
}

/** Records the sources of tables just put in place (the others' records are kept). */
export function recordSources(paths: DataPaths, records: Partial<Record<MadeTable, SourceRecord>>): void {
  writeJsonAtomic(sourcesFile(paths), {...readSources(paths), ...records});
}

/** The file of a table under the data folder. */
const fileOf = (paths: DataPaths, table: 'companies' | 'deals' | 'billing'): string => paths[table];

/** Files of this size or more are hashed on a thread of their own (see fileSha256). */
const HASH_THREAD_BYTES = 16 << 20;

/** The hashing thread's code (CommonJS: an eval'd worker). */
const HASH_WORKER = `
const {parentPort, workerData} = require('node:worker_threads');
const {createHash} = require('node:crypto');
const {createReadStream} = require('node:fs');
const hash = createHash('sha256');
createReadStream(workerData, {highWaterMark: 1 << 20})
  .on('data', (b) => hash.update(b))
  .on('error', (e) => parentPort.postMessage({error: e.message}))
  .on('end', () => parentPort.postMessage({sha256: hash.digest('hex')}));
`;

/**
 * SHA-256 of a file's bytes, hex. A large file (companies.csv: 120 MB at 100,000 companies) is hashed on a
 * thread of its own, so that a caller that starts it early (run --from deals) hashes while it simulates.
 */
export function fileSha256(file: string): Promise<string> {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // (The stream reports it.)
  }
  if (size >= HASH_THREAD_BYTES) {
    return new Promise((resolve, reject) => {
      const worker = new Worker(HASH_WORKER, {eval: true, workerData: file});
      worker.once('message', (m: {sha256?: string; error?: string}) => {
        void worker.terminate();
        if (m.sha256) resolve(m.sha256);
        else reject(new Error(`${file}: cannot read it to hash it (${m.error})`));
      });
      worker.once('error', reject);
    });
  }
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, {highWaterMark: 1 << 20})
      .on('data', (b) => hash.update(b))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * The record of a table made now from the source table in place (hashed here, or `hashed`: its hash, started
 * earlier by a caller that does not change the source).
 */
export async function sourceOf(paths: DataPaths, table: MadeTable, seed: number, asOf: string, hashed?: Promise<string>): Promise<SourceRecord> {
  const from = MADE_FROM[table];
  // (The source as this command sees it: written by this same run, it is still staged: see io/dataset.ts.)
  const file = fileOf(paths, from);
  const sha256 = await (hashed ?? hashOf(file));
  const by_format: Record<string, string> = {[extensionOf(file)]: sha256};
  for (const f of extraFormats()) {
    const twin = pathIn(file, f);
    if (existsSync(readablePaths({file: twin}).file)) by_format[f.extension] = await hashOf(twin);
  }
  // (Only when written in several formats: a record of one format stays as it was.)
  return {from, sha256, ...(extraFormats().length > 0 ? {by_format} : {}), seed, as_of: asOf};
}

/** SHA-256 of a table as this command sees it: known when this command wrote it, else read (staged or in place). */
const hashOf = (file: string): Promise<string> => {
  const known = stagedSha256(file);
  return known ? Promise.resolve(known) : fileSha256(readablePaths({file}).file);
};

/** The command that makes `table` again (`flags` added to it; `formats`: the --format value, this process's by default). */
const remake = (table: MadeTable, flags = '', formats = formatFlagValue()): string => {
  // (The tables' format, when not the default: the command must write them in it.)
  if (formats !== 'csv') flags += ` --format ${formats}`;
  return table === 'deals' ? `\`stedi-gtm deals${flags}\` (or \`stedi-gtm run --from deals${flags}\`)` : `\`stedi-gtm billing${flags}\``;
};

/** A file's extension, with the dot. */
const extensionOf = (file: string): string => file.slice(file.lastIndexOf('.'));

/**
 * Refuses (exit 2) a table made from another version of its source than the one in place (companies.csv edited
 * or enriched again since the deals were made, ...). Returns the record, or null when none is known (the tables
 * are then taken as they are).
 */
export async function checkMadeFrom(
  paths: DataPaths,
  table: MadeTable,
  read?: {table: string; source: string; formats: string},
): Promise<SourceRecord | null> {
  const r = recordedSource(paths, table);
  if (!r) return null;
  // (`read`: the files a command reads instead of those of this process's format, e.g. export: a table's Parquet
  // file when there is one, and the --format value that makes them again.)
  const made = read?.table ?? fileOf(paths, table);
  const source = read?.source ?? fileOf(paths, r.from);
  if (!existsSync(source) || !existsSync(made)) return r;
  if ((await fileSha256(source)) !== (r.by_format?.[extensionOf(source)] ?? r.sha256)) {
    throw new UserError(
      `${displayPath(made, process.cwd())} was made from another ${basename(source)} than ${displayPath(source, process.cwd())} (it changed since: edited, or made again): ` +
        `the tables do not belong together. Run ${remake(table, '', read?.formats)} again`,
    );
  }
  return r;
}

/**
 * The seed of a stage that extends tables made with a recorded seed: that seed. An explicit --seed must match it
 * (billing or unify with another seed than the deals would mix two simulations).
 */
export function extendingSeed(record: SourceRecord | null, seed: number, seedGiven: boolean, table: MadeTable): number {
  if (!record) return seed;
  if (seedGiven && seed !== record.seed) {
    throw new UserError(
      `--seed ${seed} differs from the seed ${table}.csv was made with (${record.seed}): run ${remake(table, ` --seed ${seed}`)} first, or leave --seed out`,
    );
  }
  return record.seed;
}
