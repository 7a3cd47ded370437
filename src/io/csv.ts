import {createReadStream, openSync, readSync, closeSync, statfsSync, writeSync} from 'node:fs';
import {dirname} from 'node:path';
import type Papa from 'papaparse';
import {UserError} from '../errors.js';
import type {BlockSink, RowPart, TableEncoder} from './formats/registry.js';
import {TableCodec, type TableColumn} from './table-codec.js';
import {TableFile} from './table-file.js';
import {notTextReason, Utf8Check} from './utf8.js';
import {displayPath} from '../core/display-path.js';

export interface CsvRecord {
  fields: string[];
  /** Row number as a spreadsheet shows it: the header is row 1. */
  row: number;
  /** Physical line where the record starts (1-based). */
  line: number;
}

export interface ReadCsvOptions {
  /** Called once with the header (BOM removed). Throw to stop before any row is read. */
  onHeader(header: string[]): void;
  /**
   * Called for every data record, in order. Blank lines are skipped (they still count for row numbers).
   * Returning a promise pauses reading until it settles (backpressure from the writers).
   */
  onRecord(record: CsvRecord): void | Promise<void>;
  /** Called for a record papaparse could not read (e.g. an unclosed quote). */
  onMalformed?(record: CsvRecord, message: string): void;
  /**
   * Reads only the bytes [start, end) of the file, which must begin at a record start after the header
   * (found by scanCsv): no header is read, and `row` and `line` are the numbers of the first record there.
   * Blank records and the empty record papaparse reports after the range's last newline are not passed on.
   */
  range?: {start: number; end: number; row: number; line: number; newline: '\r\n' | '\n' | '\r'};
}

/**
 * Looks at the file's first bytes to tell CRLF from LF files (papaparse guesses per chunk otherwise). A file
 * that cannot be read is a UserError naming it.
 */
export function sniffCsv(file: string): {newline: '\r\n' | '\n' | '\r'; bom: boolean} {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const notText = notTextReason(buf.subarray(0, n));
    if (notText) throw new UserError(`${displayPath(file, process.cwd())}: ${notText}`);
    const bom = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
    const head = buf.subarray(0, n).toString('latin1');
    const lf = head.indexOf('\n');
    const cr = head.indexOf('\r');
    const newline = cr !== -1 && (lf === -1 || cr < lf) ? (head[cr + 1] === '\n' ? '\r\n' : '\r') : '\n';
    // Most files that are not UTF-8 show it in their first bytes (the whole file is checked where it is read: see utf8.ts).
    new Utf8Check(file, newline).check(buf, 0, n, 0, n < buf.length);
    return {newline, bom};
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${displayPath(file, process.cwd())}: cannot read input file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function countNewlines(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) {
    let i = f.indexOf('\n');
    while (i !== -1) {
      n++;
      i = f.indexOf('\n', i + 1);
    }
  }
  return n;
}

/** Streams a CSV file (UTF-8, any line ending, optional BOM) record by record with papaparse. */
export async function readCsv(file: string, opts: ReadCsvOptions): Promise<{records: number; blank: number}> {
  const range = opts.range;
  const {newline, bom} = range ? {newline: range.newline, bom: false} : sniffCsv(file);
  // Loaded here, not at start-up: the scanner reads plain CSV without it.
  const {default: papa} = await import('papaparse');
  return new Promise((resolvePromise, reject) => {
    // In a range, the first record is not a header: start one row earlier so that it gets range.row.
    let row = range ? range.row - 1 : 0;
    let line = range ? range.line : 1;
    const headerRow = range ? 0 : 1;
    let records = 0;
    let blank = 0;
    let failed = false;
    // A byte-order mark is skipped before parsing, or papaparse would not see the first field's opening quote.
    const stream = createReadStream(file, {
      encoding: 'utf8',
      highWaterMark: 1 << 20,
      start: range ? range.start : bom ? 3 : 0,
      ...(range ? {end: range.end - 1} : {}),
    });
    const fail = (e: unknown, parser?: Papa.Parser) => {
      failed = true;
      parser?.abort();
      stream.destroy();
      reject(e);
    };
    papa.parse<string[]>(stream as unknown as File, {
      delimiter: ',',
      newline,
      quoteChar: '"',
      skipEmptyLines: false,
      step(results, parser) {
        if (failed) return;
        const fields = results.data;
        row++;
        const rec: CsvRecord = {fields, row, line};
        line += 1 + countNewlines(fields);
        try {
          if (row === headerRow) {
            opts.onHeader(fields);
            return;
          }
          if (fields.length === 1 && fields[0] === '') {
            blank++;
            return;
          }
          if (results.errors.length > 0 && opts.onMalformed) {
            records++;
            opts.onMalformed(rec, results.errors.map((e) => e.message).join('; '));
            return;
          }
          records++;
          const pending = opts.onRecord(rec);
          if (pending) {
            parser.pause();
            pending.then(
              () => parser.resume(),
              (e) => fail(e, parser),
            );
          }
        } catch (e) {
          fail(e, parser);
        }
      },
      complete() {
        if (failed) return;
        if (row === 0 && !range) reject(new UserError(`${displayPath(file, process.cwd())}: the file is empty (no header row)`));
        else resolvePromise({records, blank});
      },
      error(err: Error) {
        if (!failed) fail(new UserError(`${displayPath(file, process.cwd())}: cannot read CSV: ${err.message}`));
      },
    });
  });
}

/**
 * A block is handed on once it holds this much (each table a thread writes has one open, and blocks queue from the
 * workers to the lead thread): 512 KiB, not 1 MiB, took about 25 MB off `run`'s peak at 1M rows, at no cost in time.
 */
export const BLOCK = 1 << 19;
const BLOCK_BYTES = BLOCK + (BLOCK >> 1);
/**
 * Blocks of writers that were committed or aborted, for the next writers of this thread: a fresh block's pages
 * are faulted in by the kernel on first write, which costs more than the writing when many tables are written
 * one after another (e.g. `run --from deals` writes five tables per chunk).
 */
const spareBlocks: Buffer[] = [];
const MAX_SPARE_BLOCKS = 6;
/** Where this thread's writers take back their blocks that another thread wrote (see setBlockSource). */
let blockSource: (() => Uint8Array | undefined) | undefined;

/**
 * In a worker whose blocks the lead thread writes: `take` gives back a block the lead thread has written, or
 * undefined when none has come back yet; a writer calls it, synchronously, when it needs a block and has no spare.
 * (A worker busy with a range reads no messages: blocks sent back as messages waited in its queue until the
 * range ended, and it took a fresh block for nearly every one, 96% of them at 1M rows, leaving the returned ones
 * to the garbage collector: 25-70 MB of dead blocks per worker. See docs/performance.md, 2026-12-02.)
 */
export function setBlockSource(take: (() => Uint8Array | undefined) | undefined): void {
  blockSource = take;
}

/** A block for a writer: a spare, one given back (see setBlockSource), else a new one. */
function newBlock(): Buffer {
  const spare = spareBlocks.pop();
  if (spare) return spare;
  for (let b = blockSource?.(); b; b = blockSource?.()) {
    if (b.buffer instanceof ArrayBuffer && b.buffer.byteLength === BLOCK_BYTES) return Buffer.from(b.buffer, 0, BLOCK_BYTES);
  }
  return Buffer.allocUnsafe(BLOCK_BYTES);
}
const CSV_SPECIAL_RE = /[",\r\n\uFEFF]/;
const QUOTE_RE = /"/g;

/**
 * One CSV cell, as papaparse writes it: quoted when it contains a quote, a comma, CR, LF or a byte-order
 * mark, or starts or ends with a space; quotes inside are doubled.
 */
export function csvCell(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  if (s.charCodeAt(0) === 32 || s.charCodeAt(n - 1) === 32) return `"${s.replace(QUOTE_RE, '""')}"`;
  if (n > 48) return CSV_SPECIAL_RE.test(s) ? `"${s.replace(QUOTE_RE, '""')}"` : s;
  // Short cells (most of them): a loop beats the regular expression.
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 44 || c === 10 || c === 13 || c === 0xfeff) return `"${s.replace(QUOTE_RE, '""')}"`;
  }
  return s;
}

/**
 * One CSV record (no line terminator), byte for byte what `Papa.unparse([fields], {newline: '\n'})` writes
 * (papaparse 5 defaults), at a fraction of its cost: each field as csvCell writes it; null and undefined are
 * written as empty fields, as papaparse does. (Tables with a codec use its `line`, which writes the same.)
 */
export function encodeCsvRow(fields: readonly string[]): string {
  // join, not +=: a long chain of concatenations is a rope that costs more to flatten when written.
  const cells = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    cells[i] = f === null || f === undefined ? '' : csvCell(f);
  }
  return cells.join(',');
}

/**
 * Writes bytes [from, to) of `buf` to `fd`. A write that fails (a full disk: writeSync's error names no file) is
 * rethrown naming the table and how much was written and needed (see fileSystemError).
 */
export function writeAll(fd: number, buf: Uint8Array, from: number, to: number, path: string, writtenBefore: number): void {
  let off = from;
  try {
    while (off < to) off += writeSync(fd, buf, off, to - off);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & {detail?: string};
    if (err.path === undefined) err.path = path;
    err.detail = `${mb(writtenBefore + off - from)} written, ${mb(to - off)} more to write at that point${freeSpace(path)}`;
    throw err;
  }
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** ", N MB free on the device" where the file system says, else ''. */
function freeSpace(path: string): string {
  try {
    const s = statfsSync(dirname(path));
    return `; ${mb(s.bavail * s.bsize)} free on its device`;
  } catch {
    return '';
  }
}

/**
 * Takes back a block a writer's sink kept (see BlockSink), once its bytes are written: the next block of this
 * thread's writers reuses its memory (no fresh pages to fault in, no garbage for the thread that wrote it).
 */
export function recycleBlock(bytes: Uint8Array): void {
  const b = bytes.buffer;
  if (b instanceof ArrayBuffer && b.byteLength === BLOCK_BYTES && spareBlocks.length < MAX_SPARE_BLOCKS)
    spareBlocks.push(Buffer.from(b, 0, BLOCK_BYTES));
}

/**
 * The CSV format's encoder of a table (see TableEncoder in formats/registry.ts): rows are encoded (each table's
 * codec compiles its lines) straight into a block of UTF-8, handed to the sink when it holds BLOCK (512 KiB) or more.
 * Standing alone (no sink given), it writes an atomic file of its own (a TableFile: replaced on commit(),
 * left as it was on abort()). Given a sink (see EncoderOptions), it writes no file: a worker's sink posts each
 * block to the lead thread, which writes the blocks of every worker in order (see OrderedTables in
 * writer-group.ts); the block is the sink's from then on.
 */
export class AtomicCsvWriter implements TableEncoder {
  /** Rows are encoded straight into this block, handed on when it holds BLOCK or more. */
  private block = newBlock();
  private used = 0;
  rows = 0;
  /** Rows already handed on with a block. */
  private sentRows = 0;
  /** Standing alone: the file it writes. */
  private readonly file: TableFile | undefined;
  private readonly sink: BlockSink;

  /**
   * `withHeader: false` writes only rows (a piece of a table written after another piece). `sink`: where the
   * blocks go (the writer then has no file; `path` only names the table).
   */
  constructor(
    readonly path: string,
    header: readonly string[],
    withHeader = true,
    sink?: BlockSink,
    /** The table's columns and text rule (for a row whose head is another format's part: see joined). */
    private readonly table?: {readonly table: readonly TableColumn[]; readonly safe: boolean},
  ) {
    if (sink) this.sink = sink;
    else {
      const file = (this.file = new TableFile(path));
      this.sink = (bytes, rows) => (file.writeBytes(bytes, rows), false);
    }
    if (withHeader) this.append(encodeCsvRow(header) + '\n');
  }

  private head: TableCodec<Record<string, unknown>> | undefined;

  /** The codec of the columns before `codec`'s (the head of a joined row). */
  private headCodec(codec: {readonly columns: readonly string[]}): TableCodec<Record<string, unknown>> {
    if (!this.table) throw new Error(`csv: ${this.path}: a row part of another format, and no columns to encode it by`);
    return (this.head ??= new TableCodec(this.table.table.slice(0, this.table.table.length - codec.columns.length), {safeText: this.table.safe}));
  }

  private append(line: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const worst = 3 * line.length;
    if (this.used + worst > this.block.length) {
      this.flush();
      if (worst > this.block.length) this.block = Buffer.allocUnsafe(worst);
    }
    this.used += this.block.write(line, this.used, 'utf8');
    if (this.used >= BLOCK) this.flush();
  }

  /** Queues one row (written when the block is full). */
  push(fields: readonly string[]): void {
    this.rows++;
    this.append(encodeCsvRow(fields) + '\n');
  }

  /** Queues one encoded record, ending with its newline (a codec's `line`). */
  pushLine(line: string): void {
    this.rows++;
    this.append(line);
  }

  /** Queues `rows` encoded records at once (their lines joined, each with its newline). */
  pushLines(lines: string, rows: number): void {
    this.rows += rows;
    this.append(lines);
  }

  /** Queues one record whose start is bytes already encoded (UTF-8) and whose rest, newline included, is `line`. */
  pushBytesThenLine(start: Uint8Array, line: string): void {
    this.rows++;
    if (this.used + start.length > this.block.length) {
      this.flush();
      if (start.length > this.block.length) this.block = Buffer.allocUnsafe(start.length);
    }
    this.block.set(start, this.used);
    this.used += start.length;
    this.append(line);
  }

  /** TableEncoder.add: the codec's line. */
  add<T extends Record<string, unknown>>(codec: TableCodec<T>, row: T): void {
    this.rows++;
    this.append(codec.line(row));
  }

  /** The same as push, for callers that await each row. */
  async write(fields: readonly string[]): Promise<void> {
    this.push(fields);
  }

  /** TableEncoder.addAll: the lines joined, one UTF-8 write. */
  addAll<T extends Record<string, unknown>>(codec: TableCodec<T>, rows: readonly T[]): void {
    const lines = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) lines[i] = codec.line(rows[i]);
    this.pushLines(lines.join(''), rows.length);
  }

  /** TableEncoder.withPart: the part is `pick`'s record (CSV text), its cells encoded once for both (TableCodec.lineAndPick). */
  withPart<T extends Record<string, unknown>, P extends Record<string, unknown>>(codec: TableCodec<T>, pick: TableCodec<P>): (row: T) => RowPart {
    const both = codec.lineAndPick(pick);
    return (row) => {
      const [line, part] = both(row);
      this.pushLine(line);
      return part;
    };
  }

  /** TableEncoder.joined: the head's CSV text (or its UTF-8 bytes, as a CSV reader copies them), a comma, the codec's line. */
  joined<S extends Record<string, unknown>>(codec: TableCodec<S>): (head: RowPart, row: S) => void {
    return (head, row) => {
      if (typeof head === 'string') this.pushLine(`${head},${codec.line(row)}`);
      else if (head instanceof Uint8Array) this.pushBytesThenLine(head, `,${codec.line(row)}`);
      // The values of the head's columns (as a reader of another format gives them): encoded here.
      else this.pushLine(`${this.headCodec(codec).record(head as Record<string, unknown>)},${codec.line(row)}`);
    };
  }

  flush(): void {
    if (this.used === 0) return;
    const rows = this.rows - this.sentRows;
    this.sentRows = this.rows;
    const full = this.block.subarray(0, this.used);
    this.used = 0;
    // A block kept by the sink (sent to another thread) is its own from then on: the next rows go to a new one.
    if (this.sink(full, rows, undefined)) this.block = newBlock();
  }

  end(): void {
    this.flush();
    this.release();
  }

  discard(): void {
    this.used = 0;
    this.release();
  }

  /** Standing alone: writes what is queued and puts the file in place (see TableFile.commit). */
  async commit(): Promise<void> {
    this.end();
    this.file?.commit();
  }

  /** Hands the block on to the next writer (this one writes no more). */
  private release(): void {
    if (this.block.length === BLOCK_BYTES && spareBlocks.length < MAX_SPARE_BLOCKS) spareBlocks.push(this.block);
    this.block = Buffer.alloc(0);
  }

  /** Discards what is queued (standing alone: the temporary file; the target is left as it was). */
  async abort(): Promise<void> {
    this.discard();
    this.file?.abort();
  }
}

/** Reads a whole table written by this tool (header + rows) into memory, checking the header. */
export async function readTable(file: string, expected: readonly string[], producedBy: string): Promise<string[][]> {
  const rows: string[][] = [];
  await readCsv(file, {
    onHeader(header) {
      const missing = expected.filter((c) => !header.includes(c));
      if (missing.length > 0) {
        throw new UserError(
          `${displayPath(file, process.cwd())}: missing column(s) ${missing.join(', ')}; it was written by another version. Run \`stedi-gtm ${producedBy}\` again.`,
        );
      }
      const positions = expected.map((c) => header.indexOf(c));
      const identity = positions.every((p, i) => p === i);
      this.onRecord = identity ? (r) => void rows.push(r.fields) : (r) => void rows.push(positions.map((p) => r.fields[p] ?? ''));
    },
    onRecord() {},
  });
  return rows;
}
