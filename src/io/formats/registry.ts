import type {TableCodec} from '../table-codec.js';
import type {CursorOptions} from '../table-cursor.js';

/*
 * The output formats of the dataset's tables. A format says how a table's rows are encoded into blocks of
 * bytes (in the thread that makes the rows: a worker encodes its own, a large share of the CPU), what is
 * written after the last block (a footer, made from what each block reported), how a table of that format is
 * read back, and its files' extension. Everything else (the stages, the workers' protocol, the ordering of
 * the blocks of several threads, the atomic files, the dataset's lock, manifest and commit) handles opaque
 * blocks. The built-in formats are registered in ./index.ts; this module imports nothing at run time.
 */

/**
 * Part of a row, encoded by a format for rows of its own tables (opaque to the stages): e.g. CSV's is the cells'
 * text, as it is written; Parquet's an object of the values. A table copies a part of another's rows (unified.csv copies the company's columns of
 * companies.csv) without decoding and encoding them again.
 */
export type RowPart = string | Uint8Array | Readonly<Record<string, unknown>>;

/**
 * What an encoder reports of a block, next to its bytes (small, plain data: it crosses threads in the workers'
 * messages); e.g. the row groups a columnar format's footer lists. CSV's blocks report nothing.
 */
export type BlockMeta = unknown;

/**
 * Where an encoder's filled blocks go, in order: `bytes` (whole rows, `rows` of them), `meta` (see BlockMeta).
 * Returns true when it keeps the block (it goes to another thread: the encoder takes fresh memory), false when
 * it is done with it (written: the encoder reuses it).
 */
export type BlockSink = (bytes: Uint8Array, rows: number, meta: BlockMeta) => boolean;

/** A block as the file's writer saw it: its place in the file, its rows and its meta (for a footer). */
export interface WrittenBlock {
  offset: number;
  length: number;
  rows: number;
  meta: BlockMeta;
}

/**
 * A table being encoded (a piece of it, on a worker thread): rows go into a block, handed to the sink when it
 * holds half a MiB or so. The stages write through these methods only (through WriterGroup.write and writeAll, or the functions withPart and joined make), so that a
 * format decides how rows become bytes.
 */
export interface TableEncoder {
  readonly path: string;
  /** Rows queued so far. */
  readonly rows: number;
  /** Queues one row, by the table's codec (its columns, kinds and text rules). */
  add<T extends Record<string, unknown>>(codec: TableCodec<T>, row: NoInfer<T>): void;
  /** Queues rows in one piece (the same bytes as one write each). */
  addAll<T extends Record<string, unknown>>(codec: TableCodec<T>, rows: readonly NoInfer<T>[]): void;
  /**
   * `(row) => part`: writes the row (by `codec`) and gives its part of `pick`'s columns (which must be columns of
   * this table), each cell encoded once for both. Made once, called per row.
   */
  withPart<T extends Record<string, unknown>, P extends Record<string, unknown>>(codec: TableCodec<T>, pick: TableCodec<P>): (row: T) => RowPart;
  /**
   * `(head, row) => void`: writes a row made of `head` (a part encoded by this format: by withPart, or as a reader
   * of this format gives it, see TableReader.cells) and then `codec`'s columns of `row`. Made once, called per row.
   */
  joined<S extends Record<string, unknown>>(codec: TableCodec<S>): (head: RowPart, row: S) => void;
  /**
   * The rows written so far end a row group (a format whose files have groups of rows, see
   * TableFormat.companyGroups; the writer calls it at the companies that start a group). None: no groups.
   */
  cut?(): void;
  /** Hands what is queued to the sink (the last block); no rows are written after it. */
  end(): void;
  /** Drops what is queued. */
  discard(): void;
}

/** What a format's encoder is made from. */
export interface EncoderOptions {
  /** The table's file (the stages' path: it names the table to the sink). */
  path: string;
  /** All of the table's columns, in order (its codec: the names, the kinds and rules of each, and its text rule). */
  table: Pick<TableCodec<Record<string, unknown>>, 'columns' | 'table' | 'safe'>;
  /**
   * Whether this encoder writes the start of the file (CSV: the header) in its first block: every table but the
   * pieces after the first of a table written by several threads. The first block also carries, in its meta,
   * what the format's footer needs of the table (e.g. a schema).
   */
  head: boolean;
  sink: BlockSink;
}

/** A table of this format read row by row, in file order (see TableCursor, CSV's). */
export interface TableReader<T extends Record<string, unknown>> {
  /** The current row: undefined before the first advance() and after the last row. */
  readonly row: T | undefined;
  /** The current row's number as a spreadsheet shows it (header = 1), for messages. */
  readonly rowNumber: number;
  /** The current row's `cells` columns (see CursorOptions.cells) as a RowPart of this format; valid after the reader moves on. */
  readonly cells: RowPart;
  /** Moves to the next row; returns a promise only when it must wait for the file. */
  advance(): void | Promise<void>;
  /** About how many rows the file has (for a progress ETA); undefined when unknown. */
  estimatedRows(): number | undefined;
  /** The checked unique column's values read so far (see CursorOptions.check); empty without checks. */
  ids(): BigUint64Array;
  close(): Promise<void>;
}

/** Options of a reader (see CursorOptions; `range` is for the format's chunks only). */
export type ReaderOptions = Omit<CursorOptions, 'range'>;

/**
 * Counts the rows of a file of the format as its bytes go by (the manifest's `rows` of a file written by another
 * thread or edited by hand).
 */
export interface RowCounter {
  add(bytes: Uint8Array): void;
  /** The rows of the bytes so far (a header not counted). */
  rows(): number;
}

/**
 * A large table cut into chunks of whole rows that several threads read at once (`run --from deals`): `plan`
 * finds them (undefined: the file cannot be cut), `open` reads one. `context` is plain data (it crosses
 * threads) that the readers of the chunks need (CSV: the header and the newline).
 */
export interface ChunkedReading {
  plan(path: string, chunkBytes?: number): Promise<{chunks: Array<{start: number; end: number}>; context: unknown} | undefined>;
  open<T extends Record<string, unknown>>(
    path: string,
    codec: TableCodec<T>,
    opts: ReaderOptions,
    chunk: {start: number; end: number},
    context: unknown,
  ): Promise<TableReader<T>>;
}

export interface TableFormat {
  /** Its name (lower case), e.g. csv. */
  name: string;
  /** Its files' extension, with the dot, e.g. .csv. */
  extension: string;
  /** A few words for help and docs. */
  description: string;
  /**
   * The URL of the module whose default export is this format, for a format that is not built in: a worker
   * thread imports it to find the format by name (see loadFormat).
   */
  module?: string;
  encoder(o: EncoderOptions): TableEncoder;
  /** Bytes written after the last block (a file footer), from the blocks written, in order. None: nothing. */
  footer?(blocks: readonly WrittenBlock[]): Uint8Array;
  /** Opens a table of this format (the caller checks that the file exists). */
  open<T extends Record<string, unknown>>(path: string, codec: TableCodec<T>, opts: ReaderOptions): Promise<TableReader<T>>;
  /** See RowCounter; none: the manifest gives no rows for its files. */
  rowCounter?(): RowCounter;
  /** See ChunkedReading; none: `run --from deals` reads the table on one thread. */
  chunks?: ChunkedReading;
  /**
   * The format's files are cut into groups of rows at companies (core/row-groups.ts: about one company in this
   * many starts a group, in every table at once): the writers call the encoders' `cut` there, and a table written
   * in pieces by several threads is cut into pieces that start at such a company. None: rows are not grouped.
   */
  companyGroups?: number;
}

/** How a worker thread finds the lead thread's format: its name, and the module of a format not built in. */
export interface FormatRef {
  name: string;
  module?: string;
  /** The formats the tables are written in as well (see useFormat). */
  also?: FormatRef[];
}

const registry = new Map<string, TableFormat>();
let current: TableFormat | undefined;
let also: TableFormat[] = [];
const NAME = /^[a-z][a-z0-9_-]*$/;

/** Registers a format. Throws on a name or an extension taken. */
export function registerFormat(format: TableFormat): void {
  if (!NAME.test(format.name)) throw new Error(`format name ${JSON.stringify(format.name)}: expected lower-case letters, digits, _ or -`);
  if (!/^\.[a-z0-9]+$/.test(format.extension))
    throw new Error(`format ${format.name}: extension ${JSON.stringify(format.extension)} is not a dot and lower-case letters or digits`);
  if (registry.has(format.name)) throw new Error(`format ${format.name} is registered already`);
  const taken = [...registry.values()].find((f) => f.extension === format.extension);
  if (taken) throw new Error(`format ${format.name}: extension ${format.extension} is ${taken.name}'s`);
  registry.set(format.name, format);
}

/** The registered formats, in registration order (the first is the default). */
export function formats(): TableFormat[] {
  return [...registry.values()];
}

export function getFormat(name: string): TableFormat {
  const f = registry.get(name);
  if (!f) throw new Error(`unknown table format ${JSON.stringify(name)} (known: ${[...registry.keys()].join(', ')})`);
  return f;
}

/** The format of a file, by its extension (undefined: not a table of any registered format). */
export function formatOfFile(path: string): TableFormat | undefined {
  for (const f of registry.values()) if (path.endsWith(f.extension)) return f;
  return undefined;
}

/**
 * The format this process writes and reads the dataset's tables in: the one place it is chosen (useFormat), the
 * first registered (CSV) by default. Paths (io/paths.ts), writers (WriterGroup) and readers (openTable) ask it.
 */
export function tableFormat(): TableFormat {
  const f = current ?? registry.values().next().value;
  if (!f) throw new Error('no table format registered');
  return f;
}

/**
 * Chooses the format of this process's tables (before any path is made: see dataPaths): they are read in it and
 * written in it, and in each format of `alsoWritten` as well (each table a file of each, side by side).
 */
export function useFormat(name: string, alsoWritten: readonly string[] = []): TableFormat {
  also = alsoWritten.filter((n) => n !== name).map(getFormat);
  return (current = getFormat(name));
}

/** The formats the tables are written in besides tableFormat() (see useFormat). */
export function extraFormats(): readonly TableFormat[] {
  return also;
}

/** The formats the tables are written in: tableFormat() first, then extraFormats(). */
export function writtenFormats(): readonly TableFormat[] {
  return [tableFormat(), ...also];
}

/**
 * The `--format` value that writes this process's formats ('csv' by default; 'csv,parquet' for both): in the
 * order the formats were registered (csv first), as `--help` and the errors write it, whichever is read back.
 */
export function formatFlagValue(): string {
  const written = new Set(writtenFormats());
  return formats()
    .filter((f) => written.has(f))
    .map((f) => f.name)
    .join(',');
}

/** What a worker thread needs to find a format (see loadFormat); this process's, with the formats written as well. */
export function formatRef(f: TableFormat = tableFormat()): FormatRef {
  const ref: FormatRef = f.module ? {name: f.name, module: f.module} : {name: f.name};
  if (f === tableFormat() && also.length > 0) ref.also = also.map((x) => formatRef(x));
  return ref;
}

/** In a worker thread: the lead thread's format (and those written as well), their modules imported when needed. */
export async function loadFormat(ref: FormatRef | undefined): Promise<TableFormat> {
  if (ref === undefined) return tableFormat();
  for (const r of [ref, ...(ref.also ?? [])]) {
    if (!registry.has(r.name) && r.module) {
      const m = (await import(r.module)) as {default: TableFormat};
      if (!registry.has(r.name)) registerFormat(m.default);
    }
  }
  return useFormat(
    ref.name,
    (ref.also ?? []).map((r) => r.name),
  );
}

/** A table's path in another format (the same folder and name, that format's extension). */
export function pathIn(path: string, format: TableFormat): string {
  const from = formatOfFile(path);
  return from ? path.slice(0, path.length - from.extension.length) + format.extension : path;
}

/** Opens a table of this process's format (see TableFormat.open). */
export function openTable<T extends Record<string, unknown>>(path: string, codec: TableCodec<T>, opts: ReaderOptions): Promise<TableReader<T>> {
  return tableFormat().open(path, codec, opts);
}
