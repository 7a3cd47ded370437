import {createHash} from 'node:crypto';
import {createReadStream, existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {displayPath} from '../core/display-path.js';
import {UserError} from '../errors.js';
import {writeJsonAtomic} from './json.js';
import type {DataPaths} from './paths.js';

/*
 * Which tables belong together: "deals.csv (and leads.csv) were made from this companies.csv", "billing.csv (and
 * invoices.csv) from this deals.csv", by the SHA-256 of the source table's bytes, with the seed and as-of date of
 * the simulation. This module is the one place that records and reads it: today in <data-dir>/interim/sources.json,
 * written after the stage's tables are in place; the dataset's manifest can take its place (recordedSource and
 * recordSources are the interface the stages use).
 */

/** The tables whose source is recorded, and the table each is made from. */
export const MADE_FROM = {deals: 'companies', billing: 'deals'} as const;
export type MadeTable = keyof typeof MADE_FROM;

export interface SourceRecord {
  /** The table it was made from, by its SHA-256. */
  from: (typeof MADE_FROM)[MadeTable];
  sha256: string;
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

/** SHA-256 of a file's bytes, hex. */
export function fileSha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, {highWaterMark: 1 << 20})
      .on('data', (b) => hash.update(b))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The record of a table made now from the source table in place (hashed here). */
export async function sourceOf(paths: DataPaths, table: MadeTable, seed: number, asOf: string): Promise<SourceRecord> {
  const from = MADE_FROM[table];
  return {from, sha256: await fileSha256(fileOf(paths, from)), seed, as_of: asOf};
}

/** The command that makes `table` again (`flags` added to it). */
const remake = (table: MadeTable, flags = ''): string =>
  table === 'deals' ? `\`stedi-gtm deals${flags}\` (or \`stedi-gtm run --from deals${flags}\`)` : `\`stedi-gtm billing${flags}\``;

/**
 * Refuses (exit 2) a table made from another version of its source than the one in place (companies.csv edited
 * or enriched again since the deals were made, ...). Returns the record, or null when none is known (the tables
 * are then taken as they are).
 */
export async function checkMadeFrom(paths: DataPaths, table: MadeTable): Promise<SourceRecord | null> {
  const r = recordedSource(paths, table);
  if (!r) return null;
  const source = fileOf(paths, r.from);
  if (!existsSync(source) || !existsSync(fileOf(paths, table))) return r;
  if ((await fileSha256(source)) !== r.sha256) {
    throw new UserError(
      `${displayPath(fileOf(paths, table), process.cwd())} was made from another ${r.from}.csv than ${displayPath(source, process.cwd())} (it changed since: edited, or made again): ` +
        `the tables do not belong together. Run ${remake(table)} again`,
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
