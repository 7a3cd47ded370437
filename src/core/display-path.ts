import {isAbsolute, relative} from 'node:path';

/**
 * A path as the user would type it: relative to `cwd` when below it, absolute otherwise. Messages, summaries
 * and the report show paths so (the same command line gives the same bytes on any machine).
 */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
