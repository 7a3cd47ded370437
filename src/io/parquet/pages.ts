import {ByteWriter} from 'hyparquet-writer';
import {writePageHeader} from 'hyparquet-writer/src/datapage.js';
import {writeRleBitPackedHybrid} from 'hyparquet-writer/src/encoding.js';
import {snappyCompress} from 'hyparquet-writer/src/snappy.js';
import type {ColumnChunk, Encoding, ParquetType, Statistics} from 'hyparquet';

/**
 * A column chunk (one column of one row group) written straight from a block's values as columns.ts gathered
 * them: text already UTF-8 in PLAIN layout (a page is a slice of it), dictionary indexes, numbers in typed
 * arrays. hyparquet-writer's own column writer converted every value (a bigint per INT64, a buffer per string,
 * arrays of levels and values per page): that garbage was most of what a Parquet run cost over CSV (issue 19).
 * hyparquet-writer still writes the page headers (thrift), compresses (snappy) and writes the footer (encode.ts);
 * hyparquet and DuckDB read the files back in the tests.
 *
 * The layout is Parquet's (https://parquet.apache.org/docs/file-format/): a dictionary page (PLAIN) when the
 * column is dictionary-encoded, then data pages (v2) of about `pageBytes` of values at most, each ending at a
 * row; a page holds its repetition and definition levels (RLE/bit-packed hybrid, not compressed) and its values
 * (PLAIN, or RLE_DICTIONARY indexes; snappy).
 */

/** Byte arrays in PLAIN layout: value k is bytes [starts[k], starts[k + 1]) (its 4-byte length, then its bytes). */
export interface PlainBytes {
  bytes: Uint8Array;
  starts: Int32Array;
  count: number;
}

/** A dictionary of byte arrays: its values (in PLAIN, and as strings), and each value's index in it. */
export interface DictionaryValues {
  strings: readonly string[];
  plain: PlainBytes;
  indexes: Int32Array;
}

/** A block's values of one column (`rows` rows); `defined[i]` 0: row i is null (absent: none is). */
export type ColumnValues =
  | {kind: 'bytes'; plain: PlainBytes | undefined; dictionary?: DictionaryValues; defined: Uint8Array | null; rows: number}
  /** A LIST of byte arrays per row (never null: an empty list is no items); `items[i]`: row i's number of items. */
  | {kind: 'list'; plain: PlainBytes | undefined; dictionary?: DictionaryValues; items: Int32Array; rows: number}
  | {kind: 'int32'; values: Int32Array; defined: Uint8Array | null}
  /** INT64 values as doubles holding whole numbers (every one a safe integer). */
  | {kind: 'int64'; values: Float64Array; defined: Uint8Array | null}
  | {kind: 'double'; values: Float64Array; defined: Uint8Array | null}
  | {kind: 'boolean'; values: Uint8Array; defined: Uint8Array | null};

export interface ChunkOptions {
  name: string;
  /** OPTIONAL (definition levels are written). */
  nullable: boolean;
  /** Minimum, maximum and nulls in the metadata. */
  statistics: boolean;
  /** Bytes of values after which a data page ends (at the next row). */
  pageBytes: number;
}

/** Writes a column chunk at the writer's offset; its metadata, and its bytes before compression (headers included). */
export function writeColumnChunk(out: ByteWriter, v: ColumnValues, n: number, o: ChunkOptions): {chunk: ColumnChunk; uncompressed: number} {
  const start = out.offset;
  const levels = columnLevels(v, n, o.nullable);
  // A numeric column's values with a value, in order (a copy only where some rows are null).
  const numbers = v.kind === 'bytes' || v.kind === 'list' ? undefined : levels.present ? presentValues(v, levels.present) : v.values;
  const dict = v.kind === 'bytes' || v.kind === 'list' ? v.dictionary : numberDictionary(v, numbers!);
  const dictSize = dict ? ('plain' in dict ? dict.plain.count : dict.values.length) : 0;
  let uncompressed = 0;
  let dictionaryPageOffset: bigint | undefined;
  const encodings: Encoding[] = [];
  if (dict) {
    dictionaryPageOffset = BigInt(out.offset);
    const page = 'plain' in dict ? dict.plain.bytes : plainNumbers(v, dict.values, 0, dictSize);
    uncompressed += writePage(out, page, {
      type: 'DICTIONARY_PAGE',
      dictionary_page_header: {num_values: dictSize, encoding: 'PLAIN'},
    });
    encodings.push('PLAIN');
  }
  const encoding: Encoding = dict ? 'RLE_DICTIONARY' : 'PLAIN';
  encodings.push(encoding);
  const dataPageOffset = BigInt(out.offset);
  const cuts = pageCuts(v, levels, dict !== undefined, o.pageBytes);
  for (const p of cuts) {
    const lv = scratch('levels');
    const repLength = levels.rep ? writeRleBitPackedHybrid(lv, levels.rep.subarray(p.entry, p.entryEnd), 1) : 0;
    const defLength = levels.def ? writeRleBitPackedHybrid(lv, levels.def.subarray(p.entry, p.entryEnd), levels.defWidth) : 0;
    let page: Uint8Array;
    if (dict) {
      const w = scratch('page');
      const bitWidth = bitsFor(dictSize - 1);
      w.appendUint8(bitWidth);
      writeRleBitPackedHybrid(w, dict.indexes.subarray(p.value, p.valueEnd), bitWidth);
      page = w.getBytes();
    } else if (v.kind === 'bytes' || v.kind === 'list') {
      const plain = v.plain!;
      page = plain.bytes.subarray(plain.starts[p.value], plain.starts[p.valueEnd]);
    } else page = plainNumbers(v, numbers!, p.value, p.valueEnd);
    const entries = p.entryEnd - p.entry;
    uncompressed += writePage(
      out,
      page,
      {
        type: 'DATA_PAGE_V2',
        data_page_header_v2: {
          num_values: entries,
          num_nulls: entries - (p.valueEnd - p.value),
          num_rows: p.rowEnd - p.row,
          encoding,
          definition_levels_byte_length: defLength,
          repetition_levels_byte_length: repLength,
          is_compressed: true,
        },
      },
      lv,
    );
  }
  const statistics = o.statistics ? statisticsOf(v, levels) : undefined;
  return {
    chunk: {
      file_offset: BigInt(start),
      meta_data: {
        type: physicalType(v),
        encodings,
        path_in_schema: v.kind === 'list' ? [o.name, 'list', 'element'] : [o.name],
        codec: 'SNAPPY',
        num_values: BigInt(levels.entries),
        total_uncompressed_size: BigInt(uncompressed),
        total_compressed_size: BigInt(out.offset - start),
        data_page_offset: dataPageOffset,
        ...(dictionaryPageOffset !== undefined ? {dictionary_page_offset: dictionaryPageOffset} : {}),
        ...(statistics ? {statistics} : {}),
        encoding_stats: [
          ...(dict ? [{page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1}] : []),
          {page_type: 'DATA_PAGE_V2' as const, encoding, count: cuts.length},
        ],
      },
    },
    uncompressed,
  };
}

function physicalType(v: ColumnValues): ParquetType {
  switch (v.kind) {
    case 'bytes':
    case 'list':
      return 'BYTE_ARRAY';
    case 'int32':
      return 'INT32';
    case 'int64':
      return 'INT64';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
  }
}

/** Bits of an index up to `max` (0 for a dictionary of one value, as parquet-mr writes). */
function bitsFor(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

/**
 * The levels of a chunk: an entry per row (flat) or per item (lists; an empty list is one entry, with no value);
 * `count`: entries with a value.
 */
interface Levels {
  entries: number;
  count: number;
  /** Definition levels per entry (absent: a REQUIRED flat column, every entry a value). */
  def: Uint8Array | null;
  defWidth: number;
  /** Repetition levels per entry (lists only). */
  rep: Uint8Array | null;
  /** Lists: the entry of each row's first item, and `entries` at the end (rows + 1 numbers). */
  rowEntry: Int32Array | null;
  /** A flat column with nulls: which rows have a value (the same as def). */
  present: Uint8Array | null;
}

function columnLevels(v: ColumnValues, n: number, nullable: boolean): Levels {
  if (v.kind === 'list') {
    // <name> (REQUIRED or OPTIONAL) / list (REPEATED) / element (REQUIRED): an item is at the maximum level.
    const full = nullable ? 2 : 1;
    let entries = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      entries += Math.max(1, v.items[i]);
      count += v.items[i];
    }
    const def = new Uint8Array(entries);
    const rep = new Uint8Array(entries);
    const rowEntry = new Int32Array(n + 1);
    let e = 0;
    for (let i = 0; i < n; i++) {
      rowEntry[i] = e;
      const items = v.items[i];
      if (items === 0) def[e++] = full - 1;
      for (let j = 0; j < items; j++) {
        def[e] = full;
        rep[e++] = j === 0 ? 0 : 1;
      }
    }
    rowEntry[n] = entries;
    return {entries, count, def, defWidth: bitsFor(full), rep, rowEntry, present: null};
  }
  const all: Levels = {entries: n, count: n, def: null, defWidth: 0, rep: null, rowEntry: null, present: null};
  const defined = v.defined;
  if (!nullable) {
    if (defined) for (let i = 0; i < n; i++) if (defined[i] === 0) throw new Error('parquet: a null in a REQUIRED column');
    return all;
  }
  if (!defined) return {...all, def: new Uint8Array(n).fill(1), defWidth: 1};
  let count = 0;
  for (let i = 0; i < n; i++) count += defined[i];
  return {...all, count, def: defined, defWidth: 1, present: count < n ? defined : null};
}

/** A page: rows [row, rowEnd), entries [entry, entryEnd), values [value, valueEnd). */
interface PageCut {
  row: number;
  rowEnd: number;
  entry: number;
  entryEnd: number;
  value: number;
  valueEnd: number;
}

/**
 * Where the data pages end: after the row whose values reach `pageBytes` in PLAIN. Dictionary indexes and
 * fixed-size values of a row group (at most ROW_GROUP_ROWS) fit one page.
 */
function pageCuts(v: ColumnValues, levels: Levels, dictionary: boolean, pageBytes: number): PageCut[] {
  const rows = levels.rowEntry ? levels.rowEntry.length - 1 : levels.entries;
  if (dictionary || (v.kind !== 'bytes' && v.kind !== 'list') || v.plain!.bytes.length <= pageBytes)
    return [{row: 0, rowEnd: rows, entry: 0, entryEnd: levels.entries, value: 0, valueEnd: levels.count}];
  const starts = v.plain!.starts;
  const cuts: PageCut[] = [];
  let row = 0;
  let value = 0;
  let k = 0;
  for (let i = 0; i < rows; i++) {
    if (v.kind === 'list') k += v.items[i];
    else if (levels.present === null || levels.present[i] !== 0) k++;
    if (starts[k] - starts[value] >= pageBytes || i + 1 === rows) {
      const entry = levels.rowEntry ? levels.rowEntry[row] : row;
      const entryEnd = levels.rowEntry ? levels.rowEntry[i + 1] : i + 1;
      cuts.push({row, rowEnd: i + 1, entry, entryEnd, value, valueEnd: k});
      row = i + 1;
      value = k;
    }
  }
  return cuts;
}

/** A dictionary of numbers: the distinct values in order of first appearance, and each value's index. */
interface NumberDictionary {
  values: number[];
  indexes: Int32Array;
}

/** The non-null values of a numeric column in order (a copy: only for columns with nulls). */
function presentValues(v: {values: Int32Array | Float64Array | Uint8Array}, present: Uint8Array): Float64Array {
  let count = 0;
  for (let i = 0; i < present.length; i++) count += present[i];
  const out = new Float64Array(count);
  for (let i = 0, k = 0; i < present.length; i++) if (present[i] !== 0) out[k++] = v.values[i];
  return out;
}

/**
 * A numeric column's dictionary where it and its bit-packed indexes take at most half the PLAIN values' bytes
 * (hyparquet-writer's rule); booleans never have one.
 */
function numberDictionary(v: Exclude<ColumnValues, {kind: 'bytes' | 'list'}>, values: ArrayLike<number>): NumberDictionary | undefined {
  if (v.kind === 'boolean' || values.length === 0) return undefined;
  const count = values.length;
  const width = v.kind === 'int32' ? 4 : 8;
  const indexes = new Int32Array(count);
  const seen = new Map<number, number>();
  const distinct: number[] = [];
  for (let k = 0; k < count; k++) {
    const x = values[k];
    // -0 and 0 are one key of a Map: a double column with a -0 keeps its exact values, in PLAIN.
    if (v.kind === 'double' && Object.is(x, -0)) return undefined;
    let ix = seen.get(x);
    if (ix === undefined) {
      ix = distinct.length;
      if (2 * ix > count) return undefined;
      seen.set(x, ix);
      distinct.push(x);
    }
    indexes[k] = ix;
  }
  if (2 * (distinct.length * width + Math.ceil((count * bitsFor(distinct.length - 1)) / 8)) > count * width) return undefined;
  return {values: distinct, indexes};
}

/** PLAIN numbers or booleans [from, to) of `values`, in the page buffer. */
function plainNumbers(v: ColumnValues, values: ArrayLike<number>, from: number, to: number): Uint8Array {
  const w = scratch('page');
  const size = v.kind === 'int32' ? 4 : v.kind === 'boolean' ? 0 : 8;
  const bytes = size ? size * (to - from) : Math.ceil((to - from) / 8);
  w.ensure(bytes);
  const b = bufferOf(w);
  let at = 0;
  switch (v.kind) {
    case 'int32':
      for (let k = from; k < to; k++) at = b.writeInt32LE(values[k], at);
      break;
    case 'int64':
      for (let k = from; k < to; k++, at += 8) {
        // A safe integer as two 32-bit halves (little-endian two's complement), no bigint.
        const x = values[k];
        const hi = Math.floor(x / 4294967296);
        b.writeUInt32LE(x - hi * 4294967296, at);
        b.writeInt32LE(hi, at + 4);
      }
      break;
    case 'double':
      for (let k = from; k < to; k++) at = b.writeDoubleLE(values[k], at);
      break;
    case 'boolean':
      b.fill(0, 0, bytes);
      for (let k = from; k < to; k++) if (values[k]) b[(k - from) >> 3] |= 1 << ((k - from) & 7);
      break;
    default:
      throw new Error(`parquet: no PLAIN numbers for ${v.kind}`);
  }
  w.index = w.offset = bytes;
  return w.getBytes();
}

/**
 * The page's header and bytes: levels (uncompressed, data pages) and values (snappy) after the header; its size
 * before compression, header included.
 */
function writePage(out: ByteWriter, values: Uint8Array, header: PageHeaderStart, levels?: ByteWriter): number {
  const compressed = snappyCompress(values);
  const levelBytes = levels ? levels.offset : 0;
  const headerStart = out.offset;
  writePageHeader(out, {...header, uncompressed_page_size: levelBytes + values.length, compressed_page_size: levelBytes + compressed.length});
  const headerSize = out.offset - headerStart;
  if (levels) out.appendBytes(levels.getBytes());
  out.appendBytes(compressed);
  return headerSize + levelBytes + values.length;
}
type PageHeaderStart = Omit<Parameters<typeof writePageHeader>[1], 'uncompressed_page_size' | 'compressed_page_size'>;

/** Minimum, maximum and nulls of the chunk's values (byte arrays in byte order, as Parquet orders them). */
function statisticsOf(v: ColumnValues, levels: Levels): Statistics {
  const nulls = BigInt(levels.entries - levels.count);
  if (levels.count === 0) return {null_count: nulls};
  if (v.kind === 'bytes' || v.kind === 'list') {
    // The distinct values (a dictionary's) or all of them, compared as bytes.
    const {bytes, starts, count} = v.dictionary ? v.dictionary.plain : v.plain!;
    const value = (k: number): Uint8Array => bytes.subarray(starts[k] + 4, starts[k + 1]);
    let min = value(0);
    let max = min;
    for (let k = 1; k < count; k++) {
      const x = value(k);
      if (Buffer.compare(x, min) < 0) min = x;
      if (Buffer.compare(x, max) > 0) max = x;
    }
    return {min_value: Buffer.from(min).toString('utf8'), max_value: Buffer.from(max).toString('utf8'), null_count: nulls};
  }
  let min = Infinity;
  let max = -Infinity;
  const values = v.values;
  for (let i = 0; i < values.length; i++) {
    if (levels.present && levels.present[i] === 0) continue;
    const x = values[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (v.kind === 'boolean') return {min_value: min === 1, max_value: max === 1, null_count: nulls};
  if (v.kind === 'int64') return {min_value: BigInt(min), max_value: BigInt(max), null_count: nulls};
  // Parquet's rule for signed zeros: a minimum of zero is -0, a maximum +0.
  if (v.kind === 'double') return {min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max, null_count: nulls};
  return {min_value: min, max_value: max, null_count: nulls};
}

// A page buffer and a level buffer per thread, reused from page to page (grown, never shrunk).
const scratches = {page: undefined as ByteWriter | undefined, levels: undefined as ByteWriter | undefined};

function scratch(which: 'page' | 'levels'): ByteWriter {
  const w = (scratches[which] ??= new ByteWriter(which === 'page' ? 1 << 20 : 1 << 14));
  w.offset = w.index = 0;
  return w;
}

/** A Buffer over the writer's current ArrayBuffer (a new view only when it grew). */
function bufferOf(w: ByteWriter): Buffer {
  if (viewOf !== w.buffer) {
    viewOf = w.buffer;
    view = Buffer.from(w.buffer);
  }
  return view!;
}
let viewOf: ArrayBuffer | undefined;
let view: Buffer | undefined;
