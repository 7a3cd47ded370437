import {renameSync, rmSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {AtomicCsvWriter, type BlockSink} from './csv.js';
import {stagingFor} from './dataset.js';
import type {TableCodec} from './table-codec.js';

/**
 * Output tables written together (e.g. leads.csv and deals.csv): committed (renamed into place) together,
 * or all aborted.
 */
export class WriterGroup {
  private readonly writers: AtomicCsvWriter[] = [];

  /**
   * `part`: this group's tables, committed, are left at partPath(path) for another thread to put in place
   * (commitPart). `stream`: this group writes no files; each table's blocks go to `send` with the table's path
   * (the header too when `header` is set; see OrderedTables).
   */
  constructor(private readonly mode?: 'part' | {stream: (path: string, bytes: Uint8Array, rows: number) => void; header: boolean}) {}

  /**
   * Whether this group writes the rows that a dataset has once (reps.csv), not once per piece: every group but
   * a stream of a piece after the first (the one that writes no header).
   */
  get writesOnce(): boolean {
    const m = this.mode;
    return m === undefined || m === 'part' || m.header;
  }

  open(path: string, header: readonly string[]): AtomicCsvWriter {
    const m = this.mode;
    const w =
      m === undefined
        ? new AtomicCsvWriter(path, header)
        : m === 'part'
          ? new AtomicCsvWriter(partPath(path), header)
          : new AtomicCsvWriter(path, header, m.header, ((bytes, rows) => m.stream(path, bytes, rows)) satisfies BlockSink);
    this.writers.push(w);
    return w;
  }

  /** Queues one row of a table, encoded by the table's codec. */
  write<T extends Record<string, unknown>>(writer: AtomicCsvWriter, codec: TableCodec<T>, row: NoInfer<T>): void {
    writer.pushLine(codec.line(row));
  }

  /** Queues rows of a table, encoded by the table's codec, in one piece (the same bytes as one write each). */
  writeAll<T extends Record<string, unknown>>(writer: AtomicCsvWriter, codec: TableCodec<T>, rows: readonly NoInfer<T>[]): void {
    const lines = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) lines[i] = codec.line(rows[i]);
    writer.pushLines(lines.join(''), rows.length);
  }

  /** Queues one record: `start` (its first cells, encoded) and the rest as `line`, with its newline. */
  line(writer: AtomicCsvWriter, start: string | Uint8Array, line: string): void {
    if (typeof start === 'string') writer.pushLine(start + line);
    else writer.pushBytesThenLine(start, line);
  }

  async commit(): Promise<void> {
    for (const w of this.writers) await w.commit();
  }

  async abort(): Promise<void> {
    for (const w of this.writers) await w.abort();
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
  private readonly writers = new Map<string, AtomicCsvWriter>();
  private readonly held = new Map<number, Array<{path: string; bytes: Uint8Array; rows: number; written?: (bytes: Uint8Array) => void}>>();
  private readonly finished = new Set<number>();
  /** The first piece not finished: its blocks are written as they come. */
  next = 0;
  /** Bytes held for later pieces. */
  heldBytes = 0;

  constructor(paths: readonly string[]) {
    try {
      for (const p of paths) this.writers.set(p, new AtomicCsvWriter(p, [], false));
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** A block of piece `piece` of the table at `path`, with `rows` records; `written` is given the block once it is written. */
  add(piece: number, path: string, bytes: Uint8Array, rows = 0, written?: (bytes: Uint8Array) => void): void {
    if (piece === this.next) this.write(path, bytes, rows, written);
    else {
      let list = this.held.get(piece);
      if (!list) this.held.set(piece, (list = []));
      list.push({path, bytes, rows, written});
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
        this.write(b.path, b.bytes, b.rows, b.written);
      }
    }
  }

  private write(path: string, bytes: Uint8Array, rows: number, written?: (bytes: Uint8Array) => void): void {
    const w = this.writers.get(path);
    if (!w) throw new Error(`OrderedTables: no table ${path}`);
    w.writeBytes(bytes, rows);
    written?.(bytes);
  }

  /**
   * Puts the tables in place; those in `background` are renamed on libuv's pool (see commitInBackground): they
   * are in place when the returned promise settles (the others when commit's own promise does).
   */
  async commit(background: readonly string[] = []): Promise<{renamed: Promise<void>}> {
    if (this.held.size > 0) throw new Error(`OrderedTables: pieces ${[...this.held.keys()].join(', ')} after an unfinished piece ${this.next}`);
    const later: Array<Promise<void>> = [];
    for (const [path, w] of this.writers) {
      if (background.includes(path)) later.push(w.commitInBackground());
      else await w.commit();
    }
    const renamed = Promise.all(later).then(() => undefined);
    // Handled here too: a caller that fails before awaiting it must not crash the process on its rejection.
    renamed.catch(() => undefined);
    return {renamed};
  }

  abort(): void {
    for (const w of this.writers.values()) void w.abort();
    this.held.clear();
    this.heldBytes = 0;
  }
}
