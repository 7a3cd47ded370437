import {CONTROL_RE} from '../../core/text-cells.js';
import type {ColumnValues, DictionaryValues, PlainBytes} from './pages.js';
import type {ParquetColumn} from './schema.js';

/**
 * A block's values gathered column by column as its rows arrive, already in the form pages.ts writes: text as
 * UTF-8 in PLAIN layout (a 4-byte length, then the bytes), enums as dictionary indexes, dates as days, numbers
 * and booleans in typed arrays, which rows are null in a byte per row. Nothing of a row is kept: the values a
 * block held as JS strings and numbers until its row group was written survived the young generation's
 * collections and were copied, then promoted, which cost a Parquet run more than encoding them (issue 19).
 * The arrays grow to the largest block and are reused from block to block (`reset`).
 */
export interface ColumnBuilder {
  /** Appends row `n`'s value (as the rows hold it: see schema.ts); throws on a value the column cannot hold. */
  add(v: unknown): void;
  /** The block's values (views of the builder's arrays: valid until the next add or reset). */
  values(): ColumnValues;
  reset(): void;
}

/**
 * Builders of a table's columns kept by this thread, by a key of the caller's (the table's columns, from
 * src/generated/tables.ts) and whether text is cleaned: a worker makes new encoders for every range it writes, and
 * builders made anew grew their buffers again each time (their dead buffers, outside the JS heap, piled up to 50-100
 * MB per worker between collections).
 */
const pool = new WeakMap<object, {plain: ColumnBuilder[][]; safe: ColumnBuilder[][]}>();

function kept(key: object, safeText: boolean): ColumnBuilder[][] {
  let k = pool.get(key);
  if (!k) pool.set(key, (k = {plain: [], safe: []}));
  return safeText ? k.safe : k.plain;
}

/** Builders for a table's columns: kept ones (reset) when this thread has some, else new. Give them back when done. */
export function takeBuilders(key: object, columns: readonly ParquetColumn[], safeText: boolean): ColumnBuilder[] {
  const builders = kept(key, safeText).pop();
  if (!builders) return columnBuilders(columns, safeText);
  for (const b of builders) b.reset();
  return builders;
}

/** Builders no longer used (takeBuilders with the same key, columns and safeText may hand them out again). */
export function giveBackBuilders(key: object, safeText: boolean, builders: ColumnBuilder[]): void {
  const free = kept(key, safeText);
  if (free.length < 2) free.push(builders);
}

/** The builders of a table's columns. */
function columnBuilders(columns: readonly ParquetColumn[], safeText: boolean): ColumnBuilder[] {
  return columns.map((c): ColumnBuilder => {
    switch (c.kind) {
      case 'text':
        // Free text gets a dictionary where one pays (repeated values: sources, countries, industries).
        return new StringColumn(c, safeText, 'auto');
      case 'id':
        // IDs are unique: never a dictionary.
        return new StringColumn(c, false, 'never');
      case 'enum':
        return new StringColumn(c, false, 'always');
      case 'date':
        return new DateColumn(c);
      case 'int':
      case 'decimal':
        return new Int64Column(c);
      case 'double':
        return new DoubleColumn(c);
      case 'boolean':
        return new BooleanColumn(c);
      case 'list':
        return new ListColumn(safeText);
    }
  });
}

const CONTROL_ALL_RE = new RegExp(CONTROL_RE.source, 'g');
const NO_BYTES: PlainBytes = {bytes: new Uint8Array(0), starts: new Int32Array(1), count: 0};
const DAY_MS = 86_400_000;

/** Byte arrays in PLAIN layout, appended one by one. */
class PlainWriter {
  buf = Buffer.allocUnsafe(1 << 12);
  at = 0;
  /** Start of each value (count + 1 numbers). */
  starts = new Int32Array(256);
  count = 0;

  /** Appends a string's UTF-8 bytes; returns their length. */
  push(s: string): number {
    if (this.at + 4 + 3 * s.length > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + 4 + 3 * s.length));
      this.buf.copy(next, 0, 0, this.at);
      this.buf = next;
    }
    const written = this.buf.write(s, this.at + 4, 'utf8');
    this.buf.writeUInt32LE(written, this.at);
    this.at += 4 + written;
    if (this.count + 2 > this.starts.length) this.starts = grown(this.starts, this.count + 2);
    this.starts[++this.count] = this.at;
    return written;
  }

  /** Appends `from`'s values at `indexes` (in order): their bytes copied as they are, lengths included. */
  pushFrom(from: PlainWriter, indexes: Int32Array, count: number): void {
    let bytes = 0;
    for (let k = 0; k < count; k++) bytes += from.starts[indexes[k] + 1] - from.starts[indexes[k]];
    if (this.at + bytes > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + bytes));
      this.buf.copy(next, 0, 0, this.at);
      this.buf = next;
    }
    if (this.count + count + 1 > this.starts.length) this.starts = grown(this.starts, this.count + count + 1);
    for (let k = 0; k < count; k++) {
      const ix = indexes[k];
      this.at += from.buf.copy(this.buf, this.at, from.starts[ix], from.starts[ix + 1]);
      this.starts[++this.count] = this.at;
    }
  }

  view(): PlainBytes {
    return {bytes: this.buf.subarray(0, this.at), starts: this.starts.subarray(0, this.count + 1), count: this.count};
  }

  reset(): void {
    this.at = 0;
    this.count = 0;
  }
}

/**
 * The distinct values of a column in order of first appearance, and each value's index. `auto`: given up once a
 * dictionary cannot pay (more than half the values distinct, past the first 64), so free text keeps no map. The
 * column's values in PLAIN are not written while a dictionary is kept (see StringColumn): for text that repeats
 * (campaigns, owners, industries) they were written for every row and then thrown away, a few MB per table and
 * worker (a worker's builders grow to the largest group of each table).
 */
class DictionaryBuilder {
  private readonly map = new Map<string, number>();
  readonly strings: string[] = [];
  readonly plain = new PlainWriter();
  indexes = new Int32Array(256);
  count = 0;
  /** Bytes of the values in PLAIN (4 + UTF-8 each), to tell whether the dictionary pays. */
  plainBytes = 0;
  given = false;

  constructor(private readonly auto: boolean) {}

  /** Adds a value; false (and nothing kept) when the dictionary is given up, now or before. */
  add(s: string): boolean {
    if (this.given) return false;
    let ix = this.map.get(s);
    if (ix === undefined) {
      ix = this.strings.length;
      if (this.auto && ix >= 64 && 2 * ix > this.count) {
        this.given = true;
        this.map.clear();
        return false;
      }
      this.map.set(s, ix);
      this.strings.push(s);
      this.plain.push(s);
    }
    if (this.count >= this.indexes.length) this.indexes = grown(this.indexes, this.count + 1);
    this.indexes[this.count++] = ix;
    this.plainBytes += this.plain.starts[ix + 1] - this.plain.starts[ix];
    return true;
  }

  /**
   * Gives the dictionary up (if not yet): the values added so far go to `plain`, in PLAIN, and none is kept here
   * from then on. The values of the block so far are needed in PLAIN either way.
   */
  spill(plain: PlainWriter): void {
    if (!this.given) {
      this.given = true;
      this.map.clear();
    }
    if (this.count === 0) return;
    plain.pushFrom(this.plain, this.indexes, this.count);
    this.count = 0;
  }

  /** The dictionary, where it is kept: always, or (auto) where it and its indexes take at most half the PLAIN bytes. */
  result(): DictionaryValues | undefined {
    if (this.given || this.count === 0) return undefined;
    const bitWidth = this.strings.length <= 1 ? 0 : 32 - Math.clz32(this.strings.length - 1);
    if (this.auto && 2 * (this.plain.at + Math.ceil((this.count * bitWidth) / 8)) > this.plainBytes) return undefined;
    return {strings: this.strings, plain: this.plain.view(), indexes: this.indexes.subarray(0, this.count)};
  }

  reset(): void {
    this.map.clear();
    this.strings.length = 0;
    this.plain.reset();
    this.count = 0;
    this.plainBytes = 0;
    this.given = false;
  }
}

/** Text, IDs and enums: UTF-8 values (not for enums: their indexes say it all), and a dictionary where one is used. */
class StringColumn implements ColumnBuilder {
  private readonly plain: PlainWriter | null;
  private readonly dictionary: DictionaryBuilder | null;
  private defined: Uint8Array | null;
  private n = 0;

  constructor(
    private readonly c: ParquetColumn,
    private readonly safeText: boolean,
    use: 'always' | 'auto' | 'never',
  ) {
    this.plain = use === 'always' ? null : new PlainWriter();
    this.dictionary = use === 'never' ? null : new DictionaryBuilder(use === 'auto');
    this.defined = c.nullable && c.kind !== 'text' ? new Uint8Array(256) : null;
  }

  add(v: unknown): void {
    const i = this.n++;
    let s: string;
    if (this.c.kind === 'text') {
      s = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
      if (this.safeText && CONTROL_RE.test(s)) s = s.replace(CONTROL_ALL_RE, '');
    } else {
      const defined = this.defined ? (this.defined = room(this.defined, i)) : null;
      if (v === null || v === undefined || v === '') {
        if (defined) {
          defined[i] = 0;
          return;
        }
        if (v !== '') missing(this.c, i);
        s = '';
      } else {
        s = String(v);
        if (defined) defined[i] = 1;
      }
    }
    // An enum has only its dictionary; free text, while a dictionary may pay, only the dictionary (see spill).
    if (this.dictionary?.add(s)) return;
    if (this.dictionary && this.plain) this.dictionary.spill(this.plain);
    this.plain!.push(s);
  }

  values(): ColumnValues {
    const dictionary = this.dictionary?.result();
    const defined = this.defined ? this.defined.subarray(0, this.n) : null;
    if (dictionary) return {kind: 'bytes', plain: undefined, dictionary, defined, rows: this.n};
    // A dictionary that does not pay: its values in PLAIN.
    if (this.dictionary && this.plain) this.dictionary.spill(this.plain);
    // (an enum's block of nulls only: no dictionary, no values)
    return {kind: 'bytes', plain: this.plain ? this.plain.view() : NO_BYTES, defined, rows: this.n};
  }

  reset(): void {
    this.n = 0;
    this.plain?.reset();
    this.dictionary?.reset();
  }
}

/** Lists of text: the items' UTF-8 in PLAIN layout (a dictionary where one pays), and each row's number of items. */
class ListColumn implements ColumnBuilder {
  private readonly plain = new PlainWriter();
  private readonly dictionary = new DictionaryBuilder(true);
  private items = new Int32Array(256);
  private n = 0;

  constructor(private readonly safeText: boolean) {}

  add(v: unknown): void {
    const i = this.n++;
    this.items = room(this.items, i);
    // As in the CSV (see listCell in table-codec.ts): a "|" inside an item is "/", and a list whose cell would be
    // empty (one empty item) is no items, so both formats hold the same values.
    const list = Array.isArray(v) ? (v as unknown[]) : v === null || v === undefined ? [] : [v];
    const clean = (item: unknown): string => {
      let s = typeof item === 'string' ? item : String(item);
      if (s.includes('|')) s = s.replaceAll('|', '/');
      return this.safeText && CONTROL_RE.test(s) ? s.replace(CONTROL_ALL_RE, '') : s;
    };
    const items = list.map(clean);
    if (items.length === 1 && items[0] === '') {
      this.items[i] = 0;
      return;
    }
    for (const s of items) {
      if (this.dictionary.add(s)) continue;
      this.dictionary.spill(this.plain);
      this.plain.push(s);
    }
    this.items[i] = items.length;
  }

  values(): ColumnValues {
    const dictionary = this.dictionary.result();
    if (!dictionary) this.dictionary.spill(this.plain);
    return {kind: 'list', plain: dictionary ? undefined : this.plain.view(), dictionary, items: this.items.subarray(0, this.n), rows: this.n};
  }

  reset(): void {
    this.n = 0;
    this.plain.reset();
    this.dictionary.reset();
  }
}

/** A column of numbers in a typed array (`data`), and which rows are null (a nullable column). */
abstract class TypedColumn<A extends Growable> implements ColumnBuilder {
  protected defined: Uint8Array | null;
  protected n = 0;

  constructor(
    protected readonly c: ParquetColumn,
    protected data: A,
    private readonly kind: 'int32' | 'int64' | 'double' | 'boolean',
  ) {
    this.defined = c.nullable ? new Uint8Array(256) : null;
  }

  abstract add(v: unknown): void;

  /** The next row's index, with room for it in `data` and `defined`. */
  protected next(): number {
    const i = this.n++;
    this.data = room(this.data, i);
    if (this.defined) this.defined = room(this.defined, i);
    return i;
  }

  /** Row i is null (a nullable column), or has no value where it needs one. */
  protected none(i: number): void {
    if (!this.defined) missing(this.c, i);
    this.data[i] = 0;
    this.defined[i] = 0;
  }

  values(): ColumnValues {
    return {kind: this.kind, values: this.data.subarray(0, this.n), defined: this.defined ? this.defined.subarray(0, this.n) : null} as ColumnValues;
  }

  reset(): void {
    this.n = 0;
  }
}

/** Dates (YYYY-MM-DD text) as days since 1970-01-01. */
class DateColumn extends TypedColumn<Int32Array> {
  constructor(c: ParquetColumn) {
    super(c, new Int32Array(256), 'int32');
  }

  add(v: unknown): void {
    const i = this.next();
    if (this.defined && (v === null || v === undefined || v === '')) return this.none(i);
    this.data[i] = days(v, this.c.name);
    if (this.defined) this.defined[i] = 1;
  }
}

/** Whole numbers, and amounts as their units (cents): INT64, held as doubles (exact: safe integers). */
class Int64Column extends TypedColumn<Float64Array> {
  private readonly factor: number;

  constructor(c: ParquetColumn) {
    super(c, new Float64Array(256), 'int64');
    this.factor = c.kind === 'decimal' ? 10 ** (c.scale ?? 0) : 1;
  }

  add(v: unknown): void {
    const i = this.next();
    const c = this.c;
    if (typeof v === 'number' && (c.kind === 'int' ? Number.isSafeInteger(v) : Number.isFinite(v))) {
      const units = c.kind === 'int' ? v : Math.round(v * this.factor);
      // A value with more digits than the scale would be changed by the DECIMAL: refuse it rather than round.
      if (c.kind === 'decimal' && (units / this.factor !== v || !Number.isSafeInteger(units)))
        throw new Error(`parquet: column ${c.name} holds ${v}, which has more than ${c.scale} decimals`);
      this.data[i] = units;
      if (this.defined) this.defined[i] = 1;
    } else if ((v === null || v === undefined) && this.defined) this.none(i);
    else throw new Error(`parquet: column ${c.name} holds ${String(v)}, ${c.kind === 'int' ? 'not a whole number' : 'not an amount'}`);
  }
}

class DoubleColumn extends TypedColumn<Float64Array> {
  constructor(c: ParquetColumn) {
    super(c, new Float64Array(256), 'double');
  }

  add(v: unknown): void {
    const i = this.next();
    if (!this.defined) this.data[i] = v as number;
    else if (typeof v === 'number') {
      this.data[i] = v;
      this.defined[i] = 1;
    } else this.none(i);
  }
}

class BooleanColumn extends TypedColumn<Uint8Array> {
  constructor(c: ParquetColumn) {
    super(c, new Uint8Array(256), 'boolean');
  }

  add(v: unknown): void {
    const i = this.next();
    if (v === true || v === false) {
      this.data[i] = v ? 1 : 0;
      if (this.defined) this.defined[i] = 1;
    } else this.none(i);
  }
}

type Growable = Int32Array | Float64Array | Uint8Array;

/** `a`, or a copy twice as long, so that index `i` fits. */
function room<T extends Growable>(a: T, i: number): T {
  return i < a.length ? a : grown(a, i + 1);
}

function grown<T extends Growable>(a: T, need: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(2 * a.length, need));
  next.set(a);
  return next;
}

function missing(c: ParquetColumn, i: number): never {
  throw new Error(`parquet: row ${i + 1} of the block has no value in column ${c.name}, which is not nullable`);
}

/** Days since 1970-01-01 of a YYYY-MM-DD text. */
function days(v: unknown, name: string): number {
  if (typeof v === 'string' && v.length === 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45) {
    // The digits read off their char codes: three slices and Numbers per date took 0.6 s of a range worker's 22 s
    // (200k companies, Parquet). Anything else than digits is read as before.
    const y = digits(v, 0, 4);
    const m = digits(v, 5, 7);
    const d = digits(v, 8, 10);
    const t = y >= 0 && m >= 0 && d >= 0 ? Date.UTC(y, m - 1, d) : Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10)));
    if (Number.isFinite(t)) return t / DAY_MS;
  }
  throw new Error(`parquet: column ${name} holds ${JSON.stringify(v)}, not a date (YYYY-MM-DD)`);
}

/** The number written by the decimal digits v[from, to), or -1 if one is not a digit. */
function digits(v: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = 10 * n + c;
  }
  return n;
}
