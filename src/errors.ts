import {accessSync, constants, existsSync} from 'node:fs';
import {dirname} from 'node:path';
import {Errors} from '@oclif/core';

/**
 * The exit codes (README, "Exit codes"). oclif's own errors take theirs from package.json's oclif.exitCodes
 * (a flag that does not parse, does not exist or is out of range: USAGE); ours carry theirs (see CliError).
 */
export const EXIT = {ok: 0, failure: 1, usage: 2, notFound: 127} as const;

/**
 * An error the command reports as it is (no stack): a message, what the user can do about it (suggestions,
 * each printed on a line of its own after the message) and the exit code. It is oclif's CLIError, so oclif
 * and the base command read the exit code where oclif keeps it (error.oclif.exit).
 */
export class CliError extends Errors.CLIError {
  constructor(message: string, opts: {exit: number; suggestions?: readonly string[]}) {
    super(message, {exit: opts.exit, suggestions: opts.suggestions ? [...opts.suggestions] : undefined});
    this.name = new.target.name;
  }

  /** The exit code (also as error.oclif.exit). */
  get exitCode(): number {
    return this.oclif.exit ?? EXIT.failure;
  }
}

/**
 * An error the user can fix: bad input, bad config, bad usage. Commands exit with code 2 and print the
 * message as is (no stack). Anything else is unexpected and exits 1.
 */
export class UserError extends CliError {
  constructor(message: string, opts: {suggestions?: readonly string[]} = {}) {
    super(message, {...opts, exit: EXIT.usage});
  }
}

/** A condition that must stop the run at once (e.g. a bad API key): exit 1, clear message, no stack. */
export class FatalError extends CliError {
  constructor(message: string, opts: {suggestions?: readonly string[]} = {}) {
    super(message, {...opts, exit: EXIT.failure});
  }
}

/** What a file-system error code means, for codes the user can do something about. */
const FS_REASONS: Record<string, {reason: string; Err: typeof UserError | typeof FatalError}> = {
  ENOTDIR: {reason: 'a part of the path is a file, not a folder', Err: UserError},
  EISDIR: {reason: 'it is a folder, not a file', Err: UserError},
  EACCES: {reason: 'permission denied', Err: UserError},
  EPERM: {reason: 'operation not permitted', Err: UserError},
  EROFS: {reason: 'read-only file system', Err: UserError},
  ENOSPC: {reason: 'no space left on the device', Err: FatalError},
  EDQUOT: {reason: 'disk quota exceeded', Err: FatalError},
};

/** What the failed call was doing, by its syscall. */
const FS_DOING: Record<string, string> = {
  mkdir: 'cannot create the folder',
  open: 'cannot open',
  rename: 'cannot rename into place',
  write: 'cannot write',
  unlink: 'cannot remove',
  read: 'cannot read',
  stat: 'cannot look at',
  lstat: 'cannot look at',
  scandir: 'cannot list',
  rmdir: 'cannot remove',
};

/**
 * A file-system error the user can fix (a --data-dir that is a file, a folder without write permission, a
 * full disk) as an error with a plain message: the path, what was being done and why it failed; undefined
 * for any other error.
 */
export function fileSystemError(err: unknown): UserError | FatalError | undefined {
  const e = err as NodeJS.ErrnoException;
  // (mkdir of a folder whose name a file has; other EEXISTs are not the user's doing.)
  const inTheWay = e?.code === 'EEXIST' && e.syscall === 'mkdir' ? {reason: 'a file of that name is in the way', Err: UserError} : undefined;
  // (A recursive mkdir that cannot make a folder above the one asked for: e.g. a read-only file system.)
  const above =
    e?.code === 'ENOENT' && e.syscall === 'mkdir' && typeof e.path === 'string' ? {reason: whyNoFolder(e.path), Err: UserError} : undefined;
  const known = inTheWay ?? above ?? (typeof e?.code === 'string' ? FS_REASONS[e.code] : undefined);
  if (!known || typeof e.path !== 'string') return undefined;
  const what = FS_DOING[e.syscall ?? ''] ?? `cannot ${e.syscall ?? 'use'}`;
  const dest = (e as {dest?: string}).dest;
  // `detail`: what a writer adds (see writeAll), e.g. how much it was writing.
  const detail = (e as {detail?: string}).detail;
  const message = `${e.path}${dest ? ` -> ${dest}` : ''}: ${what}: ${known.reason}${detail ? ` (${detail})` : ''}`;
  return new known.Err(message);
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
  const err = fileSystemError(e) ?? e;
  return {message: (err as Error).message, exitCode: err instanceof CliError ? err.exitCode : EXIT.failure};
}
