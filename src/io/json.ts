import {createHash} from 'node:crypto';
import {closeSync, mkdirSync, openSync, renameSync, rmSync} from 'node:fs';
import {writeAll} from './csv.js';
import {basename, dirname, join} from 'node:path';
import {stagingFor} from './dataset.js';

let count = 0;

/**
 * Writes a text file atomically (temporary file + rename); inside a command's data folder it is staged for the
 * dataset's commit instead (see io/dataset.ts), which puts it in place with the tables.
 */
export function writeTextAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), {recursive: true});
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++count}.tmp`);
  try {
    writeFileNamed(tmp, text, path);
    const dataset = stagingFor(path);
    if (dataset) {
      const bytes = Buffer.from(text);
      dataset.stage(tmp, path, {rows: null, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex')});
    } else renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, {force: true});
    throw e;
  }
}

/** Writes a JSON file atomically (see writeTextAtomic), pretty-printed with a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n');
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
