import {readdirSync, rmSync} from 'node:fs';
import {join} from 'node:path';

/*
 * Ctrl-C on a long run. The tables in place are safe (they are only ever replaced whole, by a rename), but the
 * temporary files of the tables being written would stay behind: hidden, as big as the tables (a GB at a
 * million companies), one set per interrupted run. On SIGINT, SIGTERM or SIGHUP they are removed, with the
 * tables that worker threads leave for the lead thread (.part), and the process exits as a shell expects.
 */

/** Exit codes: 128 + the signal's number. */
const SIGNALS = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;

/**
 * The hidden files of this process in a folder: temporary files, which carry its pid (`.deals.csv.<pid>.<thread>.tmp`,
 * `.report.html.<pid>.tmp`), and tables written by another thread (`.rejects.csv.part`).
 */
export function leftovers(folder: string, pid = process.pid): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const temporary = new RegExp(`^\\..+\\.${pid}(\\.\\d+)*\\.tmp$`);
  return names.filter((n) => temporary.test(n) || (n.startsWith('.') && n.endsWith('.part'))).map((n) => join(folder, n));
}

/** What the signal handlers clean up: the folders of the command running now (one at a time per process). */
let current: {folders: readonly string[]; before: () => void; after: () => void} | undefined;

/**
 * From now on, SIGINT, SIGTERM or SIGHUP runs `before` (e.g. stops the spinner), removes this process's
 * leftovers from `folders`, runs `after` (e.g. gives up the data folder's lock) and exits with 128 + the
 * signal's number. (The handlers are installed once per process; a later call replaces what they clean up.)
 * A dataset's commit is synchronous (see io/dataset.ts): a handler never runs in the middle of one.
 */
export function cleanUpOnSignals(folders: readonly string[], before: () => void, after: () => void = () => {}): void {
  if (!current) {
    for (const [signal, code] of Object.entries(SIGNALS)) {
      process.on(signal, () => {
        try {
          current?.before();
        } catch {
          // (The spinner's stream may be closed: the clean-up goes on.)
        }
        for (const folder of current?.folders ?? []) for (const path of leftovers(folder)) rmSync(path, {force: true});
        current?.after();
        process.exit(code);
      });
    }
  }
  current = {folders, before, after};
}
