import {existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {FatalError} from '../errors.js';

/*
 * The commit journal of a data folder (see dataset.ts): its entries, doing and undoing them, finishing the
 * commit a dead command left (recover), removing the temporary files of dead commands (sweep), and the
 * fault-injection hook the tests stop a commit with.
 */

/** The folder of a data folder's own state: the lock, the commit journal, a cache of file facts. */
export const STATE_DIR = '.stedi-gtm';
export const LOCK = 'lock';
export const JOURNAL = 'journal.json';
/** Facts (rows, bytes, SHA-256) of the files of the dataset, by size, mtime and inode: a file unchanged since is not read again. */
export const STAT_CACHE = 'stat.json';

/**
 * The fault-injection hook for tests: STEDI_GTM_FAULT=<action>@<point>, action `pause` (print a line on stderr
 * and stop the process with SIGSTOP, for a test to continue or kill it), `kill` (SIGKILL itself) or `fail`
 * (throw, as a failing system call would). Points: `locked` (lock taken), `staged` (commit starts), `journal`
 * (journal in place, nothing renamed yet), `rename:<n>` (before the n-th rename of the commit, from 0),
 * `renamed` (all renamed, journal still there), `committed` (journal removed, backups not yet).
 */
export function fault(point: string): void {
  const spec = process.env.STEDI_GTM_FAULT;
  if (!spec) return;
  const at = spec.indexOf('@');
  if (spec.slice(at + 1) !== point) return;
  const action = spec.slice(0, at);
  if (action === 'pause') {
    process.stderr.write(`stedi-gtm fault hook: paused at ${point} (pid ${process.pid})\n`);
    process.kill(process.pid, 'SIGSTOP');
  } else if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  else if (action === 'fail') throw new Error(`fault injected at ${point} (STEDI_GTM_FAULT=${spec})`);
}

/** The name a file's old version is kept under during a commit (a temporary file of this process). */
export function backupName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.old.tmp`);
}

/** Temporary files of any process: `.x.<pid>[.<n>...][.old].tmp`, and the parts that worker threads leave (`.x.part`). */
const ANY_TEMPORARY = /^\..+\.\d+(\.\d+)*(\.old)?\.tmp$/;

/** One rename of a commit, paths relative to the data folder. */
export interface JournalEntry {
  tmp: string;
  target: string;
  backup: string;
  /** Whether the target existed (as a file) when the journal was written. */
  existed: boolean;
  /** The target is removed, not replaced (no tmp): a table of the dataset in a format this command did not write. */
  remove?: true;
}

export interface Journal {
  pid: number;
  entries: JournalEntry[];
}

/** Does the journal's renames not done yet (rolling forward): each old file aside, then the new one in place. */
export function apply(root: string, entries: readonly JournalEntry[], opts: {counter: {n: number}}): void {
  const rename = (from: string, to: string) => {
    fault(`rename:${opts.counter.n++}`);
    renameSync(join(root, from), join(root, to));
  };
  for (const e of entries) {
    if (e.remove) {
      // Moved to its backup (removed with the backups once the commit is done).
      if (existsSync(join(root, e.target)) && !existsSync(join(root, e.backup))) rename(e.target, e.backup);
      continue;
    }
    if (!existsSync(join(root, e.tmp))) continue; // done
    if (e.existed && !existsSync(join(root, e.backup))) rename(e.target, e.backup);
    rename(e.tmp, e.target);
  }
}

/** Undoes the journal's renames (rolling back): each backup back in place, each new file without one removed. */
export function undo(root: string, entries: readonly JournalEntry[]): void {
  for (const e of [...entries].reverse()) {
    const target = join(root, e.target);
    if (existsSync(join(root, e.backup))) renameSync(join(root, e.backup), target);
    else if (e.remove) continue;
    else if (!e.existed && !existsSync(join(root, e.tmp)) && existsSync(target)) rmSync(target);
    if (!e.remove) rmSync(join(root, e.tmp), {force: true});
  }
}

/**
 * Finishes (or, failing that, undoes) the commit a dead command left in `root`, if any. Call with the lock
 * held. Returns what was done.
 */
export function recover(root: string): {pid: number; how: string} | undefined {
  const path = join(root, STATE_DIR, JOURNAL);
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(path, 'utf8')) as Journal;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FatalError(`${path}: unreadable commit journal (${(e as Error).message})`);
  }
  let how = 'its new dataset is in place';
  try {
    apply(root, journal.entries, {counter: {n: 0}});
  } catch (e) {
    undo(root, journal.entries);
    how = `its new dataset could not be put in place (${(e as Error).message}): the dataset before it is back`;
  }
  rmSync(path);
  for (const e of journal.entries) rmSync(join(root, e.backup), {force: true});
  return {pid: journal.pid, how};
}

/**
 * Removes the temporary files of dead commands (call with the lock held, after recover): hidden temporary and
 * part files in raw/, interim/ and final/, and in the state folder everything but the lock, the journal and the
 * cache of facts. (The enrichment cache below interim/ is left alone.)
 */
export function sweep(root: string): {files: number; bytes: number} {
  let files = 0;
  let bytes = 0;
  const remove = (path: string) => {
    try {
      bytes += statSync(path).size;
      rmSync(path, {force: true});
      files++;
    } catch {
      // Gone, or a folder: left.
    }
  };
  for (const folder of ['raw', 'interim', 'final']) {
    for (const n of names(join(root, folder))) if (ANY_TEMPORARY.test(n) || (n.startsWith('.') && n.endsWith('.part'))) remove(join(root, folder, n));
  }
  for (const n of names(join(root, STATE_DIR))) if (n !== LOCK && n !== JOURNAL && n !== STAT_CACHE) remove(join(root, STATE_DIR, n));
  return {files, bytes};
}

function names(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
