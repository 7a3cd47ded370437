import {mkdirSync, renameSync, writeFileSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';

/** Writes a JSON file atomically (temporary file + rename), pretty-printed with a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), {recursive: true});
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}
