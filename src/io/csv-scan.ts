import {open} from 'node:fs/promises';
import {CsvScanner} from './csv-scanner.js';

/**
 * A fast, strict, read-only index of a CSV file: record boundaries (byte offsets), line numbers and the
 * decoded text of only the columns asked for. It exists for speed where papaparse, which decodes every field,
 * costs too much: the first pass of `enrich` needs three columns of each row and the byte offsets that let two
 * workers parse halves of the file; the simulation stages need the short columns of companies.csv, not its
 * descriptions. Papaparse stays the parser of record: the scanner accepts only the plain, unambiguous subset
 * of CSV (fields either unquoted without quotes, or quoted with doubled quotes inside, followed directly by a
 * delimiter or the newline) and gives up (`ok: false`) on anything else, for its caller to fall back to
 * papaparse. On what it accepts it yields the same records and fields as papaparse with `delimiter: ','`,
 * `quoteChar: '"'`, the same newline and `skipEmptyLines: false` reading a stream (blank lines are records
 * of one empty field; a final newline ends the last record; property-tested in test/csv-scan.test.ts).
 */

export type Newline = '\r\n' | '\n' | '\r';

export interface ScannedRecord {
  /** 0-based index of the record (the header is record 0; blank lines are records too, as in papaparse). */
  index: number;
  /** Byte offset of the record's first byte in the file. */
  offset: number;
  /**
   * LF bytes inside the record's fields: the next record starts 1 + this physical lines further (0 when the
   * scan does not count lines, see ScanOptions.lines).
   */
  innerNewlines: number;
  /**
   * Number of fields in the record (with `skipTail`, exact only up to the last field wanted: past it, a
   * lower bound).
   */
  count: number;
  /**
   * The decoded fields at the wanted indexes ('' elsewhere and past `count`). The array is reused: copy what
   * you keep.
   */
  fields: string[];
  /** The record's text without its newline, decoded (for the rare record that needs every field). */
  text(): string;
  /**
   * Copies the CSV text of fields `from` to `to` (inclusive, both wanted or spanned; see onHeader) as it is in
   * the file (UTF-8; quotes and doubled quotes kept, the delimiters between the fields included; fields past
   * the record's last are empty) into `target` at `at`, which must have room for spanBytes; returns its length.
   */
  copySpan(from: number, to: number, target: Buffer, at: number): number;
  /** The length in bytes of the text copySpan copies. */
  spanBytes(from: number, to: number): number;
}

/** What onHeader asks for: the fields to decode, and fields whose raw text (ScannedRecord.copySpan) is needed. */
export type Wanted = readonly number[] | {decode: readonly number[]; spans: readonly number[]};

export interface ScanOptions {
  /** The file's newline (see sniffCsv in csv.ts). */
  newline: Newline;
  /** First byte to read (3 to skip a byte-order mark). */
  start?: number;
  /**
   * Called with the header (record 0, every field decoded); returns which field indexes to decode in the
   * other records (and which to give the raw text of).
   */
  onHeader?(header: string[], record: ScannedRecord): Wanted;
  /**
   * Past the last field wanted, find the end of the record with a few native searches instead of walking
   * every byte (the records read and the fields decoded are the same; `count` is then a lower bound).
   */
  skipTail?: boolean;
  /**
   * Reads only up to this byte (exclusive) and has no header: `start` must be a record start (found by an
   * earlier scan, or a guess this scan and the one of the range before check), and `columns` says which
   * fields to decode. Record indexes then count from 0 at `start`. Short of the end of the file, the range
   * must end with a complete record and its newline: a range that ends inside a record is declined.
   */
  range?: {end: number; columns: Wanted};
  /**
   * Called for every other record, in order. Returning a promise pauses the scan until it settles
   * (backpressure, as with readCsv); a rejection ends the scan with that error.
   */
  onRecord(record: ScannedRecord): void | Promise<void>;
  /**
   * false: the records' line breaks are not counted (innerNewlines is 0), for a reader that needs no line
   * numbers (a search per record less).
   */
  lines?: boolean;
  /** Bytes read at a time (default 8 MiB; tests use tiny chunks to cross every boundary). */
  chunkBytes?: number;
  /** Called after every chunk of the file (about 8 MiB), with the records seen so far. */
  onChunk?(records: number): void;
  /**
   * Check that the bytes read are UTF-8 (for a user's file): the scan throws notUtf8's UserError at the first
   * that is not, whether or not it would have declined the file later.
   */
  checkUtf8?: boolean;
}

export type ScanResult = {ok: true; records: number; bytes: number} | {ok: false; reason: string; offset: number; records: number};

/**
 * Scans the file (see the module comment). Returns `ok: false` with the reason at the first construct it does
 * not accept; the callbacks may have seen records before it by then.
 */
export async function scanCsv(file: string, opts: ScanOptions): Promise<ScanResult> {
  const fh = await open(file, 'r');
  let scanner: CsvScanner | undefined;
  try {
    // A range that stops short of the end of the file: its last record must end with a newline.
    const cut = opts.range ? opts.range.end < (await fh.stat()).size : false;
    scanner = new CsvScanner(fh, file, opts, cut);
    return await scanner.scan();
  } finally {
    await fh.close();
    scanner?.release();
  }
}
