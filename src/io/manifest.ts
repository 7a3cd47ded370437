import {createHash} from 'node:crypto';
import {closeSync, createReadStream, existsSync, openSync, readFileSync, readSync} from 'node:fs';
import {join} from 'node:path';
import type {Manifest, ManifestFile} from '../schemas/manifest.js';
import {formatOfFile, knownExtensions} from './formats/index.js';
import {DATASET_TABLES, tableFile} from './paths.js';

export type {Manifest, ManifestFile, ManifestRun} from '../schemas/manifest.js';

/** The manifest's name in the data folder. */
export const MANIFEST = 'manifest.json';

/**
 * The files of a dataset, relative to the data folder: what a manifest can list (the tables, in each format's
 * extension, see io/paths.ts). (The enrichment cache, even under interim/, is not part of the dataset.)
 */
export function datasetFiles(): string[] {
  return [
    // (In every format: a folder may hold a table in several, see extraFormats.)
    ...knownExtensions().flatMap((ext) => DATASET_TABLES.map((t) => tableFile(t, ext))),
    'interim/enrich_summary.json',
    'interim/deals_summary.json',
    'interim/billing_summary.json',
    'final/report.html',
    'interim/sources.json',
    'interim/shard_state.json',
  ];
}

/** What a manifest says of a file: rows (CSV), bytes and SHA-256. */
export type FileFacts = Pick<ManifestFile, 'rows' | 'bytes' | 'sha256'>;

/**
 * Counts the records of CSV text as it goes by (quote-aware: a line break inside a quoted field does not end
 * a record), for a file written by another thread or edited by hand. The header is a record too.
 */
export class RecordCounter {
  records = 0;
  private quoted = false;
  private pending = false;

  add(b: Uint8Array): void {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const n = buf.length;
    // The next quote and line break at or after i (-1: none left in this block), looked up only when passed.
    let q = -2;
    let nl = -2;
    let i = 0;
    while (i < n) {
      if (q !== -1 && q < i) q = buf.indexOf(0x22, i);
      if (this.quoted) {
        this.pending = true;
        if (q === -1) return;
        this.quoted = false;
        i = q + 1;
        continue;
      }
      if (nl !== -1 && nl < i) nl = buf.indexOf(0x0a, i);
      if (nl !== -1 && (q === -1 || nl < q)) {
        this.records++;
        this.pending = false;
        i = nl + 1;
      } else if (q !== -1) {
        this.quoted = true;
        this.pending = true;
        i = q + 1;
      } else {
        this.pending = true;
        return;
      }
    }
  }

  /** Records, a last one without a final line break included. */
  total(): number {
    return this.records + (this.pending ? 1 : 0);
  }
}

/**
 * Rows, bytes and SHA-256 of a file, read in 1 MiB blocks. Rows: of a table, as its format counts them (see
 * RowCounter; `as`: the name whose extension tells the format, e.g. the target of a temporary file), else null.
 */
export function describeFile(path: string, as: string = path): FileFacts {
  const hash = createHash('sha256');
  const counter = formatOfFile(as)?.rowCounter?.();
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const part = buf.subarray(0, n);
      hash.update(part);
      counter?.add(part);
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return {rows: counter ? counter.rows() : null, bytes, sha256: hash.digest('hex')};
}

/** SHA-256 of a file, read as a stream (on libuv's pool; this thread only hashes); `signal` stops it. */
export function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, {highWaterMark: 1 << 20, signal})
      .on('data', (b) => hash.update(b))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * The manifest as the commit reads it, without zod (a command's start loads none): its shape checked just
 * enough to be used as a cache of facts; undefined when absent or not usable (the files are then described
 * afresh).
 */
export function previousManifest(dataDir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dataDir, MANIFEST), 'utf8')) as Manifest;
    if (m?.manifest !== 1 || !Array.isArray(m.runs) || typeof m.files !== 'object' || m.files === null) return undefined;
    for (const f of Object.values(m.files)) if (typeof f?.sha256 !== 'string' || typeof f.bytes !== 'number') return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/** A difference between the folder and its manifest. */
export interface DatasetMismatch {
  path: string;
  problem: 'missing' | 'changed' | 'unlisted';
}

/**
 * Compares every file of the dataset with the manifest (bytes and SHA-256, reading each file): the files it
 * lists that are missing or differ, and dataset files present that it does not list. Empty: the folder holds
 * exactly what the manifest says (merge checks each shard folder with it).
 */
export function checkDataset(dataDir: string, manifest: Manifest): DatasetMismatch[] {
  const out: DatasetMismatch[] = [];
  for (const [path, f] of Object.entries(manifest.files)) {
    const abs = join(dataDir, path);
    if (!existsSync(abs)) out.push({path, problem: 'missing'});
    else {
      const d = describeFile(abs);
      // (Rows null: a file whose format this process does not count, e.g. Parquet in `merge`: its SHA-256 says it all.)
      if (d.sha256 !== f.sha256 || d.bytes !== f.bytes || (d.rows !== null && d.rows !== f.rows)) out.push({path, problem: 'changed'});
    }
  }
  for (const path of datasetFiles()) if (!(path in manifest.files) && existsSync(join(dataDir, path))) out.push({path, problem: 'unlisted'});
  return out;
}

/** The dataset files each stage reads (relative to the data folder): what the manifest records as its run's `reads`. */
export const STAGE_READS = {
  get enrich() {
    return [];
  },
  get deals() {
    return tableFiles('companies');
  },
  get billing() {
    return tableFiles('companies', 'deals');
  },
  get unify() {
    return tableFiles('companies', 'leads', 'deals', 'billing');
  },
  get report() {
    return [
      ...tableFiles('companies', 'leads', 'deals', 'reps', 'snapshots', 'billing', 'invoices', 'unified'),
      'interim/enrich_summary.json',
      'interim/deals_summary.json',
      'interim/billing_summary.json',
    ];
  },
} as const satisfies Record<string, readonly string[]>;

/** The tables' files (relative to the data folder), by their keys in dataPaths. */
function tableFiles(...keys: Array<(typeof DATASET_TABLES)[number]['key']>): string[] {
  return keys.map((k) => tableFile(DATASET_TABLES.find((t) => t.key === k)!));
}
