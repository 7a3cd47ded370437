import {createHash, type Hash} from 'node:crypto';
import {closeSync, mkdirSync, openSync, renameSync, rmSync} from 'node:fs';
import {rename} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {threadId} from 'node:worker_threads';
import {writeAll} from './csv.js';
import {stagingFor} from './dataset.js';

/** Numbers the temporary files of this thread: two writers of one table never share one. */
let fileCount = 0;

/**
 * A table file being written, whatever its format: encoded bytes go to a temporary file next to the target,
 * which replaces the target only on commit(); inside the data folder of a command (see io/dataset.ts),
 * commit() stages it, with its rows, bytes and SHA-256 (hashed as it is written), and the dataset's commit
 * puts it in place with the other files. An aborted or crashed run never leaves a half-written output behind.
 * Writes are synchronous: a batch tool gains nothing from async file I/O, and a reader never has to pause for
 * the writers.
 */
export class TableFile {
  private readonly tmp: string;
  private fd: number | undefined;
  /** Inside a command's data folder: the file's SHA-256 and size, as it is written (see io/dataset.ts). */
  private readonly hash: Hash | undefined;
  /** Bytes written so far (where the next block starts). */
  bytes = 0;
  /** Rows written so far (as the blocks' writers counted them). */
  rows = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), {recursive: true});
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${threadId}.${++fileCount}.tmp`);
    this.fd = openSync(this.tmp, 'w');
    if (stagingFor(path)) this.hash = createHash('sha256');
  }

  /** Writes bytes [0, length) of `bytes`, holding `rows` rows (a failed write names the table: see writeAll). */
  writeBytes(bytes: Uint8Array, rows = 0, length = bytes.length): void {
    if (this.fd === undefined) throw new Error(`${this.path}: written after it was closed`);
    writeAll(this.fd, bytes, 0, length, this.path, this.bytes);
    this.hash?.update(length === bytes.length ? bytes : bytes.subarray(0, length));
    this.bytes += length;
    this.rows += rows;
  }

  /** Closes the file and puts it in place (inside a command's data folder: stages it for the dataset's commit). */
  commit(): void {
    if (this.close() && !this.staged()) renameSync(this.tmp, this.path);
  }

  /**
   * commit(), with the file put in place on a thread of libuv's pool: renaming over an existing file makes the
   * file system write the new file's data out first (ext4: about 0.4 s for a GB), which this thread need not
   * wait for. The table is in place when the promise settles.
   */
  commitInBackground(): Promise<void> {
    return this.close() && !this.staged() ? rename(this.tmp, this.path) : Promise.resolve();
  }

  /** Inside a command's data folder: hands the written file to its dataset (see io/dataset.ts); false elsewhere. */
  private staged(): boolean {
    const dataset = stagingFor(this.path);
    if (!dataset) return false;
    dataset.stage(this.tmp, this.path, this.hash ? {rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex')} : undefined);
    return true;
  }

  /** Closes the temporary file; true when there is one to put in place. */
  private close(): boolean {
    if (this.fd === undefined) return false;
    closeSync(this.fd);
    this.fd = undefined;
    return true;
  }

  /** Discards the temporary file; the target is left as it was. */
  abort(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, {force: true});
  }
}
