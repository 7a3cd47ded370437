import {spawn} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

/** The project folder and its built CLI (tests that run it use dist/: build first). */
export const ROOT = process.cwd();
export const BIN = join(ROOT, 'bin', 'run.js');

/** The files of a dataset that merge must write as the unsharded run does, byte for byte. */
export const SAME_BYTES = [
  'raw/companies.csv',
  'interim/rejects.csv',
  'raw/leads.csv',
  'raw/deals.csv',
  'raw/opportunity_history.csv',
  'raw/pipeline_snapshots.csv',
  'raw/reps.csv',
  'raw/billing.csv',
  'raw/invoices.csv',
  'final/arr_movements.csv',
  'final/unified.csv',
  'interim/enrich_summary.json',
  'interim/deals_summary.json',
  'interim/billing_summary.json',
  'interim/sources.json',
  'final/report.html',
] as const;

/** The files of SAME_BYTES that differ between two data folders (missing in either counts as differing). */
export function differingFiles(a: string, b: string, files: readonly string[] = SAME_BYTES): string[] {
  return files.filter((f) => !existsSync(join(a, f)) || !existsSync(join(b, f)) || !readFileSync(join(a, f)).equals(readFileSync(join(b, f))));
}

/**
 * A folder with `stedi-gtm` (and `npx`, for `npx stedi-gtm ...`) running the built CLI, to put first on PATH: the
 * examples' commands then run as they are written.
 */
export function shimBin(dir: string): string {
  mkdirSync(dir, {recursive: true});
  const cli = `exec "${process.execPath}" "${BIN}" "$@"\n`;
  writeFileSync(join(dir, 'stedi-gtm'), `#!/bin/sh\n${cli}`);
  writeFileSync(join(dir, 'npx'), `#!/bin/sh\n[ "$1" = stedi-gtm ] || { echo "npx shim: only stedi-gtm" >&2; exit 127; }\nshift\n${cli}`);
  for (const f of ['stedi-gtm', 'npx']) chmodSync(join(dir, f), 0o755);
  return dir;
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program (not through a shell unless it is one) in `cwd` with `env` added; resolves when it exits. */
export function runAsync(argv: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((done, fail) => {
    const p = spawn(argv[0], argv.slice(1), {cwd, env: {...process.env, NODE_OPTIONS: '', ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', fail);
    p.on('close', (code) => done({code, stdout, stderr}));
  });
}
