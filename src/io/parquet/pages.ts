import {ByteWriter} from 'hyparquet-writer';
import {writePageHeader} from 'hyparquet-writer/src/datapage.js';
import {writeRleBitPackedHybrid} from 'hyparquet-writer/src/encoding.js';
import {snappyCompress} from 'hyparquet-writer/src/snappy.js';
import type {ColumnChunk, Encoding, ParquetType, Statistics} from 'hyparquet';

/**
 * A column chunk (one column of one row group) written straight from a block's values: its pages (data page v2,
 * snappy) and its metadata. The values come as typed arrays (numbers, dates, booleans) or strings, written into
 * one reused buffer a page at a time: hyparquet-writer's own column writer converts every value (a bigint per
 * INT64, a buffer per string, arrays of levels and of values per page), and that garbage was most of the cost
 * of a Parquet run (issue 19). hyparquet-writer still writes the page headers (thrift), compresses (snappy) and
 * writes the footer (encode.ts), and hyparquet reads the files back in the tests.
 *
 * The layout is Parquet's (https://parquet.apache.org/docs/file-format/): a dictionary page (PLAIN) when the
 * column is dictionary-encoded, then data pages of at most about `pageBytes` of values, each cut at a row; a
 * page holds its repetition and definition levels (RLE/bit-packed hybrid, not compressed) and its values
 * (PLAIN, or RLE_DICTIONARY indexes; compressed).
 */

/** A block's values of one column (`n` rows), as encode.ts gathers them; `defined[i]` 0: row i is null. */
export type ColumnValues =
  | {kind: 'strings'; values: readonly string[]; defined: Uint8Array | null; dictionary: DictionaryUse}
  | {kind: 'int32'; values: Int32Array; defined: Uint8Array | null}
  /** INT64 values as doubles holding whole numbers (every one a safe integer). */
  | {kind: 'int64'; values: Float64Array; defined: Uint8Array | null; decimal: boolean}
  | {kind: 'double'; values: Float64Array; defined: Uint8Array | null}
  | {kind: 'boolean'; values: Uint8Array; defined: Uint8Array | null}
  /** A LIST of strings per row (never null: an empty list is no items). */
  | {kind: 'list'; values: readonly (readonly string[])[]; dictionary: DictionaryUse};

/** Whether a dictionary is used: always (enums), where it at least halves the values' bytes, or never (unique IDs). */
export type DictionaryUse = 'always' | 'auto' | 'never';

export interface ChunkOptions {
  name: string;
  /** OPTIONAL (definition levels are written). */
  nullable: boolean;
  /** Minimum and maximum in the metadata. */
  statistics: boolean;
  /** Bytes of values after which a data page ends (at the next row). */
  pageBytes: number;
}

/** Writes a column chunk at the writer's offset; its metadata, and its bytes before compression (headers included). */
export function writeColumnChunk(out: ByteWriter, v: ColumnValues, n: number, o: ChunkOptions): {chunk: ColumnChunk; uncompressed: number} {
  const start = out.offset;
  const levels = columnLevels(v, n, o.nullable);
  const physical = physicalType(v);
  const dict = dictionaryOf(v, levels.values);
  let uncompressed = 0;
  let dictionaryPageOffset: bigint | undefined;
  const encodings: Encoding[] = [];
  if (dict) {
    dictionaryPageOffset = BigInt(out.offset);
    const page = pageScratch();
    writePlain(page, v, dict.values);
    uncompressed += writePage(out, page, {type: 'DICTIONARY_PAGE', dictionary_page_header: {num_values: dict.values.count, encoding: 'PLAIN'}});
    encodings.push('PLAIN');
  }
  const encoding: Encoding = dict ? 'RLE_DICTIONARY' : 'PLAIN';
  encodings.push(encoding);
  const dataPageOffset = BigInt(out.offset);
  let pages = 0;
  for (const p of pageCuts(v, levels, dict !== undefined, o.pageBytes)) {
    const lv = levelScratch();
    const repLength = levels.rep ? writeRleBitPackedHybrid(lv, levels.rep.subarray(p.entry, p.entryEnd), 1) : 0;
    const defLength = levels.def ? writeRleBitPackedHybrid(lv, levels.def.subarray(p.entry, p.entryEnd), levels.defWidth) : 0;
    const page = pageScratch();
    if (dict) {
      page.appendUint8(dict.bitWidth);
      writeRleBitPackedHybrid(page, dict.indexes.subarray(p.value, p.valueEnd), dict.bitWidth);
    } else writePlain(page, v, levels.values, p.value, p.valueEnd);
    const entries = p.entryEnd - p.entry;
    const present = p.valueEnd - p.value;
    uncompressed += writePage(
      out,
      page,
      {
        type: 'DATA_PAGE_V2',
        data_page_header_v2: {
          num_values: entries,
          num_nulls: entries - present,
          num_rows: p.rowEnd - p.row,
          encoding,
          definition_levels_byte_length: defLength,
          repetition_levels_byte_length: repLength,
          is_compressed: true,
        },
      },
      lv,
    );
    pages++;
  }
  const statistics = o.statistics ? statisticsOf(v, levels, dict) : undefined;
  return {
    chunk: {
      file_offset: BigInt(start),
      meta_data: {
        type: physical,
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
          {page_type: 'DATA_PAGE_V2' as const, encoding, count: pages},
        ],
      },
    },
    uncompressed,
  };
}

function physicalType(v: ColumnValues): ParquetType {
  switch (v.kind) {
    case 'strings':
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

/**
 * The levels of a chunk: an entry per row (flat) or per item (lists; an empty list is one entry, with no value),
 * and the values in order.
 */
interface Levels {
  entries: number;
  /** Definition levels per entry (absent: a REQUIRED flat column, every entry a value). */
  def: Uint8Array | null;
  defWidth: number;
  /** Repetition levels per entry (lists only). */
  rep: Uint8Array | null;
  /** Lists: the entry of each row's first item, and `entries` at the end (rows + 1 numbers). */
  rowEntry: Int32Array | null;
  values: Values;
}

/** Values in order: value k is src[rows[k]] (the rows with a value, of a nullable column) or src[k]. */
interface Values {
  src: ArrayLike<string | number>;
  rows: Int32Array | null;
  count: number;
}

function columnLevels(v: ColumnValues, n: number, nullable: boolean): Levels {
  if (v.kind === 'list') {
    // <name> (REQUIRED or OPTIONAL) / list (REPEATED) / element (REQUIRED): an item is at the maximum level.
    const full = nullable ? 2 : 1;
    let entries = 0;
    for (let i = 0; i < n; i++) entries += Math.max(1, v.values[i].length);
    const def = new Uint8Array(entries);
    const rep = new Uint8Array(entries);
    const rowEntry = new Int32Array(n + 1);
    const items: string[] = [];
    let e = 0;
    for (let i = 0; i < n; i++) {
      rowEntry[i] = e;
      const list = v.values[i];
      if (list.length === 0) def[e++] = full - 1;
      for (let j = 0; j < list.length; j++) {
        def[e] = full;
        rep[e++] = j === 0 ? 0 : 1;
        items.push(list[j]);
      }
    }
    rowEntry[n] = entries;
    return {entries, def, defWidth: full === 2 ? 2 : 1, rep, rowEntry, values: {src: items, rows: null, count: items.length}};
  }
  const all: Levels = {entries: n, def: null, defWidth: 0, rep: null, rowEntry: null, values: {src: v.values, rows: null, count: n}};
  const defined = v.defined;
  if (!nullable) {
    if (defined) for (let i = 0; i < n; i++) if (defined[i] === 0) throw new Error('parquet: a null in a REQUIRED column');
    return all;
  }
  if (!defined) return {...all, def: new Uint8Array(n).fill(1), defWidth: 1};
  let count = 0;
  for (let i = 0; i < n; i++) count += defined[i];
  const rows = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (defined[i] !== 0) rows[k++] = i;
  return {...all, def: defined, defWidth: 1, values: {src: v.values, rows, count}};
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
 * Where the data pages end: after the row whose values reach `pageBytes` (PLAIN sizes, counting 4 + characters
 * for a string). Dictionary indexes and fixed-size values of a row group (at most ROW_GROUP_ROWS) fit one page.
 */
function pageCuts(v: ColumnValues, levels: Levels, dictionary: boolean, pageBytes: number): PageCut[] {
  const rows = levels.rowEntry ? levels.rowEntry.length - 1 : levels.entries;
  const whole: PageCut = {row: 0, rowEnd: rows, entry: 0, entryEnd: levels.entries, value: 0, valueEnd: levels.values.count};
  if (dictionary || (v.kind !== 'strings' && v.kind !== 'list')) return [whole];
  const cuts: PageCut[] = [];
  let row = 0;
  let value = 0;
  let k = 0;
  let bytes = 0;
  const cut = (i: number): void => {
    const entry = levels.rowEntry ? levels.rowEntry[row] : row;
    const entryEnd = levels.rowEntry ? levels.rowEntry[i] : i;
    cuts.push({row, rowEnd: i, entry, entryEnd, value, valueEnd: k});
    row = i;
    value = k;
    bytes = 0;
  };
  if (v.kind === 'list') {
    for (let i = 0; i < rows; i++) {
      for (const s of v.values[i]) bytes += 4 + s.length;
      k += v.values[i].length;
      if (bytes >= pageBytes && i + 1 < rows) cut(i + 1);
    }
  } else {
    const def = levels.values.rows ? levels.def : null;
    for (let i = 0; i < rows; i++) {
      if (def === null || def[i] !== 0) {
        bytes += 4 + v.values[i].length;
        k++;
      }
      if (bytes >= pageBytes && i + 1 < rows) cut(i + 1);
    }
  }
  cut(rows);
  return cuts;
}

interface Dictionary {
  /** The distinct values, in order of first appearance. */
  values: Values;
  /** Per value (in order), its index in the dictionary. */
  indexes: Int32Array;
  bitWidth: number;
}

/**
 * The column's dictionary, or none: always for enums, never for IDs (unique) and booleans; otherwise where the
 * dictionary and its bit-packed indexes take at most half the PLAIN values' bytes (hyparquet-writer's rule).
 */
function dictionaryOf(v: ColumnValues, values: Values): Dictionary | undefined {
  if (v.kind === 'boolean') return undefined;
  const use: DictionaryUse = v.kind === 'strings' || v.kind === 'list' ? v.dictionary : 'auto';
  const {src, rows, count} = values;
  if (use === 'never' || count === 0) return undefined;
  const indexes = new Int32Array(count);
  const seen = new Map<string | number, number>();
  const distinct: (string | number)[] = [];
  // Fixed-size values: their width; strings: 4 + characters.
  const width = v.kind === 'int32' ? 4 : v.kind === 'int64' || v.kind === 'double' ? 8 : 0;
  let plainBytes = 0;
  let dictBytes = 0;
  const limit = use === 'always' ? Infinity : count / 2;
  for (let k = 0; k < count; k++) {
    const x = src[rows ? rows[k] : k];
    // -0 and 0 are one key of a Map: a double column with a -0 keeps its exact values, in PLAIN.
    if (v.kind === 'double' && Object.is(x, -0)) return undefined;
    let ix = seen.get(x);
    if (ix === undefined) {
      ix = distinct.length;
      if (ix >= limit) return undefined;
      seen.set(x, ix);
      distinct.push(x);
      dictBytes += width || 4 + (x as string).length;
    }
    indexes[k] = ix;
    plainBytes += width || 4 + (x as string).length;
  }
  const bitWidth = distinct.length <= 1 ? 0 : 32 - Math.clz32(distinct.length - 1);
  if (use === 'auto' && 2 * (dictBytes + Math.ceil((count * bitWidth) / 8)) > plainBytes) return undefined;
  return {values: {src: distinct, rows: null, count: distinct.length}, indexes, bitWidth};
}

/** PLAIN values [from, to) of `values` into the page (the column's values, or its dictionary's). */
function writePlain(page: ByteWriter, v: ColumnValues, values: Values, from = 0, to = values.count): void {
  const {src, rows} = values;
  switch (v.kind) {
    case 'strings':
    case 'list': {
      for (let k = from; k < to; k++) {
        const s = src[rows ? rows[k] : k] as string;
        page.ensure(4 + 3 * s.length);
        const b = bufferOf(page);
        const written = b.write(s, page.index + 4, 'utf8');
        b.writeUInt32LE(written, page.index);
        page.index += 4 + written;
        page.offset += 4 + written;
      }
      return;
    }
    case 'int32': {
      page.ensure(4 * (to - from));
      const b = bufferOf(page);
      for (let k = from; k < to; k++) page.index = b.writeInt32LE(src[rows ? rows[k] : k] as number, page.index);
      page.offset += 4 * (to - from);
      return;
    }
    case 'int64': {
      page.ensure(8 * (to - from));
      const b = bufferOf(page);
      for (let k = from; k < to; k++) {
        // A safe integer as two 32-bit halves (little-endian two's complement), no bigint.
        const x = src[rows ? rows[k] : k] as number;
        const hi = Math.floor(x / 4294967296);
        b.writeUInt32LE(x - hi * 4294967296, page.index);
        b.writeInt32LE(hi, page.index + 4);
        page.index += 8;
      }
      page.offset += 8 * (to - from);
      return;
    }
    case 'double': {
      page.ensure(8 * (to - from));
      const b = bufferOf(page);
      for (let k = from; k < to; k++) page.index = b.writeDoubleLE(src[rows ? rows[k] : k] as number, page.index);
      page.offset += 8 * (to - from);
      return;
    }
    case 'boolean': {
      const bytes = Math.ceil((to - from) / 8);
      page.ensure(bytes);
      const b = bufferOf(page);
      b.fill(0, page.index, page.index + bytes);
      for (let k = from; k < to; k++) if (src[rows ? rows[k] : k]) b[page.index + ((k - from) >> 3)] |= 1 << ((k - from) & 7);
      page.index += bytes;
      page.offset += bytes;
      return;
    }
  }
}

/**
 * The page's header and bytes: levels (uncompressed, data pages) and values (snappy) after the header; its size
 * before compression, header included.
 */
function writePage(out: ByteWriter, page: ByteWriter, header: PageHeaderStart, levels?: ByteWriter): number {
  const values = page.getBytes();
  const compressed = snappyCompress(values);
  const levelBytes = levels ? levels.offset : 0;
  const headerStart = out.offset;
  writePageHeader(out, {
    ...header,
    uncompressed_page_size: levelBytes + values.length,
    compressed_page_size: levelBytes + compressed.length,
  });
  const headerSize = out.offset - headerStart;
  if (levels) out.appendBytes(levels.getBytes());
  out.appendBytes(compressed);
  return headerSize + levelBytes + values.length;
}
type PageHeaderStart = Omit<Parameters<typeof writePageHeader>[1], 'uncompressed_page_size' | 'compressed_page_size'>;

/** Minimum, maximum and nulls of the chunk's values (strings in UTF-8 byte order, as Parquet orders them). */
function statisticsOf(v: ColumnValues, levels: Levels, dict: Dictionary | undefined): Statistics {
  const {src, rows, count} = dict ? dict.values : levels.values;
  const nulls = BigInt(levels.entries - levels.values.count);
  if (count === 0) return {null_count: nulls};
  if (v.kind === 'strings' || v.kind === 'list') {
    let min = src[rows ? rows[0] : 0] as string;
    let max = min;
    for (let k = 1; k < count; k++) {
      const s = src[rows ? rows[k] : k] as string;
      if (s !== min && Buffer.compare(Buffer.from(s), Buffer.from(min)) < 0) min = s;
      if (s !== max && Buffer.compare(Buffer.from(s), Buffer.from(max)) > 0) max = s;
    }
    return {min_value: min, max_value: max, null_count: nulls};
  }
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < count; k++) {
    const x = src[rows ? rows[k] : k] as number;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (v.kind === 'boolean') return {min_value: min === 1, max_value: max === 1, null_count: nulls};
  if (v.kind === 'int64') return {min_value: BigInt(min), max_value: BigInt(max), null_count: nulls};
  // Parquet's rule for signed zeros: a minimum of zero is -0, a maximum +0.
  if (v.kind === 'double') return {min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max, null_count: nulls};
  return {min_value: min, max_value: max, null_count: nulls};
}

// One page buffer and one level buffer per thread, reused from page to page (grown, never shrunk).
let pageBuffer: ByteWriter | undefined;
let levelBuffer: ByteWriter | undefined;

function pageScratch(): ByteWriter {
  pageBuffer ??= new ByteWriter(1 << 20);
  pageBuffer.offset = pageBuffer.index = 0;
  return pageBuffer;
}
function levelScratch(): ByteWriter {
  levelBuffer ??= new ByteWriter(1 << 14);
  levelBuffer.offset = levelBuffer.index = 0;
  return levelBuffer;
}

/** A Buffer over the page buffer's current ArrayBuffer (a new view only when it grew). */
function bufferOf(w: ByteWriter): Buffer {
  if (viewOf !== w.buffer) {
    viewOf = w.buffer;
    view = Buffer.from(w.buffer);
  }
  return view!;
}
let viewOf: ArrayBuffer | undefined;
let view: Buffer | undefined;
