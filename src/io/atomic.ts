import {closeSync, mkdirSync, openSync, renameSync, rmSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {writeAll} from './csv.js';

/**
 * The one atomic file writer: a temporary file next to the target (`.<name>.<pid>.<n>.tmp`, a name the
 * dataset's clean-up knows: see ANY_TEMPORARY in io/dataset.ts), then a rename, so a run killed at any moment,
 * even with SIGKILL, leaves the whole file or none. Files of a command's data folder go through the dataset's
 * staging instead (writeTextAtomic in io/json.ts), which uses tempPathFor and writeFileNamed from here.
 */

let count = 0;

/** A fresh temporary path next to `path`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++count}.tmp`);
}

/** Writes `text` to `path` atomically (its folder is made when missing). Throws on I/O errors, leaving no temporary file. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), {recursive: true});
  const tmp = tempPathFor(path);
  try {
    writeFileNamed(tmp, text, path);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, {force: true});
    throw e;
  }
}

/**
 * writeFileSync, whose write errors (a full disk) name `path` (writeFileSync's name no file): see writeAll in
 * csv.ts. The temporary file is removed on failure.
 */
export function writeFileNamed(tmp: string, text: string, path: string): void {
  const bytes = Buffer.from(text);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, bytes, 0, bytes.length, path, 0);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, {force: true});
    throw e;
  }
  closeSync(fd);
}
