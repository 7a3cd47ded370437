import {createHash} from 'node:crypto';
import {mkdirSync, rmSync} from 'node:fs';
import {dirname} from 'node:path';
import {tempPathFor, writeFileAtomic, writeFileNamed} from './atomic.js';
import {stagingFor} from './dataset.js';

/**
 * Writes a text file atomically (io/atomic.ts); inside a command's data folder it is staged for the dataset's
 * commit instead (see io/dataset.ts), which puts it in place with the tables.
 */
export function writeTextAtomic(path: string, text: string): void {
  const dataset = stagingFor(path);
  if (!dataset) return writeFileAtomic(path, text);
  mkdirSync(dirname(path), {recursive: true});
  const tmp = tempPathFor(path);
  try {
    writeFileNamed(tmp, text, path);
    const bytes = Buffer.from(text);
    dataset.stage(tmp, path, {rows: null, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex')});
  } catch (e) {
    rmSync(tmp, {force: true});
    throw e;
  }
}

/** Writes a JSON file atomically (see writeTextAtomic), pretty-printed with a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
