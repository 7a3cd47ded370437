import {realpathSync, statSync, type Stats} from 'node:fs';
import {dirname, basename, join, relative, isAbsolute, resolve, sep} from 'node:path';
import {UserError} from '../errors.js';
import type {DataPaths} from './paths.js';
import {displayPath} from '../core/display-path.js';

/** What a path that is not a regular file is, in words (for the message). */
function kindOf(st: Stats): string | undefined {
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return undefined;
}

/** The real path of `p`, or of its nearest existing parent with the rest appended (a folder not made yet). */
function realish(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(realish(parent), basename(p));
  }
}

/** Whether `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
}

/**
 * Checks the export before anything is read or created: it must be a regular file (the export is read twice,
 * and a pipe or a device such as /dev/zero cannot be), and it must not be one of the outputs or lie in the
 * folders the run writes (raw/, interim/, final/ under --data-dir), which would overwrite it or read the
 * run's own output. data/input/ (the default) is not one of them. A UserError (exit 2) names the path.
 */
export function checkInputFile(input: string, paths: DataPaths): void {
  let st: Stats;
  try {
    st = statSync(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${displayPath(input, process.cwd())}: cannot read input file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`,
    );
  }
  const kind = kindOf(st);
  if (kind === 'a folder')
    throw new UserError(`--input ${displayPath(input, process.cwd())} is a folder, not a file: give the path of the export (a .csv file)`);
  if (kind) {
    throw new UserError(
      `--input ${displayPath(input, process.cwd())} is ${kind}, not a regular file: the export is read twice (once for the accounts, once for the rows), which a pipe or a device cannot be. ` +
        'Save it to a file first (e.g. `cat ... > export.csv`) and give that file.',
    );
  }
  // As given (a link there is replaced by the outputs) and as resolved (the file the link points to).
  const real = realish(input);
  for (const folder of [paths.raw, paths.interim, paths.final]) {
    if (within(resolve(input), resolve(folder)) || within(real, realish(folder))) {
      throw new UserError(
        `--input ${displayPath(input, process.cwd())} lies inside ${displayPath(folder, process.cwd())}, a folder this run writes (its tables would overwrite or replace the export): ` +
          'move the export elsewhere (e.g. data/input/) or use another --data-dir',
      );
    }
  }
}
