import {open, stat} from 'node:fs/promises';
import {sniffCsv} from './csv.js';
import {scanCsv, type Newline} from './csv-scan.js';

/*
 * Cutting a large CSV file into chunks of whole records that threads read at once (`run --from deals` over
 * companies.csv, the first pass of `enrich` over the export). The cuts are guesses (a newline followed by what
 * the first record starts with), checked by the scans themselves: a chunk's scan must end exactly at the next
 * chunk's start with a complete record (see ScanOptions.range), and the first chunk starts at the first record,
 * so every cut that passes is a real record start. A caller whose check fails reads the file in one pass.
 */

/** About this many bytes per chunk (at least; at most 64 chunks), unless the caller says. */
const CHUNK_BYTES = 32 << 20;
/** Bytes searched for a record start after each guessed boundary. */
const WINDOW = 256 << 10;

/** Where the records of a file are, and the cuts between chunks. */
export interface ChunkPlan {
  header: string[];
  newline: Newline;
  /** The physical line the first record starts on (2, unless the header has line breaks in it). */
  firstLine: number;
  /** Byte ranges [start, end) of the chunks, in file order, covering every record. */
  chunks: Array<{start: number; end: number}>;
}

/**
 * Cuts the file into chunks of about `chunkBytes` (by default at least CHUNK_BYTES and at most 64 chunks);
 * undefined when it is too small to cut, or no record start is found to cut at.
 */
export async function planChunks(file: string, chunkBytes?: number): Promise<ChunkPlan | undefined> {
  const size = (await stat(file)).size;
  const per = chunkBytes ?? Math.max(CHUNK_BYTES, Math.ceil(size / 64));
  if (size < 2 * per) return undefined;
  const sniffed = sniffCsv(file);
  let header: string[] | undefined;
  let firstLine = 1;
  let first = -1;
  const stop = new Error('stop');
  try {
    await scanCsv(file, {
      newline: sniffed.newline,
      start: sniffed.bom ? 3 : 0,
      chunkBytes: 64 << 10,
      onHeader: (h, rec) => {
        header = h;
        firstLine += 1 + rec.innerNewlines;
        return [];
      },
      onRecord: (rec) => {
        first = rec.offset;
        return Promise.reject(stop);
      },
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  if (!header || first < 0) return undefined;
  const fh = await open(file, 'r');
  try {
    // What a record starts with: the first record's first bytes (companies.csv starts each with its company_id).
    const probe = Buffer.alloc(3);
    await fh.read(probe, 0, 3, first);
    const nl = Buffer.from(sniffed.newline === '\r' ? '\r' : '\n');
    const pattern = Buffer.concat([nl, probe]);
    const window = Buffer.allocUnsafe(Math.min(WINDOW, per));
    const cuts = [first];
    for (let at = first + per; at < size - per / 2; at += per) {
      const {bytesRead} = await fh.read(window, 0, window.length, at);
      const hit = window.subarray(0, bytesRead).indexOf(pattern);
      if (hit === -1) continue;
      const cut = at + hit + nl.length;
      if (cut > cuts[cuts.length - 1]) cuts.push(cut);
    }
    if (cuts.length < 2) return undefined;
    const chunks = cuts.map((start, k) => ({start, end: k + 1 < cuts.length ? cuts[k + 1] : size}));
    return {header, newline: sniffed.newline, firstLine, chunks};
  } finally {
    await fh.close();
  }
}
