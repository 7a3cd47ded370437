import {closeSync, mkdirSync, openSync, renameSync, rmSync} from 'node:fs';
import {writeAll} from './csv.js';
import {basename, dirname, join} from 'node:path';

/** Writes a JSON file atomically (temporary file + rename), pretty-printed with a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), {recursive: true});
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileNamed(tmp, JSON.stringify(value, null, 2) + '\n', path);
  renameSync(tmp, path);
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
