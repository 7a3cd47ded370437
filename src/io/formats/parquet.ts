import type {SchemaElement} from 'hyparquet';
import {UserError} from '../../errors.js';
import {
  encodeBlock,
  getter,
  parquetTable,
  PARQUET_MAGIC,
  ROW_GROUP_ROWS,
  ROW_GROUP_TEXT,
  schemaLeaves,
  type ParquetTable,
} from '../parquet/encode.js';
import {rowGroupBytes, writeFooter, type PlacedRowGroup, type RowGroupBytes} from '../parquet/footer.js';
import {giveBackBuilders, takeBuilders, type ColumnBuilder} from '../parquet/columns.js';
import {ParquetRowReader} from '../parquet/cursor.js';
import type {TableCodec} from '../table-codec.js';
import type {BlockSink, EncoderOptions, RowPart, TableEncoder, TableFormat, WrittenBlock} from './registry.js';

/**
 * The Parquet format (`--format parquet`): typed columns read off the zod schemas (io/parquet/schema.ts), snappy
 * pages (io/parquet/pages.ts), a footer with every row group. Rows are gathered column by column as they come
 * (io/parquet/columns.ts: UTF-8, dictionary indexes, typed arrays) and each row group is encoded by the thread
 * that made its rows (a worker, in parallel); its bytes and metadata go as one
 * block, and the lead thread's footer lists the groups where they landed.
 *
 * Row groups end at the companies core/row-groups.ts picks (about one in COMPANY_GROUPS, in every table at
 * once) and wherever a group would pass ROW_GROUP_ROWS rows or ROW_GROUP_TEXT characters of text: a rule on the
 * rows alone, so a file is the same bytes whichever threads wrote it (the pieces written apart start at such a
 * company; the encoder of a later piece checks it). A part of a row (RowPart) is an object of the columns'
 * values, as the reader gives them.
 */

/** About one company in this many starts a row group (STEDI_GTM_ROW_GROUP_COMPANIES: tests and benchmarks). */
export const COMPANY_GROUPS = companyGroupsFromEnv(process.env.STEDI_GTM_ROW_GROUP_COMPANIES);

function companyGroupsFromEnv(v: string | undefined): number {
  if (v === undefined || v.trim() === '') return 8192;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UserError(`STEDI_GTM_ROW_GROUP_COMPANIES=${JSON.stringify(v)}: expected a whole number of companies, at least 1`);
  return n;
}

/**
 * What a block says of itself: the table's schema (the first block of a file), or its row group's metadata, as
 * the Thrift bytes of the footer (see io/parquet/footer.ts: the thread that writes the file keeps them to the end).
 */
interface ParquetBlockMeta {
  schema?: SchemaElement[];
  group?: RowGroupBytes;
}

class ParquetEncoder implements TableEncoder {
  readonly path: string;
  rows = 0;
  private readonly table: ParquetTable;
  /** The schema's leaves (one per column chunk). */
  private readonly leaves: SchemaElement[];
  private readonly sink: BlockSink;
  /** The group being gathered, column by column (io/parquet/columns.ts), `n` rows. */
  private readonly columns: ColumnBuilder[];
  private readonly poolKey: object;
  /** The builders were given back (end or discard: nothing is written after either). */
  private released = false;
  private n = 0;
  private text = 0;
  /** Appends a row's values to the columns; returns the characters of its text (compiled per table, see pusher). */
  private readonly append: Pusher;
  /** Whether the next row's group has a known start: the file's, or a cut. A later piece's first row needs one. */
  private started: boolean;
  private head: boolean;

  constructor(o: EncoderOptions) {
    this.path = o.path;
    this.sink = o.sink;
    this.table = parquetTable(o.table.table, {safeText: o.table.safe});
    this.leaves = schemaLeaves(this.table.schema);
    this.append = pusher(this.table, 0);
    // Kept by the thread per table: the same builders, whatever encoder.
    this.poolKey = o.table.table;
    this.columns = takeBuilders(this.poolKey, this.table.columns, this.table.safeText);
    this.started = this.head = o.head;
  }

  add<T extends Record<string, unknown>>(_codec: TableCodec<T>, row: NoInfer<T>): void {
    this.push(row as Record<string, unknown>);
  }

  addAll<T extends Record<string, unknown>>(_codec: TableCodec<T>, rows: readonly NoInfer<T>[]): void {
    for (const r of rows) this.push(r as Record<string, unknown>);
  }

  withPart<T extends Record<string, unknown>, P extends Record<string, unknown>>(_codec: TableCodec<T>, pick: TableCodec<P>): (row: T) => RowPart {
    const names = pick.columns;
    const at = names.map(getter);
    return (row) => {
      this.push(row);
      const part: Record<string, unknown> = {};
      for (let k = 0; k < names.length; k++) part[names[k]] = at[k](row);
      return part;
    };
  }

  joined<S extends Record<string, unknown>>(codec: TableCodec<S>): (head: RowPart, row: S) => void {
    // The table's columns are the head's, then the codec's: each read from its own object.
    const from = this.table.columns.length - codec.columns.length;
    if (this.table.columns.slice(from).some((c, k) => c.name !== codec.columns[k]))
      throw new Error(`parquet: ${this.path}: joined: the table's columns do not end with the codec's`);
    const append = pusher(this.table, from);
    return (head, row) => {
      if (typeof head === 'string' || head instanceof Uint8Array) throw new Error(`parquet: ${this.path}: a row part of another format`);
      this.counted(append(this.columns, head as Record<string, unknown>, row));
    };
  }

  cut(): void {
    this.flush();
    this.started = true;
  }

  end(): void {
    this.flush();
    // A file with no rows still has its schema (the first block carries it).
    if (this.head) this.emitHead();
    this.release();
  }

  discard(): void {
    if (this.released) return;
    this.clear();
    this.release();
  }

  /** Empties the group being gathered. */
  private clear(): void {
    for (const c of this.columns) c.reset();
    this.n = 0;
    this.text = 0;
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    giveBackBuilders(this.poolKey, this.table.safeText, this.columns);
  }

  private push(row: Record<string, unknown>): void {
    this.counted(this.append(this.columns, row, row));
  }

  /** A row was appended, with `text` characters of text. */
  private counted(text: number): void {
    if (!this.started) throw new Error(`parquet: ${this.path}: a piece written apart does not start at a row group (its first company starts none)`);
    this.text += text;
    this.n++;
    this.rows++;
    if (this.n >= ROW_GROUP_ROWS || this.text >= ROW_GROUP_TEXT) this.flush();
  }

  private emitHead(): void {
    this.head = false;
    this.sink(PARQUET_MAGIC.slice(), 0, {schema: this.table.schema} satisfies ParquetBlockMeta);
  }

  private flush(): void {
    if (this.n === 0) return;
    if (this.released) throw new Error(`parquet: ${this.path}: rows after the end`);
    if (this.head) this.emitHead();
    const block = encodeBlock(this.table, this.columns, this.n);
    const rows = this.n;
    this.clear();
    this.sink(block.bytes, rows, {group: rowGroupBytes(block.rowGroup, this.leaves)} satisfies ParquetBlockMeta);
  }
}

/** `(columns, head, row) => characters of text`: appends a row's values to the columns, the first `from` read from head. */
type Pusher = (columns: ColumnBuilder[], head: Record<string, unknown>, row: Record<string, unknown>) => number;

/**
 * A table's Pusher, compiled (the properties by their literal names: one shape per table, which V8 reads fast, where
 * a loop of getters shared by every table would see them all). Text and list columns count their characters (a
 * list's items as 8 each), which bound a group.
 */
function pusher(table: ParquetTable, from: number): Pusher {
  const lines = table.columns.map((c, k) => {
    const v = `${k < from ? 'head' : 'row'}[${JSON.stringify(c.name)}]`;
    if (c.kind !== 'text' && c.kind !== 'list') return `columns[${k}].add(${v});`;
    return `v = ${v}; columns[${k}].add(v); t += typeof v === 'string' ? v.length : Array.isArray(v) ? v.length * 8 : 0;`;
  });
  return new Function('columns', 'head', 'row', `let v, t = 0;\n${lines.join('\n')}\nreturn t;`) as Pusher;
}

const parquetFormat: TableFormat = {
  name: 'parquet',
  extension: '.parquet',
  description: 'Apache Parquet: typed columns (DATE, BIGINT, DECIMAL(18,2) money, BOOLEAN, lists), snappy, row groups by company',
  encoder: (o) => new ParquetEncoder(o),
  footer(blocks: readonly WrittenBlock[]) {
    const metas = blocks.map((b) => b.meta as ParquetBlockMeta);
    const schema = metas[0]?.schema;
    if (!schema) throw new Error('parquet: the first block of a file carries no schema');
    const groups: PlacedRowGroup[] = [];
    let rows = 0n;
    blocks.forEach((b, i) => {
      const g = metas[i].group;
      if (!g) return;
      groups.push({group: g, at: b.offset});
      rows += BigInt(b.rows);
    });
    return writeFooter(schema, groups, rows);
  },
  open: (path, codec, opts) => ParquetRowReader.open(path, codec, opts),
  companyGroups: COMPANY_GROUPS,
};

export default {...parquetFormat, module: import.meta.url} satisfies TableFormat;
