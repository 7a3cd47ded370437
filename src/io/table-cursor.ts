import {closeSync, openSync, readSync, statSync} from 'node:fs';
import {UserError} from '../errors.js';
import {encodeCsvRow, readCsv, sniffCsv} from './csv.js';
import {scanCsv, type Newline, type ScannedRecord, type ScanResult} from './csv-scan.js';
import type {TableCodec, TableColumn} from './table-codec.js';
import {RowChecker} from './table-check.js';
import {cellsAt, newCellBytes, roomFor, type CellBytes} from './cell-bytes.js';
import {createRequire} from 'node:module';
import {displayPath} from '../core/display-path.js';

/** Rows decoded ahead of the reader, per batch (two batches at most are buffered). */
const BATCH = 512;

/** Ends a producer whose cursor was closed before the end of the file. */
class Closed extends Error {}

export interface CursorOptions {
  /** Columns the file must have (a superset of the codec's; checked as readTable does). */
  required: readonly string[];
  /** The command that writes the file (named in the missing-columns message). */
  producedBy: string;
  /**
   * Columns (among `required`) whose CSV text the cursor gives as `cells`: the cells as they are in the file,
   * in this order, joined by commas (for a table that copies columns of another, without decoding them).
   */
  cells?: readonly string[];
  /**
   * Read only the records from byte `start` to byte `end` (see ScanOptions.range), whose file has this header
   * and newline. Row numbers then count from the range's first record, and a file the scanner declines (or a
   * range that ends inside a record) is an error (RangeDeclined), not read by papaparse.
   */
  range?: {start: number; end: number; header: readonly string[]; newline: Newline};
  /**
   * Check the cells (see io/table-check.ts) of the columns of `table` (the file's table) that the cursor decodes
   * or copies, or of every typed column with `all`; `unique`: the column whose values must be unique. Records
   * are checked whole too: a record short of fields, or one papaparse finds malformed, is an error naming the row.
   */
  check?: {table: readonly TableColumn[]; all?: boolean; unique?: string};
}

/** A range of a table that the scanner cannot read as plain CSV records (see CursorOptions.range). */
export class RangeDeclined extends Error {}

/**
 * Reads a table written by this tool row by row, in file order, with bounded memory: only the codec's columns
 * are decoded (the codec may cover a subset of the file's columns, e.g. a pick of CompanySchema). Rows are
 * parsed by the fast scanner (scanCsv) a batch ahead of the reader; when the scanner declines the file (not
 * plain CSV), papaparse (readCsv) takes over from the record where the scanner stopped, so the rows are
 * papaparse's either way. Blank lines are skipped, as readTable skips them. Several cursors can walk several
 * tables together (a merge-join): each reads on its own, paused while its reader is behind.
 *
 * Use: `const w = cursor.advance(); if (w) await w;` then `cursor.row` is the next row (undefined at the
 * end) and `cursor.rowNumber` its row number as a spreadsheet shows it (the header is row 1).
 */
export class TableCursor<T extends Record<string, unknown>> {
  /** The current row: undefined before the first advance() and after the last row. */
  row: T | undefined;
  /** The current row's number (header = 1); after the end, one past the last row read. */
  rowNumber = 1;
  /**
   * The current row's `cells` columns (see CursorOptions) as CSV text in UTF-8: as they are in the file, or,
   * where papaparse read it (a file that is not plain CSV), as the writers encode the values read. The bytes
   * stay valid after the cursor moves on.
   */
  cells: Uint8Array = new Uint8Array(0);
  /** Set when the scanner declined the file and papaparse read (some of) it. */
  fallback: string | undefined;

  private rows: T[] = [];
  private numbers: number[] = [];
  private texts: CellBytes = newCellBytes();
  private pos = 0;
  private filling: T[] = [];
  private fillingNumbers: number[] = [];
  private fillingTexts: CellBytes = newCellBytes();
  private readonly ready: Array<{rows: T[]; numbers: number[]; texts: CellBytes}> = [];
  /** Header positions of the `cells` columns, and the same as runs of adjacent fields (for ScannedRecord.copySpan). */
  private cellPositions: number[] = [];
  private cellRuns: Array<[number, number]> = [];
  private done = false;
  private error: unknown;
  private closed = false;
  private wake: (() => void) | undefined;
  private resume: {resolve(): void; reject(e: unknown): void} | undefined;
  private positions: number[] = [];
  /** The positions the scanner decodes: the codec's and the checked columns'. */
  private decodePositions: number[] = [];
  /** The header's field count. */
  private width = 0;
  private checker: RowChecker | undefined;
  private checkPositions: number[] = [];
  private readonly checkCells: string[] = [];
  private readonly projected: string[];
  private producing: Promise<void> = Promise.resolve();
  /** For estimatedRows: the file's size, and the records read (and where the last one starts) so far. */
  private size = 0;
  private recordsRead = 0;
  private lastOffset = 0;

  private constructor(
    readonly file: string,
    private readonly codec: TableCodec<T>,
    private readonly opts: CursorOptions,
  ) {
    this.projected = new Array<string>(codec.columns.length).fill('');
  }

  /**
   * Opens the table and checks its header (a missing column is a UserError naming the file and the command
   * that writes it). The caller checks that the file exists.
   */
  static async open<T extends Record<string, unknown>>(file: string, codec: TableCodec<T>, opts: CursorOptions): Promise<TableCursor<T>> {
    const cursor = new TableCursor(file, codec, opts);
    let headerSeen!: () => void;
    let failed!: (e: unknown) => void;
    const header = new Promise<void>((resolve, reject) => {
      headerSeen = resolve;
      failed = reject;
    });
    cursor.producing = cursor
      .produce(headerSeen)
      .then(
        () => cursor.finish(undefined),
        (e) => cursor.finish(e instanceof Closed ? undefined : e),
      )
      .then(() => failed(cursor.error ?? new Error(`${file}: no header was read`)));
    await header;
    return cursor;
  }

  /**
   * About how many rows the file has, from its size and the bytes a record took so far (for a progress ETA);
   * undefined before the first records, or where papaparse reads the file.
   */
  estimatedRows(): number | undefined {
    return this.recordsRead >= 64 && this.lastOffset > 0 ? Math.round((this.size * this.recordsRead) / this.lastOffset) : undefined;
  }

  /** Moves to the next row (see the class comment); returns a promise only when it must wait for the reader. */
  advance(): void | Promise<void> {
    if (++this.pos < this.rows.length) {
      this.row = this.rows[this.pos];
      this.rowNumber = this.numbers[this.pos];
      if (this.cellRuns.length) this.cells = cellsAt(this.texts, this.pos);
      return;
    }
    return this.nextBatch();
  }

  /** The checked unique column's values read so far (see RowChecker.ids); empty without checks. */
  ids(): BigUint64Array {
    return this.checker?.ids() ?? new BigUint64Array(0);
  }

  /** Stops reading (the file is closed); safe to call at any time, also after the end. */
  async close(): Promise<void> {
    this.closed = true;
    const r = this.resume;
    this.resume = undefined;
    r?.reject(new Closed());
    await this.producing;
  }

  private async nextBatch(): Promise<void> {
    while (this.ready.length === 0 && !this.done) await new Promise<void>((resolve) => (this.wake = resolve));
    const batch = this.ready.shift();
    if (!batch) {
      if (this.error !== undefined) throw this.error;
      this.rows = [];
      this.pos = 0;
      if (this.row !== undefined) this.rowNumber++;
      this.row = undefined;
      return;
    }
    this.rows = batch.rows;
    this.numbers = batch.numbers;
    this.texts = batch.texts;
    this.pos = 0;
    this.row = this.rows[0];
    this.rowNumber = this.numbers[0];
    if (this.cellRuns.length) this.cells = cellsAt(this.texts, 0);
    const r = this.resume;
    this.resume = undefined;
    r?.resolve();
  }

  private finish(error: unknown): void {
    if (this.filling.length > 0) this.ready.push({rows: this.filling, numbers: this.fillingNumbers, texts: this.fillingTexts});
    this.filling = [];
    this.fillingNumbers = [];
    this.fillingTexts = newCellBytes();
    this.error = error;
    this.done = true;
    this.wake?.();
  }

  private header(header: readonly string[]): void {
    const missing = this.opts.required.filter((c) => !header.includes(c));
    if (missing.length > 0) {
      throw new UserError(
        `${displayPath(this.file, process.cwd())}: missing column(s) ${missing.join(', ')}; it was written by another version. Run \`stedi-gtm ${this.opts.producedBy}\` again.`,
      );
    }
    const position = (c: string) => {
      const p = header.indexOf(c);
      if (p === -1) throw new Error(`${this.file}: column ${c} is read but not required`);
      return p;
    };
    this.positions = this.codec.columns.map(position);
    this.cellPositions = (this.opts.cells ?? []).map(position);
    this.width = header.length;
    this.decodePositions = this.positions;
    const check = this.opts.check;
    if (check) {
      const read = new Set([...this.codec.columns, ...(this.opts.cells ?? [])]);
      const columns = check.table.filter((c) => header.includes(c.name) && (check.all || read.has(c.name)));
      this.checker = new RowChecker(this.file, columns, this.opts.producedBy, check.unique);
      this.checkPositions = this.checker.columns.map((c) => header.indexOf(c.name));
      this.decodePositions = [...new Set([...this.positions, ...this.checkPositions])];
    }
    this.cellRuns = [];
    for (const p of this.cellPositions) {
      const run = this.cellRuns.at(-1);
      if (run && run[1] === p - 1) run[1] = p;
      else this.cellRuns.push([p, p]);
    }
  }

  /** With checks: a record the scanner read must have every field the cursor decodes (see skipTail: past them, count is a lower bound). */
  private whole(rec: ScannedRecord, row: number): void {
    if (this.checker && rec.count < this.width && rec.count <= this.maxDecoded()) this.cutShort(row, rec.count);
  }

  private maxDecodedCache = -1;
  private maxDecoded(): number {
    if (this.maxDecodedCache < 0) this.maxDecodedCache = Math.max(0, ...this.decodePositions, ...this.cellPositions);
    return this.maxDecodedCache;
  }

  private cutShort(row: number, count: number): never {
    throw new UserError(
      `${displayPath(this.file, process.cwd())} row ${row}: ${count} field(s) where the header has ${this.width}: the file was cut short or edited by hand: fix it, or run \`stedi-gtm ${this.opts.producedBy}\` again`,
    );
  }

  /**
   * With checks, after a scan of the whole file: a file that does not end with a line break ends with a record
   * that may be cut short (a copy or a write that stopped): its fields are counted exactly.
   */
  private checkLastRecord(row: number): void {
    if (!this.checker || this.size === 0 || this.lastOffset <= 0) return;
    const fd = openSync(this.file, 'r');
    try {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, this.size - 1);
      if (last[0] === 0x0a) return;
      const tail = Buffer.alloc(this.size - this.lastOffset);
      readSync(fd, tail, 0, tail.length, this.lastOffset);
      const papa = createRequire(import.meta.url)('papaparse') as typeof import('papaparse');
      const fields = papa.parse<string[]>(tail.toString('utf8'), {delimiter: ',', quoteChar: '"'}).data[0] ?? [];
      if (fields.length !== this.width) this.cutShort(row, fields.length);
    } finally {
      closeSync(fd);
    }
  }

  /** Appends the cells of a record the scanner read to the batch: its runs of fields as they are in the file. */
  private spans(rec: ScannedRecord): void {
    const runs = this.cellRuns;
    let need = runs.length - 1;
    for (const [a, b] of runs) need += rec.spanBytes(a, b);
    const t = roomFor(this.fillingTexts, need);
    let at = t.used;
    for (let i = 0; i < runs.length; i++) {
      if (i > 0) t.bytes[at++] = 0x2c;
      at += rec.copySpan(runs[i][0], runs[i][1], t.bytes, at);
    }
    t.used = at;
    t.ends.push(at);
  }

  /** Appends the cells of a record papaparse read to the batch: its fields as the writers encode them. */
  private encoded(fields: readonly string[]): void {
    const text = encodeCsvRow(this.cellPositions.map((p) => fields[p] ?? ''));
    const t = roomFor(this.fillingTexts, Buffer.byteLength(text));
    t.used += t.bytes.write(text, t.used, 'utf8');
    t.ends.push(t.used);
  }

  /** Queues a decoded row (its cells are appended already); returns a promise (the producer waits) when two batches are waiting. */
  private push(fields: readonly string[], rowNumber: number): void | Promise<void> {
    if (this.closed) throw new Closed();
    if (this.checker) {
      const at = this.checkPositions;
      const cells = this.checkCells;
      for (let i = 0; i < at.length; i++) cells[i] = fields[at[i]] ?? '';
      this.checker.check(cells, rowNumber);
    }
    const pos = this.positions;
    const proj = this.projected;
    for (let i = 0; i < pos.length; i++) proj[i] = fields[pos[i]] ?? '';
    this.filling.push(this.codec.decode(proj));
    this.fillingNumbers.push(rowNumber);
    if (this.filling.length < BATCH) return;
    this.ready.push({rows: this.filling, numbers: this.fillingNumbers, texts: this.fillingTexts});
    this.filling = [];
    this.fillingNumbers = [];
    this.fillingTexts = newCellBytes();
    const w = this.wake;
    this.wake = undefined;
    w?.();
    if (this.ready.length < 2) return;
    return new Promise<void>((resolve, reject) => (this.resume = {resolve, reject}));
  }

  /** Reads the records of a range of the file (see CursorOptions.range): the scanner only, no papaparse. */
  private async produceRange(range: NonNullable<CursorOptions['range']>, headerSeen: () => void): Promise<void> {
    this.header(range.header);
    headerSeen();
    const scanned = await scanCsv(this.file, {
      newline: range.newline,
      start: range.start,
      range: {end: range.end, columns: {decode: this.decodePositions, spans: this.cellPositions}},
      skipTail: true,
      // Rows are named by number, not line.
      lines: false,
      onRecord: (rec) => {
        if (isBlank(rec)) return;
        this.whole(rec, rec.index + 1);
        if (this.cellRuns.length) this.spans(rec);
        return this.push(rec.fields, rec.index + 1);
      },
    });
    if (!scanned.ok) throw new RangeDeclined(`${this.file}, bytes ${range.start} to ${range.end}: ${scanned.reason}`);
  }

  private async produce(headerSeen: () => void): Promise<void> {
    const range = this.opts.range;
    if (range) return this.produceRange(range, headerSeen);
    let sniffed: ReturnType<typeof sniffCsv> | undefined;
    try {
      sniffed = sniffCsv(this.file);
    } catch {
      // readCsv reports the unreadable file.
    }
    let scanned: ScanResult | undefined;
    let seen = false;
    if (sniffed) {
      this.size = statSync(this.file).size;
      scanned = await scanCsv(this.file, {
        newline: sniffed.newline,
        start: sniffed.bom ? 3 : 0,
        skipTail: true,
        // Rows are named by number, not line.
        lines: false,
        onHeader: (header) => {
          this.header(header);
          seen = true;
          headerSeen();
          return {decode: this.decodePositions, spans: this.cellPositions};
        },
        onRecord: (rec) => {
          this.recordsRead = rec.index;
          this.lastOffset = rec.offset;
          if (isBlank(rec)) return;
          this.whole(rec, rec.index + 1);
          if (this.cellRuns.length) this.spans(rec);
          return this.push(rec.fields, rec.index + 1);
        },
      });
      if (scanned.ok && seen) {
        this.checkLastRecord(this.recordsRead + 1);
        return;
      }
      this.recordsRead = 0;
    }
    // Papaparse, from the record where the scanner stopped (it read the same records up to there).
    const skip = scanned && !scanned.ok ? scanned.records : 0;
    this.fallback = scanned && !scanned.ok ? scanned.reason : 'not scanned';
    await readCsv(this.file, {
      onHeader: (header) => {
        if (seen) return;
        this.header(header);
        seen = true;
        headerSeen();
      },
      onRecord: (rec) => {
        if (rec.row <= skip) return;
        if (this.opts.check && rec.fields.length !== this.width) this.cutShort(rec.row, rec.fields.length);
        if (this.cellRuns.length) this.encoded(rec.fields);
        return this.push(rec.fields, rec.row);
      },
      onMalformed: (rec, message) => {
        if (this.opts.check)
          throw new UserError(
            `${displayPath(this.file, process.cwd())} row ${rec.row}: not a whole CSV record (${message}): the file was cut short or edited by hand: fix it, or run \`stedi-gtm ${this.opts.producedBy}\` again`,
          );
        if (rec.row <= skip) return;
        if (this.cellRuns.length) this.encoded(rec.fields);
        return this.push(rec.fields, rec.row);
      },
    });
  }
}

/** A blank line: one empty field (readCsv skips these). */
function isBlank(rec: ScannedRecord): boolean {
  if (rec.count !== 1) return false;
  const t = rec.text();
  return t === '' || t === '""';
}
