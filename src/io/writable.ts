import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

/**
 * Makes the folders (as the writers would) and writes and removes a small file in each, so that a folder the run
 * cannot write to (read-only file system, no permission, a file in the way) stops it at once (exit 2, naming the
 * folder: see fileSystemError) rather than after the work, or after paid API calls.
 */
export function checkWritable(folders: readonly string[]): void {
  for (const dir of folders) {
    mkdirSync(dir, {recursive: true});
    // (A name the clean-up of an interrupted run removes: see leftovers in interrupt.ts.)
    const probe = join(dir, `.write-check.${process.pid}.tmp`);
    try {
      writeFileSync(probe, '');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      err.path = dir;
      err.syscall = 'write';
      throw err;
    }
    rmSync(probe, {force: true});
  }
}
