import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {Dataset, STATE_DIR} from '../../src/io/dataset.js';
import {UserError} from '../../src/errors.js';
import {checkDataset, MANIFEST, type Manifest} from '../../src/io/manifest.js';

export {checkDataset};
import {ManifestSchema} from '../../src/schemas/manifest.js';
import {assertBuilt, BIN} from './built.js';

/**
 * The manifest of a data folder, validated against its zod schema (ManifestSchema); undefined when the folder
 * has none. A manifest that cannot be read or does not match the schema is a UserError naming the file and the
 * key. (The commands read it without zod: see previousManifest in src/io/manifest.ts.)
 */
export async function readManifest(dataDir: string): Promise<Manifest | undefined> {
  const file = join(dataDir, MANIFEST);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: not a readable manifest (${(e as Error).message}); run the command that makes the tables again`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}; run the command that makes the tables again`);
  }
  return parsed.data;
}

export {BIN} from './built.js';
export const CONFIG = join(process.cwd(), 'config');

/** Each file of the folder's manifest with its SHA-256, after checking that every file matches it. */
export async function verifiedFiles(dataDir: string): Promise<Record<string, string>> {
  const m = await readManifest(dataDir);
  if (!m) throw new Error(`${dataDir}: no manifest`);
  expect(checkDataset(dataDir, m)).toEqual([]);
  return Object.fromEntries(Object.entries(m.files).map(([p, f]) => [p, f.sha256]));
}

/** What the next command does first on a folder: takes the lock, finishes or undoes a dead commit, sweeps; then lets go. */
export function reopen(dataDir: string): string[] {
  const said: string[] = [];
  Dataset.open(dataDir, {command: 'test', warn: (m) => said.push(m), info: (m) => said.push(m)}).discard();
  return said;
}

/** Temporary files, part files and backups left in the dataset's folders, and the state folder's leftovers. */
export function litter(dataDir: string): string[] {
  const out: string[] = [];
  for (const d of ['raw', 'interim', 'final', STATE_DIR]) {
    if (!existsSync(join(dataDir, d))) continue;
    for (const n of readdirSync(join(dataDir, d))) if (n.startsWith('.') || n === 'lock' || n === 'journal.json') out.push(`${d}/${n}`);
  }
  return out;
}

/** A child running the built CLI, its stderr collected; `line(re)` resolves when a line of stderr matches. */
export function start(args: string[], env: Record<string, string> = {}) {
  assertBuilt();
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: {...process.env, NODE_OPTIONS: '', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  const waiting: Array<{re: RegExp; resolve: (m: RegExpMatchArray) => void}> = [];
  child.stdout!.on('data', (b) => (stdout += b));
  child.stderr!.on('data', (b) => {
    stderr += b;
    for (const w of [...waiting]) {
      const m = stderr.match(w.re);
      if (m) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal})),
  );
  return {
    child,
    exited,
    get stderr() {
      return stderr;
    },
    get stdout() {
      return stdout;
    },
    /** Resolves when stderr has a line matching `re`; rejects when the process exits first. */
    line(re: RegExp): Promise<RegExpMatchArray> {
      const m = stderr.match(re);
      if (m) return Promise.resolve(m);
      return Promise.race([
        new Promise<RegExpMatchArray>((resolve) => waiting.push({re, resolve})),
        exited.then((e) => Promise.reject(new Error(`exited (${e.code ?? e.signal}) before ${re}: ${stderr}`))),
      ]);
    },
  };
}
