import {existsSync, lstatSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {basename, dirname, join, relative, sep} from 'node:path';
import {displayPath} from '../core/display-path.js';
import {shellWord} from '../core/strings.js';
import {FatalError, fileSystemError, UserError} from '../errors.js';
import {writeFileAtomic} from './atomic.js';
import {knownExtensions} from './formats/index.js';
import {DataLock} from './lock.js';
import {DATASET_TABLES} from './paths.js';
import {apply, backupName, fault, JOURNAL, LOCK, recover, STAT_CACHE, STATE_DIR, sweep, undo, type Journal, type JournalEntry} from './journal.js';
import {
  datasetFiles,
  describeFile,
  MANIFEST,
  previousManifest,
  type FileFacts,
  type Manifest,
  type ManifestFile,
  type ManifestRun,
} from './manifest.js';

export {STATE_DIR} from './journal.js';

/*
 * A data folder holds one whole dataset: the commit.
 *
 * Every command that writes into a data folder takes its lock (one command at a time), then writes each new
 * file to a hidden temporary file next to its place (`.deals.csv.<pid>.<thread>.<n>.tmp`), as before. Files are
 * not renamed into place when written: they are staged here. At the end, commit() writes the manifest (last),
 * then a journal (.stedi-gtm/journal.json, written whole by a rename) listing every rename to do, then does
 * them: each old file is first moved aside to a backup name, then the new one is renamed into place. Once all
 * are done the journal is removed (that is the commit point), then the backups.
 *
 * - Killed (kill -9, a crash) before the journal is in place: nothing was changed; the next command that takes
 *   the lock removes the temporary files of dead runs.
 * - Killed while the journal is in place: the next command that takes the lock finishes the renames (every new
 *   file was whole before the journal was written: rolled forward), or, if a rename cannot be done, moves every
 *   backup back (rolled back). Either way the folder then holds one whole dataset.
 * - A rename that fails during the commit (a folder in the way, an I/O error): the renames done are undone at
 *   once, and the command fails with the old dataset in place.
 * - A full disk fails while the files are written, before the commit: renames need no space.
 * A file `export` wrote into the folder (a DuckDB database, Parquet copies: listed in the manifest, its run's
 * `reads` the tables it was made from) is removed by the first commit after which one of those tables is not as
 * it read it (changed, or gone): a database in the folder never describes another dataset than the folder's.
 * The renames and the journal are not fsynced: the guarantee holds against crashes of the process, not of the
 * machine (power loss). No table is ever copied: a commit of gigabytes is a few renames.
 */

/** Paths relative to the data folder, with `/`. */
const rel = (root: string, path: string) => relative(root, path).split(sep).join('/');

/** What a command that commits says about itself (see ManifestRun; `reads`: the files of the folder it read). */
export type RunInfo = Omit<ManifestRun, 'reads'> & {reads: readonly string[]};

interface StatEntry extends FileFacts {
  size: string;
  mtime: string;
  ino: string;
}

const statKey = (path: string) => {
  const s = statSync(path, {bigint: true});
  return {size: String(s.size), mtime: String(s.mtimeNs), ino: String(s.ino)};
};

/** The open dataset of this thread (at most one: one command at a time). */
let active: Dataset | undefined;

/** The dataset a file written at `target` belongs to, if a command has one open and the file is inside it. */
export function stagingFor(target: string): Dataset | undefined {
  return active && target.startsWith(active.root + sep) ? active : undefined;
}

/** The SHA-256 of the file this command staged at `target`, when known from its writing (no need to read it again). */
export function stagedSha256(target: string): string | undefined {
  return stagingFor(target)?.factsOf(target)?.sha256;
}

/** `paths` as a later stage of the running command reads them (see Dataset.readable); as they are when no dataset is open. */
export function readablePaths<P extends object>(paths: P): P {
  return active ? active.readable(paths) : paths;
}

export class Dataset {
  private readonly staged = new Map<string, {tmp: string; facts?: FileFacts}>();
  /** Set while a journal of this process is in place (a commit that could be neither finished nor undone). */
  private journalLeft = false;
  private closed = false;
  private readonly state: string;

  private constructor(
    readonly root: string,
    private readonly lock: DataLock,
    private readonly createdRoot: boolean,
    private readonly info: (m: string) => void,
  ) {
    this.state = join(root, STATE_DIR);
  }

  /**
   * Takes the data folder's lock (creating the folder), finishes or undoes a commit a dead command left, removes
   * the temporary files of dead commands, and opens the dataset: from now on, files this thread commits inside
   * the folder are staged for commit().
   */
  static open(root: string, opts: {command: string; warn: (m: string) => void; info: (m: string) => void; what?: string}): Dataset {
    if (active && !active.closed) throw new Error(`a dataset is already open (${active.root})`);
    const what = opts.what ?? `the data folder ${root}`;
    const createdRoot = !existsSync(root);
    mkdirSync(join(root, STATE_DIR), {recursive: true});
    const lock = DataLock.acquire(join(root, STATE_DIR, LOCK), opts.command, opts.warn, what);
    const d = new Dataset(root, lock, createdRoot, opts.info);
    try {
      fault('locked');
      const recovered = recover(root);
      if (recovered) opts.warn(`${what}: finished the commit of a command that was stopped during it (pid ${recovered.pid}; ${recovered.how})`);
      const swept = sweep(root);
      if (swept.files > 0) opts.info(`Removed ${swept.files} temporary file(s) (${formatBytes(swept.bytes)}) left by stopped commands in ${what}`);
    } catch (e) {
      d.discard();
      throw e;
    }
    active = d;
    return d;
  }

  /** A file written whole at `tmp`, to be put at `target` by commit(). (A file staged again replaces the first.) */
  stage(tmp: string, target: string, facts?: FileFacts): void {
    if (this.closed) throw new Error(`${target}: the dataset of ${this.root} is closed`);
    const before = this.staged.get(target);
    if (before && before.tmp !== tmp) rmSync(before.tmp, {force: true});
    this.staged.delete(target);
    this.staged.set(target, {tmp, facts});
  }

  /** The facts of the file staged at `target`, when its writer gave them. */
  factsOf(target: string): FileFacts | undefined {
    return this.staged.get(target)?.facts;
  }

  /**
   * `paths` with each file staged here replaced by its temporary file: where a later stage of the same command
   * reads what an earlier one wrote (it is not in place before the commit).
   */
  readable<P extends object>(paths: P): P {
    const out = {...paths} as Record<string, unknown>;
    for (const [k, v] of Object.entries(out)) {
      const s = typeof v === 'string' ? this.staged.get(v) : undefined;
      if (s) out[k] = s.tmp;
    }
    return out as P;
  }

  /** Whether anything is staged. */
  get pending(): boolean {
    return this.staged.size > 0;
  }

  /**
   * Writes the manifest and puts every staged file in place, all together (see the top of this file). Throws
   * with the old dataset in place when the commit cannot be done.
   */
  commit(run: RunInfo): Manifest {
    fault('staged');
    const twinsOf = this.staleTwins();
    const twins = [...twinsOf.keys()];
    // (Said once the commit is done: what went, why, and how to keep both formats.)
    const twinsNote = twins.length > 0 ? describeTwins(this.root, twinsOf) : undefined;
    const {manifest, stats, staleExports, staleRuns} = this.describe(run, new Set(twins.map((f) => rel(this.root, f))));
    const removed = [...twins, ...staleExports.map((r) => join(this.root, r))];
    const manifestTmp = join(this.state, `.${MANIFEST}.${process.pid}.tmp`);
    const statTmp = join(this.state, `.${STAT_CACHE}.${process.pid}.tmp`);
    // The cache of facts, then the manifest: the last two renames. (Staged before they are written: a full disk
    // then leaves no part of them behind, see discard.)
    this.stage(statTmp, join(this.state, STAT_CACHE));
    this.stage(manifestTmp, join(this.root, MANIFEST));
    writeFileSync(statTmp, `${JSON.stringify(stats)}\n`);
    writeFileSync(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`);
    const entries: JournalEntry[] = [];
    for (const [target, s] of this.staged) {
      const st = lstatOrUndefined(target);
      if (st && !st.isFile()) {
        throw new UserError(
          `${target} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}: the new ${basename(target)} cannot be put there. Nothing was changed: ${this.root} holds the dataset it held before. Move it out of the way and run again`,
        );
      }
      entries.push({
        tmp: rel(this.root, s.tmp),
        target: rel(this.root, target),
        backup: rel(this.root, backupName(target)),
        existed: st !== undefined,
      });
    }
    for (const target of removed)
      entries.push({tmp: '', target: rel(this.root, target), backup: rel(this.root, backupName(target)), existed: true, remove: true});
    const journal: Journal = {pid: process.pid, entries};
    writeFileAtomic(join(this.state, JOURNAL), JSON.stringify(journal));
    this.journalLeft = true;
    fault('journal');
    try {
      apply(this.root, entries, {counter: {n: 0}});
    } catch (e) {
      try {
        undo(this.root, entries);
        rmSync(join(this.state, JOURNAL));
        this.journalLeft = false;
      } catch (undoError) {
        throw new FatalError(
          `${this.root}: the commit failed (${(e as Error).message}) and could not be undone (${(undoError as Error).message}); the next stedi-gtm command on this folder finishes or undoes it`,
        );
      }
      for (const s of this.staged.values()) rmSync(s.tmp, {force: true});
      this.staged.clear();
      const known = fileSystemError(e);
      const message = `${known?.message ?? (e as Error).message}. Nothing was changed: ${this.root} holds the dataset it held before`;
      throw known instanceof UserError ? new UserError(message) : new FatalError(message);
    }
    fault('renamed');
    rmSync(join(this.state, JOURNAL));
    this.journalLeft = false;
    fault('committed');
    for (const e of entries) if (e.existed) rmSync(join(this.root, e.backup), {force: true});
    this.staged.clear();
    if (twinsNote) this.info(twinsNote);
    if (staleExports.length > 0) {
      this.info(
        `Removed ${describeRemoved(staleExports)}: ${staleRuns.map((r) => `\`${this.exportCommand(r)}\``).join(' and ')} made ${staleExports.length > 1 ? 'them' : 'it'} from tables this command changed (${staleExports.length > 1 ? 'they' : 'it'} described the dataset before); export again for this one`,
      );
      // A folder of Parquet copies left empty goes too (not the dataset's own folders).
      for (const dir of new Set(staleExports.map((r) => dirname(r))))
        if (!['.', 'raw', 'interim', 'final'].includes(dir))
          try {
            rmdirSync(join(this.root, dir));
          } catch {
            // Not empty, or not there.
          }
    }
    return manifest;
  }

  /**
   * The command line of an export (`run`: its record, `files`: what it wrote here) that makes it again, its paths
   * as the user would type them (relative to the working directory when below it; the hint adds --data-dir).
   */
  private exportCommand({run, files}: {run: ManifestRun; files: readonly string[]}): string {
    // (A manifest of an earlier version has no record of the targets: they are read off the files it wrote.)
    const exported = run.exported ?? {
      duckdb: files.find((f) => !f.endsWith('.parquet')),
      parquet: files.find((f) => f.endsWith('.parquet'))?.replace(/\/[^/]*$/, ''),
    };
    const arg = (r: string) => shellWord(displayPath(join(this.root, r), process.cwd()));
    return [
      'stedi-gtm export',
      ...(exported.duckdb === undefined ? [] : [`--duckdb ${arg(exported.duckdb)}`]),
      ...(exported.parquet === undefined ? [] : [`--parquet ${arg(exported.parquet)}`]),
    ].join(' ');
  }

  /**
   * The tables staged here as they are in another format, left by an earlier run (`run --format parquet` in a
   * folder of CSVs): the commit removes them, so the folder never holds two runs' tables.
   */
  private staleTwins(): Map<string, string> {
    const extensions = knownExtensions();
    // (Each twin with the table staged in its place.)
    const out = new Map<string, string>();
    for (const target of this.staged.keys()) {
      const ext = extensions.find((e) => target.endsWith(e));
      const stem = ext && target.slice(0, -ext.length);
      if (!stem || !DATASET_TABLES.some((t) => stem === join(this.root, t.dir, t.name))) continue;
      for (const other of extensions) {
        const twin = stem + other;
        if (other !== ext && !this.staged.has(twin) && lstatOrUndefined(twin)?.isFile()) out.set(twin, target);
      }
    }
    return out;
  }

  /** The manifest of the folder as it will be after the commit, and the cache of file facts. */
  private describe(
    run: RunInfo,
    removed: ReadonlySet<string>,
  ): {manifest: Manifest; stats: Record<string, StatEntry>; staleExports: string[]; staleRuns: Array<{run: ManifestRun; files: string[]}>} {
    const DATASET_FILES = datasetFiles();
    const prev = previousManifest(this.root);
    const cache = readStatCache(join(this.state, STAT_CACHE));
    const files: Record<string, ManifestFile> = {};
    const stats: Record<string, StatEntry> = {};
    const staged = new Set<string>();
    for (const [target, s] of this.staged) {
      const r = rel(this.root, target);
      staged.add(r);
      const facts = s.facts ?? describeFile(s.tmp, target);
      files[r] = {...facts, run: 0};
      stats[r] = {...facts, ...statKey(s.tmp)};
    }
    // The files left as they are: facts from the cache when the file is unchanged since, else read again.
    const earlier: number[] = [];
    const others = [...new Set([...DATASET_FILES, ...Object.keys(prev?.files ?? {})])].filter(
      (r) => !staged.has(r) && !removed.has(r) && r !== MANIFEST,
    );
    const kept: string[] = [];
    for (const r of others) {
      const abs = join(this.root, r);
      const st = lstatOrUndefined(abs);
      if (!st?.isFile()) continue;
      const key = statKey(abs);
      const c = cache[r];
      const facts: FileFacts =
        c && c.size === key.size && c.mtime === key.mtime && c.ino === key.ino ? {rows: c.rows, bytes: c.bytes, sha256: c.sha256} : describeFile(abs);
      files[r] = {...facts, run: null};
      stats[r] = {...facts, ...key};
      kept.push(r);
    }
    const writer = (r: string) => {
      const p = prev?.files[r];
      return p && p.sha256 === files[r].sha256 && typeof p.run === 'number' && prev!.runs[p.run] ? p.run : null;
    };
    // What `export` wrote into the folder (a DuckDB database, Parquet copies) goes when a file it was made from
    // changed or went: it would describe the dataset before.
    const staleExports = kept.filter((r) => {
      const w = writer(r);
      return w !== null && staleExport(prev!.runs[w], files);
    });
    // (The export runs removed, each with its files: the message says how to make each again.)
    const staleRuns = new Map<number, string[]>();
    for (const r of staleExports) {
      const w = writer(r)!;
      staleRuns.set(w, [...(staleRuns.get(w) ?? []), r]);
    }
    for (const r of staleExports) {
      delete files[r];
      delete stats[r];
    }
    for (const r of kept) {
      const w = files[r] ? writer(r) : null;
      if (w === null) continue;
      if (!earlier.includes(w)) earlier.push(w);
      files[r].run = w;
    }
    // Earlier runs, latest first as they were, renumbered after this one.
    earlier.sort((a, b) => a - b);
    const renumber = new Map(earlier.map((old, k) => [old, k + 1]));
    for (const [r, f] of Object.entries(files)) if (!staged.has(r) && f.run !== null) f.run = renumber.get(f.run)!;
    const reads = Object.fromEntries(run.reads.filter((r) => files[r] && !staged.has(r)).map((r) => [r, files[r].sha256]));
    const order = (r: string) => {
      const k = (DATASET_FILES as readonly string[]).indexOf(r);
      return k === -1 ? DATASET_FILES.length : k;
    };
    const sorted = Object.keys(files).sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
    const manifest: Manifest = {
      manifest: 1,
      runs: [{...run, reads}, ...earlier.map((k) => prev!.runs[k])],
      files: Object.fromEntries(sorted.map((r) => [r, files[r]])),
    };
    return {manifest, stats, staleExports, staleRuns: [...staleRuns].sort(([a], [b]) => a - b).map(([w, fs]) => ({run: prev!.runs[w], files: fs}))};
  }

  /**
   * Ends the command's use of the folder: staged files not committed are removed (the folder keeps its
   * dataset), the lock is given up, and a folder this command created and left empty is removed.
   */
  discard(): void {
    if (this.closed) return;
    this.closed = true;
    if (active === this) active = undefined;
    if (!this.journalLeft) {
      for (const s of this.staged.values()) rmSync(s.tmp, {force: true});
      this.staged.clear();
    }
    this.lock.release();
    if (this.createdRoot) {
      // Only what is empty goes (rmdir refuses the rest): a failed first command leaves no empty folders behind.
      for (const d of [STATE_DIR, 'raw', 'interim', 'final', '']) {
        try {
          rmdirSync(join(this.root, d));
        } catch {
          // Not empty, or not there.
        }
      }
    }
  }
}

/**
 * Whether `run` is an `export` one of whose files read (its `reads`, with their SHA-256) is not as it read it in
 * `files` (the folder as the commit leaves it): changed, or gone. (What other commands wrote stays: the manifest
 * says which run wrote each file.)
 */
export function staleExport(run: ManifestRun, files: Readonly<Record<string, {sha256: string}>>): boolean {
  return run.command === 'export' && Object.entries(run.reads).some(([r, sha]) => files[r]?.sha256 !== sha);
}

/** Files removed, those of one folder (several Parquet copies) as the folder: `final/gtm.duckdb, parquet/ (11 files)`. */
function describeRemoved(files: readonly string[]): string {
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), f]);
  return [...byDir].flatMap(([dir, fs]) => (fs.length > 1 ? [`${dir}/ (${fs.length} files)`] : fs)).join(', ');
}

/** A format's name as the messages say it, by its extension (`.parquet`: Parquet). */
const formatName = (file: string): string => {
  const ext = file.slice(file.lastIndexOf('.') + 1);
  return ext === 'csv' ? 'CSV' : ext.charAt(0).toUpperCase() + ext.slice(1);
};

/**
 * What the commit says of the twins it removes (see staleTwins): the tables this command wrote in one format had
 * copies in another, which would no longer match them; --format csv,parquet writes both.
 */
function describeTwins(root: string, twinsOf: ReadonlyMap<string, string>): string {
  const names = (files: Iterable<string>) => [...new Set([...files].map(formatName))].join(' and ');
  const twins = [...twinsOf.keys()];
  const one = twins.length === 1;
  const written = names(twinsOf.values());
  return (
    `Removed ${one ? 'the' : twins.length} ${names(twins)} cop${one ? 'y' : 'ies'} of the table${one ? '' : 's'} this command wrote as ${written} only ` +
    `(${twins.map((t) => rel(root, t)).join(', ')}): ${one ? 'it' : 'they'} would no longer match the new table${one ? '' : 's'}. To keep both formats, give \`--format csv,parquet\``
  );
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function readStatCache(path: string): Record<string, StatEntry> {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as Record<string, StatEntry>;
    return typeof c === 'object' && c !== null ? c : {};
  } catch {
    return {};
  }
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`;
}
