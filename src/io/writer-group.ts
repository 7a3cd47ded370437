import {closeSync, openSync, readSync, renameSync, rmSync, writeSync} from 'node:fs';
import {open} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {AtomicCsvWriter} from './csv.js';
import type {TableCodec} from './table-codec.js';

/**
 * Output tables written together (e.g. leads.csv and deals.csv): committed (renamed into place) together,
 * or all aborted.
 */
export class WriterGroup {
  private readonly writers: AtomicCsvWriter[] = [];

  /**
   * `part`: this group writes part `index` of tables split over workers, to partPath(path, index), with the
   * header only in part 0 (see concatTables).
   */
  constructor(private readonly part?: {index: number}) {}

  open(path: string, header: readonly string[]): AtomicCsvWriter {
    const w = this.part ? new AtomicCsvWriter(partPath(path, this.part.index), header, this.part.index === 0) : new AtomicCsvWriter(path, header);
    this.writers.push(w);
    return w;
  }

  /** Queues one row of a table, encoded by the table's codec. */
  write<T extends Record<string, unknown>>(writer: AtomicCsvWriter, codec: TableCodec<T>, row: NoInfer<T>): void {
    writer.pushLine(codec.line(row));
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

/** Where part `index` of a table split over workers is written (a hidden file next to the table). */
export function partPath(path: string, index: number): string {
  return join(dirname(path), `.${basename(path)}.part${index}`);
}

/**
 * Joins the parts 0..count-1 of each table (part 0 carries the header) into the table: the later parts are
 * appended to part 0, which is then renamed into place; the parts are removed. The copies run on libuv's
 * thread pool, the tables in parallel (kernel time, mostly: on every core rather than one after the other).
 */
export async function concatTables(paths: readonly string[], count: number): Promise<void> {
  await Promise.all(
    paths.map(async (path) => {
      const target = await open(partPath(path, 0), 'a');
      try {
        const buf = Buffer.allocUnsafe(8 << 20);
        for (let k = 1; k < count; k++) {
          const src = await open(partPath(path, k), 'r');
          try {
            for (;;) {
              const {bytesRead} = await src.read(buf, 0, buf.length, null);
              if (bytesRead === 0) break;
              let off = 0;
              while (off < bytesRead) off += (await target.write(buf, off, bytesRead - off)).bytesWritten;
            }
          } finally {
            await src.close();
          }
        }
      } finally {
        await target.close();
      }
    }),
  );
  for (const path of paths) {
    renameSync(partPath(path, 0), path);
    for (let k = 1; k < count; k++) rmSync(partPath(path, k), {force: true});
  }
}

/** Removes the parts of a table (after a failure). */
export function removeParts(path: string, count: number): void {
  for (let k = 0; k < count; k++) rmSync(partPath(path, k), {force: true});
}
