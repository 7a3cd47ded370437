import {ByteWriter} from 'hyparquet-writer';
import {writeMetadata} from 'hyparquet-writer/src/metadata.js';
import {serializeTCompactProtocol} from 'hyparquet-writer/src/thrift.js';
import {unconvertStatistics} from 'hyparquet-writer/src/unconvert.js';
import {CompressionCodecs, Encodings, PageTypes, ParquetTypes} from 'hyparquet/src/constants.js';
import type {KeyValue, RowGroup, SchemaElement} from 'hyparquet';

/**
 * A file's footer written from its row groups' metadata kept as Thrift bytes (the compact protocol the footer is
 * made of), not as objects: the thread that writes a table keeps every row group's metadata until the footer, and
 * at 1M companies those objects (about 45,000 column chunks, each a dozen fields, bigints, nested arrays) took some
 * 37 MB of its heap, and writing the footers through hyparquet-writer (the groups copied with their offsets moved,
 * then converted to its Thrift objects, then serialized) another 40 MB at the end of the pass, the peak of `run
 * --format parquet`. As bytes they take what the footer will (about 3.5 MB for the whole dataset).
 *
 * The bytes are those hyparquet-writer's writeMetadata writes for the group (the same mapping, the same serializer),
 * but for the group's file offsets, which depend on where its block lands: they are left out ("holes") and written
 * by `writeFooter` once known, each as the Thrift varint of the offset counted from the block's first byte plus
 * the block's place. The footer is the same bytes as hyparquet-writer's (a test checks it).
 */

/** A row group's metadata as Thrift bytes with holes for its file offsets (see the module comment). */
export interface RowGroupBytes {
  /** The Thrift struct's bytes, the offsets left out. */
  bytes: Uint8Array;
  /** Pairs: where in `bytes` an offset goes, and the offset from the block's first byte. */
  holes: Float64Array;
}

/** Offsets are marked in the serialized struct by values no offset takes (at most this, minus the hole's number). */
const MARK = -(1n << 62n);

/** A writer that leaves the marked offsets out of the bytes and notes where each went. */
class HoleWriter extends ByteWriter {
  readonly holes: number[] = [];

  constructor(private readonly offsets: readonly number[]) {
    super(1 << 10);
  }

  override appendZigZag(value: number | bigint): void {
    if (typeof value === 'bigint' && value <= MARK) {
      this.holes.push(this.offset, this.offsets[Number(MARK - value)]);
      return;
    }
    super.appendZigZag(value);
  }
}

/**
 * A row group's metadata (offsets from its block's first byte) as Thrift bytes with holes, for `leaves`: the
 * schema's leaf elements, one per column chunk in order (statistics are written in their physical type).
 */
export function rowGroupBytes(rg: RowGroup, leaves: readonly SchemaElement[]): RowGroupBytes {
  const offsets: number[] = [];
  const mark = (v: bigint | undefined): bigint | undefined => {
    if (v === undefined) return undefined;
    if (v < 0n) throw new Error(`parquet: a row group's offset ${v} is before its block`);
    offsets.push(Number(v));
    return MARK - BigInt(offsets.length - 1);
  };
  if (rg.columns.length !== leaves.length) throw new Error(`parquet: a row group of ${rg.columns.length} columns, a schema of ${leaves.length}`);
  // hyparquet-writer's writeMetadata, for one row group (field_N: the Thrift field ids of parquet.thrift).
  const compact = {
    field_1: rg.columns.map((c, k) => ({
      field_1: c.file_path,
      field_2: mark(c.file_offset),
      field_3: c.meta_data && {
        field_1: ParquetTypes.indexOf(c.meta_data.type),
        field_2: c.meta_data.encodings.map((e) => Encodings.indexOf(e)),
        field_3: c.meta_data.path_in_schema,
        field_4: CompressionCodecs.indexOf(c.meta_data.codec),
        field_5: c.meta_data.num_values,
        field_6: c.meta_data.total_uncompressed_size,
        field_7: c.meta_data.total_compressed_size,
        field_8: c.meta_data.key_value_metadata?.map((kv) => ({field_1: kv.key, field_2: kv.value})),
        field_9: mark(c.meta_data.data_page_offset),
        field_10: mark(c.meta_data.index_page_offset),
        field_11: mark(c.meta_data.dictionary_page_offset),
        field_12: c.meta_data.statistics && unconvertStatistics(c.meta_data.statistics, leaves[k]),
        field_13: c.meta_data.encoding_stats?.map((es) => ({
          field_1: PageTypes.indexOf(es.page_type),
          field_2: Encodings.indexOf(es.encoding),
          field_3: es.count,
        })),
        field_14: mark(c.meta_data.bloom_filter_offset),
        field_15: c.meta_data.bloom_filter_length,
        ...(c.meta_data.size_statistics || c.meta_data.geospatial_statistics ? unsupported('size or geospatial statistics') : {}),
      },
      field_4: mark(c.offset_index_offset),
      field_5: c.offset_index_length,
      field_6: mark(c.column_index_offset),
      field_7: c.column_index_length,
      field_9: c.encrypted_column_metadata,
    })),
    field_2: rg.total_byte_size,
    field_3: rg.num_rows,
    field_4: rg.sorting_columns?.map((sc) => ({field_1: sc.column_idx, field_2: sc.descending, field_3: sc.nulls_first})),
    field_5: mark(rg.file_offset),
    field_6: rg.total_compressed_size,
  };
  const w = new HoleWriter(offsets);
  serializeTCompactProtocol(w, compact);
  return {bytes: w.getBytes().slice(), holes: Float64Array.from(w.holes)};
}

function unsupported(what: string): never {
  throw new Error(`parquet: row groups with ${what} are not written by this tool`);
}

/** A row group's bytes, and where its block's first byte is in the file. */
export interface PlacedRowGroup {
  group: RowGroupBytes;
  at: number;
}

/**
 * A file's last bytes: the footer (the schema, the row groups at their places, the rows), its length, the magic.
 * The same bytes as hyparquet-writer's ParquetWriter.finish given the row groups as objects.
 */
export function writeFooter(schema: SchemaElement[], groups: readonly PlacedRowGroup[], rows: bigint, kvMetadata?: KeyValue[]): Uint8Array {
  const {head, tail} = footerEnds(schema, rows, kvMetadata);
  let size = head.length + 1 + 6 + tail.length + 8;
  for (const g of groups) size += g.group.bytes.length + 10 * (g.group.holes.length / 2);
  const out = new ByteWriter(size);
  out.appendBytes(head);
  // field 4 (row_groups): a list of structs (hyparquet-writer gives an empty list no element type).
  out.appendUint8((1 << 4) | LIST);
  if (groups.length === 0) out.appendUint8(0);
  else if (groups.length > 14) {
    out.appendUint8((15 << 4) | STRUCT);
    out.appendVarInt(groups.length);
  } else out.appendUint8((groups.length << 4) | STRUCT);
  for (const {group, at} of groups) {
    const {bytes, holes} = group;
    let from = 0;
    for (let h = 0; h < holes.length; h += 2) {
      out.appendBytes(bytes.subarray(from, holes[h]));
      out.appendZigZag(BigInt(holes[h + 1] + at));
      from = holes[h];
    }
    out.appendBytes(bytes.subarray(from));
  }
  out.appendBytes(tail);
  out.appendUint32(out.offset);
  out.appendUint32(0x31524150); // PAR1
  return out.getBytes();
}

const LIST = 9;
const STRUCT = 12;

/**
 * The footer's Thrift before its row groups (version, schema, rows) and after them (key-values, created_by, column
 * orders, the end of the struct): hyparquet-writer's, cut out of the footer it writes with no row groups.
 */
function footerEnds(schema: SchemaElement[], rows: bigint, kvMetadata: KeyValue[] | undefined): {head: Uint8Array; tail: Uint8Array} {
  const created_by = 'stedi-gtm (hyparquet-writer)';
  const empty = new ByteWriter(1 << 12);
  writeMetadata(empty, {version: 2, created_by, schema, num_rows: rows, row_groups: [], key_value_metadata: kvMetadata, metadata_length: 0});
  const all = empty.getBytes().subarray(0, empty.offset - 4);
  // Field 4 as an empty list (its header, here the first field's, then the list's: 2 bytes) and what follows it, as
  // writeMetadata maps it.
  const after = new ByteWriter(1 << 10);
  serializeTCompactProtocol(after, {
    field_4: [],
    field_5: kvMetadata?.map((kv) => ({field_1: kv.key, field_2: kv.value})),
    field_6: created_by,
    field_7: schema.filter((e) => e.type).map(() => ({field_1: {}})),
  });
  const end = after.getBytes();
  const cut = all.length - end.length;
  // (after field 3, field 4's header says "the next field, a list")
  if (cut < 0 || all[cut] !== ((1 << 4) | LIST) || !Buffer.from(all.subarray(cut + 1)).equals(end.subarray(1)))
    throw new Error('parquet: hyparquet-writer writes its footer in a way this writer does not know');
  return {head: all.slice(0, cut), tail: end.slice(2)};
}
