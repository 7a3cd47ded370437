import {ByteWriter} from 'hyparquet-writer';
import type {ColumnChunk, KeyValue, RowGroup, SchemaElement} from 'hyparquet';
import type {TableColumn} from '../table-codec.js';
import {giveBackBuilders, takeBuilders, type ColumnBuilder} from './columns.js';
import {rowGroupBytes, writeFooter, type PlacedRowGroup} from './footer.js';
import {writeColumnChunk} from './pages.js';
import {parquetColumns, schemaElements, type ParquetColumn} from './schema.js';

/**
 * Parquet tables written a block of rows at a time, in two halves that may run on different threads:
 *
 * - `encodeRowGroup` (a worker, per block): a block of rows -> the bytes of one self-contained row group (its
 *   column chunks: pages, dictionaries, statistics; snappy) and the row group's metadata, with offsets counted
 *   from the block's first byte. The metadata (a few hundred bytes a column) is a plain object: it crosses
 *   postMessage as it is (structured clone keeps its bigints).
 * - `ParquetAssembler` (the thread that writes the file): the magic, then each block's bytes in output order,
 *   its row group's offsets moved by where the block lands, then a footer (the schema and every row group) and
 *   the magic again.
 *
 * The column chunks are written by pages.ts straight from the block's values (typed arrays, strings); the
 * footer by footer.ts (hyparquet-writer's Thrift, from each row group's metadata kept as bytes). Memory: one
 * block's rows and bytes per thread; the assembler keeps only the row groups' metadata, as Thrift bytes.
 */

/** The rows of a block, encoded: one row group. */
export interface EncodedRowGroup {
  /** The row group's bytes (written as they are, one after another, after the magic). */
  bytes: Uint8Array;
  /** Its metadata, with file offsets counted from bytes[0]. */
  rowGroup: RowGroup;
  rows: number;
}

/** What a table's Parquet encoder needs: its columns and how their text cells are cleaned. */
export interface ParquetTable {
  readonly columns: readonly ParquetColumn[];
  readonly schema: SchemaElement[];
  /** Text from outside (see CodecOptions.safeText): control characters removed, as in the CSV (no formula guard). */
  readonly safeText: boolean;
  /** Bytes of values per data page, about (PAGE_BYTES; tests make it small to cut pages often). */
  readonly pageBytes: number;
}

/** A table's Parquet layout from its columns (src/generated/tables.ts). */
export function parquetTable(columns: readonly TableColumn[], options: {safeText?: boolean; pageBytes?: number} = {}): ParquetTable {
  const cols = parquetColumns(columns);
  return {columns: cols, schema: schemaElements(cols), safeText: options.safeText === true, pageBytes: options.pageBytes ?? PAGE_BYTES};
}

/** Bytes of values per data page, about: a page ends at the row that reaches it (hyparquet-writer's default). */
export const PAGE_BYTES = 1 << 20;

/** Rows per row group of the tables this tool writes: big enough to compress well, small enough to stream. */
export const ROW_GROUP_ROWS = 65_536;

/** Text (characters of text and list cells) per row group at most: wide tables' groups stay a few MB in memory. */
export const ROW_GROUP_TEXT = 2 << 20;

/** The file's first bytes (and last). */
export const PARQUET_MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1

/** Encodes rows (objects keyed by column name, as the CSV codecs take them) as one row group. */
export function encodeRowGroup(table: ParquetTable, rows: readonly Record<string, unknown>[]): EncodedRowGroup {
  const builders = takeBuilders(table, table.columns, table.safeText);
  try {
    for (const [k, c] of table.columns.entries()) {
      // The column's values by its literal name (one inline cache per column: rows share one shape), not row[name].
      const at = getter(c.name);
      const b = builders[k];
      for (let i = 0; i < rows.length; i++) b.add(at(rows[i]));
    }
    return encodeBlock(table, builders, rows.length);
  } finally {
    giveBackBuilders(table, table.safeText, builders);
  }
}

/**
 * Encodes a block gathered column by column (`builders`: those of table.columns, takeBuilders, `n` rows each) as
 * one row group: what a table's encoder gathers row by row (see formats/parquet.ts).
 */
export function encodeBlock(table: ParquetTable, builders: readonly ColumnBuilder[], n: number): EncodedRowGroup {
  if (n === 0) return {bytes: new Uint8Array(0), rowGroup: {columns: [], total_byte_size: 0n, num_rows: 0n}, rows: 0};
  // One writer per thread, its buffer kept from block to block (grown once, not doubled and copied every block).
  const out = (scratch ??= new ByteWriter(1 << 20));
  out.offset = out.index = 0;
  const columns: ColumnChunk[] = [];
  let uncompressed = 0;
  for (const [k, c] of table.columns.entries()) {
    const written = writeColumnChunk(out, builders[k].values(), n, {
      name: c.name,
      nullable: c.nullable,
      // Minimum and maximum of free text, lists and IDs serve no filter (IDs are hashes: every group spans them
      // all), and cost a compare of every value.
      statistics: c.kind !== 'text' && c.kind !== 'list' && c.kind !== 'id',
      pageBytes: table.pageBytes,
    });
    columns.push(written.chunk);
    uncompressed += written.uncompressed;
  }
  const bytes = out.getBytes().slice();
  return {
    bytes,
    rowGroup: {columns, total_byte_size: BigInt(uncompressed), num_rows: BigInt(n), total_compressed_size: BigInt(bytes.length)},
    rows: n,
  };
}
let scratch: ByteWriter | undefined;

/** The file's start, each block in order, the footer: see the module comment. */
export class ParquetAssembler {
  /** The row groups' metadata as Thrift bytes, and where each landed (see footer.ts). */
  private readonly rowGroups: PlacedRowGroup[] = [];
  private readonly leaves: SchemaElement[];
  private rows = 0n;
  /** Bytes of the file so far (the magic included). */
  offset = PARQUET_MAGIC.length;

  constructor(
    private readonly schema: SchemaElement[],
    private readonly kvMetadata?: KeyValue[],
  ) {
    this.leaves = schemaLeaves(schema);
  }

  /** The file's first bytes. */
  start(): Uint8Array {
    return PARQUET_MAGIC.slice();
  }

  /** A block's bytes, to be written next; its row group joins the footer's. Empty blocks write nothing. */
  add(block: EncodedRowGroup): Uint8Array {
    if (block.rows === 0) return block.bytes;
    this.rowGroups.push({group: rowGroupBytes(block.rowGroup, this.leaves), at: this.offset});
    this.rows += BigInt(block.rows);
    this.offset += block.bytes.length;
    return block.bytes;
  }

  /** The file's last bytes: the footer (metadata, its length) and the magic. */
  finish(): Uint8Array {
    const bytes = writeFooter(this.schema, this.rowGroups, this.rows, this.kvMetadata);
    this.offset += bytes.length;
    return bytes;
  }
}

/** The leaf elements of a schema (those with a type): one per column chunk of a row group, in order. */
export function schemaLeaves(schema: readonly SchemaElement[]): SchemaElement[] {
  return schema.filter((e) => e.type !== undefined);
}

/** A row group's metadata with every file offset in it moved by `by` bytes. */
export function moveRowGroup(rg: RowGroup, by: bigint): RowGroup {
  const move = (v: bigint | undefined): bigint | undefined => (v === undefined ? undefined : v + by);
  const columns = rg.columns.map((c): ColumnChunk => ({
    ...c,
    file_offset: c.file_offset + by,
    ...(c.offset_index_offset !== undefined ? {offset_index_offset: move(c.offset_index_offset)} : {}),
    ...(c.column_index_offset !== undefined ? {column_index_offset: move(c.column_index_offset)} : {}),
    ...(c.meta_data
      ? {
          meta_data: {
            ...c.meta_data,
            data_page_offset: c.meta_data.data_page_offset + by,
            ...(c.meta_data.dictionary_page_offset !== undefined ? {dictionary_page_offset: move(c.meta_data.dictionary_page_offset)} : {}),
            ...(c.meta_data.index_page_offset !== undefined ? {index_page_offset: move(c.meta_data.index_page_offset)} : {}),
            ...(c.meta_data.bloom_filter_offset !== undefined ? {bloom_filter_offset: move(c.meta_data.bloom_filter_offset)} : {}),
          },
        }
      : {}),
  }));
  return {...rg, columns, ...(rg.file_offset !== undefined ? {file_offset: rg.file_offset + by} : {})};
}

const getters = new Map<string, (row: Record<string, unknown>) => unknown>();
/** `(row) => row.<name>`, compiled once per column name. */
export function getter(name: string): (row: Record<string, unknown>) => unknown {
  let g = getters.get(name);
  if (g === undefined)
    getters.set(name, (g = new Function('row', `return row[${JSON.stringify(name)}];`) as (row: Record<string, unknown>) => unknown));
  return g;
}
