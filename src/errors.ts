import {accessSync, constants, existsSync} from 'node:fs';
import {dirname} from 'node:path';

/**
 * An error the user can fix: bad input, bad config, bad usage. Commands exit with code 2 and print the
 * message as is (no stack). Anything else is unexpected and exits 1.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A condition that must stop the run at once (e.g. a bad API key): exit 1, clear message, no stack. */
export class FatalError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}

/** What a file-system error code means, for codes the user can do something about. */
const FS_REASONS: Record<string, {reason: string; exitCode: number}> = {
  ENOTDIR: {reason: 'a part of the path is a file, not a folder', exitCode: 2},
  EISDIR: {reason: 'it is a folder, not a file', exitCode: 2},
  EACCES: {reason: 'permission denied', exitCode: 2},
  EPERM: {reason: 'operation not permitted', exitCode: 2},
  EROFS: {reason: 'read-only file system', exitCode: 2},
  ENOSPC: {reason: 'no space left on the device', exitCode: 1},
  EDQUOT: {reason: 'disk quota exceeded', exitCode: 1},
};

/** What the failed call was doing, by its syscall. */
const FS_DOING: Record<string, string> = {
  mkdir: 'cannot create the folder', open: 'cannot open', rename: 'cannot rename into place', write: 'cannot write', unlink: 'cannot remove',
  read: 'cannot read', stat: 'cannot look at', lstat: 'cannot look at', scandir: 'cannot list', rmdir: 'cannot remove',
};

/**
 * A file-system error the user can fix (a --data-dir that is a file, a folder without write permission, a
 * full disk) as an error with a plain message: the path, what was being done and why it failed; undefined
 * for any other error.
 */
export function fileSystemError(err: unknown): UserError | FatalError | undefined {
  const e = err as NodeJS.ErrnoException;
  // (mkdir of a folder whose name a file has; other EEXISTs are not the user's doing.)
  const inTheWay = e?.code === 'EEXIST' && e.syscall === 'mkdir' ? {reason: 'a file of that name is in the way', exitCode: 2} : undefined;
  // (A recursive mkdir that cannot make a folder above the one asked for: e.g. a read-only file system.)
  const above = e?.code === 'ENOENT' && e.syscall === 'mkdir' && typeof e.path === 'string' ? {reason: whyNoFolder(e.path), exitCode: 2} : undefined;
  const known = inTheWay ?? above ?? (typeof e?.code === 'string' ? FS_REASONS[e.code] : undefined);
  if (!known || typeof e.path !== 'string') return undefined;
  const what = FS_DOING[e.syscall ?? ''] ?? `cannot ${e.syscall ?? 'use'}`;
  const dest = (e as {dest?: string}).dest;
  // `detail`: what a writer adds (see writeAll), e.g. how much it was writing.
  const detail = (e as {detail?: string}).detail;
  const message = `${e.path}${dest ? ` -> ${dest}` : ''}: ${what}: ${known.reason}${detail ? ` (${detail})` : ''}`;
  return known.exitCode === 2 ? new UserError(message) : new FatalError(message);
}

/**
 * Why a recursive mkdir failed with ENOENT (Node reports that when a folder above cannot be made): what the
 * nearest existing folder above says to a write (a read-only file system, no permission).
 */
function whyNoFolder(path: string): string {
  let at = dirname(path);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    accessSync(at, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && FS_REASONS[code]) return FS_REASONS[code].reason;
  }
  return 'a folder above it cannot be made either';
}

/** An error as a worker thread reports it to the lead thread: its message and exit code (file-system errors as fileSystemError words them). */
export function errorReport(e: unknown): {message: string; exitCode: number} {
  const err = (fileSystemError(e) ?? e) as Error & {exitCode?: number};
  return {message: err.message, exitCode: err.exitCode ?? 1};
}
