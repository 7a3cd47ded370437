import {createHash, type Hash} from 'node:crypto';
import {closeSync, mkdirSync, openSync, readSync, rmSync} from 'node:fs';
import {dirname} from 'node:path';
import {tempPathFor} from './atomic.js';
import {writeAll} from './csv.js';
import {stagingFor} from './dataset.js';
import type {FileFacts} from './manifest.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * A CSV file's records as their bytes, one at a time, in bounded memory (a block of 1 MiB, grown only for a
 * record longer than that): for copying records from one file to another unchanged (`stedi-gtm merge`). A
 * line break inside a quoted field does not end a record. Each record comes with its line break; the bytes
 * are valid until the next call to next().
 */
export class CsvRecordReader {
  /** The header's cells. */
  readonly columns: string[];
  /** The header record's bytes (with its line break). */
  readonly headerBytes: Buffer;
  /** Data records read so far. */
  rows = 0;
  private buf: Buffer;
  private start = 0;
  private end = 0;
  private eof = false;
  private fd: number | undefined;

  /** `blockBytes`: the first block's size (tests: small blocks, so that records cross them). */
  constructor(
    readonly path: string,
    blockBytes = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, blockBytes));
    this.fd = openSync(path, 'r');
    const header = this.record();
    this.headerBytes = Buffer.from(header ?? Buffer.alloc(0));
    this.columns = header ? parseRecord(header) : [];
  }

  /** The column's index; throws naming the file when the header lacks it. */
  column(name: string): number {
    const i = this.columns.indexOf(name);
    if (i === -1) throw new Error(`${this.path}: no column ${name} in its header`);
    return i;
  }

  /** The next data record, or undefined at the end of the file. */
  next(): Buffer | undefined {
    const r = this.record();
    if (r !== undefined) this.rows++;
    return r;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private record(): Buffer | undefined {
    let scan = this.start;
    let quoted = false;
    for (;;) {
      // Find the record's end in what is buffered: a line feed outside quotes.
      let i = scan;
      while (i < this.end) {
        const b = this.buf[i];
        if (b === QUOTE) quoted = !quoted;
        else if (b === LF && !quoted) {
          const out = this.buf.subarray(this.start, i + 1);
          this.start = i + 1;
          return out;
        }
        i++;
      }
      scan = i;
      if (this.eof) {
        if (this.start >= this.end) return undefined;
        const out = this.buf.subarray(this.start, this.end);
        this.start = this.end;
        return out;
      }
      // Keep the record begun, read more after it.
      const have = this.end - this.start;
      if (this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
        scan -= this.start;
        this.start = 0;
        this.end = have;
      }
      if (this.end === this.buf.length) {
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, this.end);
        this.buf = bigger;
      }
      const n = readSync(this.fd!, this.buf, this.end, this.buf.length - this.end, null);
      if (n === 0) this.eof = true;
      this.end += n;
    }
  }
}

/** The cells of one CSV record (its line break, if any, left out), unquoted. */
export function parseRecord(rec: Uint8Array): string[] {
  const out: string[] = [];
  let end = rec.length;
  if (end > 0 && rec[end - 1] === LF) end--;
  if (end > 0 && rec[end - 1] === CR) end--;
  let i = 0;
  const text = Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength);
  for (;;) {
    if (i < end && rec[i] === QUOTE) {
      let j = i + 1;
      let cell = '';
      for (;;) {
        const q = text.indexOf(QUOTE, j);
        if (q === -1 || q >= end) {
          cell += text.toString('utf8', j, end);
          i = end;
          break;
        }
        cell += text.toString('utf8', j, q);
        if (rec[q + 1] === QUOTE) {
          cell += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(cell);
    } else {
      let j = text.indexOf(COMMA, i);
      if (j === -1 || j > end) j = end;
      out.push(text.toString('utf8', i, j));
      i = j;
    }
    if (i >= end) break;
    i++; // the comma
    if (i === end) {
      out.push('');
      break;
    }
  }
  return out;
}

/** The cell at `index` of a record (see parseRecord). */
export function cellAt(rec: Uint8Array, index: number): string {
  return parseRecord(rec)[index] ?? '';
}

/**
 * A file of the dataset written from bytes (records copied as they are), buffered, hashed and counted as it
 * goes: written to a temporary file next to its place and, on close(), staged for the dataset's commit (see
 * io/dataset.ts), or put nowhere by abort().
 */
export class StagedFileWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  /** Data records written (the header not counted). */
  rows = 0;

  constructor(readonly target: string) {
    mkdirSync(dirname(target), {recursive: true});
    this.tmp = tempPathFor(target);
    this.fd = openSync(this.tmp, 'w');
  }

  /** Writes bytes (a header: not counted as a row). */
  writeBytes(b: Uint8Array): void {
    if (b.length > this.buf.length - this.used) this.flush();
    if (b.length > this.buf.length) {
      this.out(b);
      return;
    }
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  /** Writes one data record. */
  writeRecord(b: Uint8Array): void {
    this.writeBytes(b);
    this.rows++;
  }

  /** Flushes, closes and stages the file (rows: null for a file that is not a table). */
  close(csv = true): FileFacts {
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    const facts: FileFacts = {rows: csv ? this.rows : null, bytes: this.bytes, sha256: this.hash.digest('hex')};
    const dataset = stagingFor(this.target);
    if (!dataset) throw new Error(`${this.target}: no dataset open to stage it in`);
    dataset.stage(this.tmp, this.target, facts);
    return facts;
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, {force: true});
  }

  private flush(): void {
    if (this.used === 0) return;
    this.out(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private out(b: Uint8Array): void {
    writeAll(this.fd!, b, 0, b.length, this.target, this.bytes);
    this.hash.update(b);
    this.bytes += b.length;
  }
}
