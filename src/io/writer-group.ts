import {renameSync, rmSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {stagingFor} from './dataset.js';
import {
  extraFormats,
  pathIn,
  tableFormat,
  type BlockMeta,
  type RowPart,
  type TableEncoder,
  type EncoderOptions,
  type TableFormat,
  type WrittenBlock,
} from './formats/index.js';
import {startsRowGroup} from '../core/row-groups.js';
import type {TableCodec} from './table-codec.js';
import {TableFile} from './table-file.js';

/** Where a stream's blocks go (see WriterGroup): the table's path, the block, its rows and its meta. */
export type TableStream = (path: string, bytes: Uint8Array, rows: number, meta: BlockMeta) => void;

/**
 * Output tables written together (e.g. leads.csv and deals.csv), in the format of this process (see tableFormat):
 * committed (put in place) together, or all aborted. The stages open a table with its codec and write rows
 * through the group; the format's encoder makes the bytes (see TableEncoder).
 */
export class WriterGroup {
  private readonly tables: Array<FileTable | TableEncoder> = [];
  private readonly format: TableFormat = tableFormat();
  private readonly extras: readonly TableFormat[] = extraFormats();

  /**
   * `part`: this group's tables, committed, are left at partPath(path) for another thread to put in place
   * (commitPart). `stream`: this group writes no files; each table's blocks go to `send` with the table's path
   * (the start of the file too when `header` is set; see OrderedTables).
   */
  constructor(private readonly mode?: 'part' | {stream: TableStream; header: boolean}) {}

  /**
   * Whether this group writes the rows that a dataset has once (reps.csv), not once per piece: every group but
   * a stream of a piece after the first (the one that writes no header).
   */
  get writesOnce(): boolean {
    const m = this.mode;
    return m === undefined || m === 'part' || m.header;
  }

  /**
   * Opens the table at `path`, whose columns (all of them, in order) are `table`'s. `perCompany: false`: a table
   * whose rows are not a company's (the rejects, the reps), whose groups of rows company() leaves alone.
   */
  open<T extends Record<string, unknown>>(path: string, table: TableCodec<T>, opts: {perCompany?: boolean} = {}): TableEncoder {
    const m = this.mode;
    const one = (p: string, format: TableFormat): TableEncoder => {
      if (m === undefined || m === 'part') {
        const t = new FileTable(format, p, m === 'part' ? partPath(p) : p, table);
        this.tables.push(t);
        return t.encoder;
      }
      const stream = m.stream;
      const e = format.encoder({path: p, table, head: m.header, sink: (bytes, rows, meta) => (stream(p, bytes, rows, meta), true)});
      this.tables.push(e);
      return e;
    };
    const first = one(path, this.format);
    // The formats the tables are written in as well (--format csv,parquet): a file of each, the same rows.
    const e = this.extras.length === 0 ? first : new TeeEncoder([first, ...this.extras.map((f) => one(pathIn(path, f), f))]);
    if (opts.perCompany !== false) this.grouped.push(e);
    return e;
  }

  /** The encoders of the tables whose rows are companies' (see open). */
  private readonly grouped: TableEncoder[] = [];

  /** The key of the company company() was last told of. */
  private companyKey: string | undefined;

  /**
   * The rows written next are company `key`'s (every sink says so before a company's rows; saying it again for
   * the same company changes nothing): for a format whose files have groups of rows, a company that starts a
   * group ends every table's group before it (see TableFormat.companyGroups).
   */
  company(key: string): void {
    if (key === this.companyKey) return;
    this.companyKey = key;
    const every = this.format.companyGroups;
    if (every === undefined || !startsRowGroup(key, every)) return;
    for (const e of this.grouped) e.cut?.();
  }

  /** Queues one row of a table, encoded by the table's codec. */
  write<T extends Record<string, unknown>>(table: TableEncoder, codec: TableCodec<T>, row: NoInfer<T>): void {
    table.add(codec, row);
  }

  /** Queues rows of a table, encoded by the table's codec, in one piece (the same bytes as one write each). */
  writeAll<T extends Record<string, unknown>>(table: TableEncoder, codec: TableCodec<T>, rows: readonly NoInfer<T>[]): void {
    table.addAll(codec, rows);
  }

  /** See TableEncoder.withPart: `(row) => part`, writing the row to `table` and giving its part of `pick`'s columns. */
  withPart<T extends Record<string, unknown>, P extends Record<string, unknown>>(
    table: TableEncoder,
    codec: TableCodec<T>,
    pick: TableCodec<P>,
  ): (row: T) => RowPart {
    return table.withPart(codec, pick);
  }

  /** See TableEncoder.joined: `(head, row) => void`, a row of `table` made of a part and `codec`'s columns. */
  joined<S extends Record<string, unknown>>(table: TableEncoder, codec: TableCodec<S>): (head: RowPart, row: S) => void {
    return table.joined(codec);
  }

  async commit(): Promise<void> {
    for (const t of this.tables) {
      if (t instanceof FileTable) t.commit();
      else t.end();
    }
  }

  async abort(): Promise<void> {
    for (const t of this.tables) {
      if (t instanceof FileTable) t.abort();
      else t.discard();
    }
  }
}

/**
 * A table written by this thread to a file: its format's encoder, writing its blocks to the file (and, for a
 * format with a footer, noting where each went), then the footer on commit.
 */
class FileTable {
  readonly encoder: TableEncoder;
  private readonly file: TableFile;
  private readonly blocks: WrittenBlock[] | undefined;

  constructor(
    private readonly format: TableFormat,
    path: string,
    filePath: string,
    table: EncoderOptions['table'],
  ) {
    const file = (this.file = new TableFile(filePath));
    const blocks: WrittenBlock[] | undefined = (this.blocks = format.footer ? [] : undefined);
    this.encoder = format.encoder({
      path,
      table,
      head: true,
      sink: (bytes, rows, meta) => {
        blocks?.push({offset: file.bytes, length: bytes.length, rows, meta});
        file.writeBytes(bytes, rows);
        return false;
      },
    });
  }

  commit(): void {
    this.encoder.end();
    if (this.format.footer) this.file.writeBytes(this.format.footer(this.blocks!));
    this.file.commit();
  }

  abort(): void {
    this.encoder.discard();
    this.file.abort();
  }
}

/**
 * A table written in several formats at once (see extraFormats): every row goes to each format's encoder. The
 * first is the format the tables are read in: the row parts it gives (withPart) are its own, and the others'
 * encoders take such parts in joined (CSV's encodes a part of values by the table's codec).
 */
class TeeEncoder implements TableEncoder {
  constructor(private readonly all: readonly TableEncoder[]) {}

  get path(): string {
    return this.all[0].path;
  }

  get rows(): number {
    return this.all[0].rows;
  }

  add<T extends Record<string, unknown>>(codec: TableCodec<T>, row: NoInfer<T>): void {
    for (const e of this.all) e.add(codec, row);
  }

  addAll<T extends Record<string, unknown>>(codec: TableCodec<T>, rows: readonly NoInfer<T>[]): void {
    for (const e of this.all) e.addAll(codec, rows);
  }

  withPart<T extends Record<string, unknown>, P extends Record<string, unknown>>(codec: TableCodec<T>, pick: TableCodec<P>): (row: T) => RowPart {
    const [first, ...rest] = this.all;
    const part = first.withPart(codec, pick);
    return (row) => {
      for (const e of rest) e.add(codec, row);
      return part(row);
    };
  }

  joined<S extends Record<string, unknown>>(codec: TableCodec<S>): (head: RowPart, row: S) => void {
    const each = this.all.map((e) => e.joined(codec));
    return (head, row) => {
      for (const f of each) f(head, row);
    };
  }

  cut(): void {
    for (const e of this.all) e.cut?.();
  }

  end(): void {
    for (const e of this.all) e.end();
  }

  discard(): void {
    for (const e of this.all) e.discard();
  }
}

/** Where a table written by another thread waits to be put in place (a hidden file next to the table). */
export function partPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.part`);
}

/**
 * Puts a table written by another thread (WriterGroup 'part') in place (inside a command's data folder: stages
 * it for the dataset's commit; its facts are read from the file then).
 */
export function commitPart(path: string): void {
  const dataset = stagingFor(path);
  if (dataset) dataset.stage(partPath(path), path);
  else renameSync(partPath(path), path);
}

/** Removes a table written by another thread (after a failure). */
export function removePart(path: string): void {
  try {
    rmSync(partPath(path), {force: true});
  } catch (e) {
    // A path under a file (a --data-dir whose interim/ is a file): there is no part to remove.
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
  }
}

/**
 * The tables of a pass whose work is cut into numbered pieces (ranges of the export) done by worker threads in
 * any order: each piece's blocks (see WriterGroup's stream) are written as soon as every earlier piece is
 * written, else held until then, so each table is the same bytes as one thread doing the pieces in order.
 * Nothing is copied afterwards (no parts to join). The tables are committed (renamed into place) together, or
 * aborted. Memory: the blocks of the pieces ahead of the first unfinished one (the caller bounds how far
 * ahead pieces are handed out).
 */
export class OrderedTables {
  private readonly files = new Map<string, TableFile>();
  /** Each file's format (a table is a file of each format it is written in: see extraFormats). */
  private readonly formats = new Map<string, TableFormat>();
  /** For a format with a footer: each table's blocks, as written. */
  private readonly blocks = new Map<string, WrittenBlock[]>();
  private readonly held = new Map<
    number,
    Array<{path: string; bytes: Uint8Array; rows: number; written?: (bytes: Uint8Array) => void; meta: BlockMeta}>
  >();
  private readonly finished = new Set<number>();
  /** The first piece not finished: its blocks are written as they come. */
  next = 0;
  /** Bytes held for later pieces. */
  heldBytes = 0;

  constructor(paths: readonly string[], format: TableFormat = tableFormat()) {
    try {
      for (const table of paths) {
        for (const f of [format, ...extraFormats()]) {
          const p = f === format ? table : pathIn(table, f);
          this.files.set(p, new TableFile(p));
          this.formats.set(p, f);
          if (f.footer) this.blocks.set(p, []);
        }
      }
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /**
   * A block of piece `piece` of the table at `path`, with `rows` records and its meta (see BlockMeta); `written`
   * is given the block once it is written.
   */
  add(piece: number, path: string, bytes: Uint8Array, rows = 0, written?: (bytes: Uint8Array) => void, meta?: BlockMeta): void {
    if (piece === this.next) this.write(path, bytes, rows, written, meta);
    else {
      let list = this.held.get(piece);
      if (!list) this.held.set(piece, (list = []));
      list.push({path, bytes, rows, written, meta});
      this.heldBytes += bytes.length;
    }
  }

  /** Piece `piece` has sent all its blocks. */
  finish(piece: number): void {
    this.finished.add(piece);
    while (this.finished.delete(this.next)) {
      this.next++;
      const list = this.held.get(this.next);
      if (!list) continue;
      this.held.delete(this.next);
      for (const b of list) {
        this.heldBytes -= b.bytes.length;
        this.write(b.path, b.bytes, b.rows, b.written, b.meta);
      }
    }
  }

  private write(path: string, bytes: Uint8Array, rows: number, written: ((bytes: Uint8Array) => void) | undefined, meta: BlockMeta): void {
    const f = this.files.get(path);
    if (!f) throw new Error(`OrderedTables: no table ${path}`);
    this.blocks.get(path)?.push({offset: f.bytes, length: bytes.length, rows, meta});
    f.writeBytes(bytes, rows);
    written?.(bytes);
  }

  /**
   * Puts the tables in place (each with its footer, for a format that has one); those in `background` are
   * renamed on libuv's pool (see TableFile.commitInBackground): they are in place when the returned promise
   * settles (the others when commit's own promise does).
   */
  async commit(background: readonly string[] = []): Promise<{renamed: Promise<void>}> {
    if (this.held.size > 0) throw new Error(`OrderedTables: pieces ${[...this.held.keys()].join(', ')} after an unfinished piece ${this.next}`);
    const later: Array<Promise<void>> = [];
    for (const [path, f] of this.files) {
      const blocks = this.blocks.get(path);
      const footer = this.formats.get(path)?.footer;
      if (blocks && footer) f.writeBytes(footer(blocks));
      // (A table's file in another format too.)
      if (background.includes(pathIn(path, tableFormat()))) later.push(f.commitInBackground());
      else f.commit();
    }
    const renamed = Promise.all(later).then(() => undefined);
    // Handled here too: a caller that fails before awaiting it must not crash the process on its rejection.
    renamed.catch(() => undefined);
    return {renamed};
  }

  abort(): void {
    for (const f of this.files.values()) f.abort();
    this.held.clear();
    this.heldBytes = 0;
  }
}
