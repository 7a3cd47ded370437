import {createHash} from 'node:crypto';
import {mkdirSync, renameSync, rmSync, writeFileSync} from 'node:fs';
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
    writeFileSync(tmp, text);
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
