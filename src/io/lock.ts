import {closeSync, openSync, readFileSync, renameSync, rmSync, writeSync} from 'node:fs';
import {hostname} from 'node:os';
import {UserError} from '../errors.js';

/** What a lock file holds: who holds the data folder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (ISO 8601). */
  started: string;
  /** The holder's command line (e.g. `run --seed 42`). */
  command: string;
}

/** Whether a process of this host is alive (a process of another user counts as alive). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof h?.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `path` holding `holder`, atomically: false when it exists. */
function create(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Pids of this process's locks (a lock file naming this pid that no lock here holds is a dead command's). */
const held = new Set<string>();

/**
 * An exclusive lock on a data folder: the file `path`, created atomically (open with O_EXCL), holding the pid,
 * host, start time and command of its holder. A second command finds it and stops (UserError, exit 2) naming
 * the holder. A lock whose process is gone (this host only: another host's processes cannot be seen) is taken
 * over, with a warning: a lock being taken over is first renamed to a name of this process's own (one rename
 * wins), and put back if it turns out to be alive after all.
 */
export class DataLock {
  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {}

  static acquire(path: string, command: string, warn: (message: string) => void, what: string): DataLock {
    const me: LockHolder = {pid: process.pid, host: hostname(), started: new Date().toISOString(), command};
    for (let attempt = 0; attempt < 5; attempt++) {
      if (create(path, me)) {
        held.add(path);
        return new DataLock(path, me);
      }
      const holder = readHolder(path);
      // (A lock file being written this instant reads empty: look again.)
      if (!holder) {
        if (attempt < 4) continue;
        throw new UserError(`${what} is locked by ${path}, which does not say by whom: if no stedi-gtm command is running on it, remove that file`);
      }
      const dead = holder.host === me.host && (holder.pid === process.pid ? !held.has(path) : !processAlive(holder.pid));
      if (!dead) {
        throw new UserError(
          `${what} is in use by another stedi-gtm command: pid ${holder.pid} on ${holder.host}, started ${holder.started} (${holder.command}). ` +
            `Wait for it to finish, or use another --data-dir${holder.host === me.host ? '' : `; if that process is gone, remove ${path}`}`,
        );
      }
      // Taken over: moved aside under this process's name (only one contender's rename can find it), then checked.
      const aside = `${path}.${process.pid}.stale`;
      try {
        renameSync(path, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = readHolder(aside);
      if (moved && moved.pid !== holder.pid) {
        // Another contender took over in between and this was its live lock: give it back.
        try {
          renameSync(aside, path);
        } catch {
          // (It is ours to remove then.)
          rmSync(aside, {force: true});
        }
        continue;
      }
      rmSync(aside, {force: true});
      warn(`${what} was locked by pid ${holder.pid} (${holder.command}, started ${holder.started}), which is no longer running: lock taken over`);
    }
    throw new UserError(`${what}: could not take the lock ${path} (other commands keep taking it)`);
  }

  /** Gives the lock up (only if the file is still this lock). */
  release(): void {
    held.delete(this.path);
    const now = readHolder(this.path);
    if (now && now.pid === this.holder.pid && now.started === this.holder.started) rmSync(this.path, {force: true});
  }
}

/** The holder named in a lock file, if any (merge: a shard folder still being written). */
export function lockHolder(path: string): LockHolder | undefined {
  return readHolder(path);
}
