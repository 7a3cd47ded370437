import {spawnSync, type SpawnSyncReturns} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Config} from '@oclif/core';
import {assertBuilt} from './built.js';
import {testConfig} from './oclif-config.js';

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  error?: Error;
}

/**
 * Runs an oclif command class in-process (Cmd.run(argv)) and captures what it writes to stdout and stderr,
 * and the exit code it asks for (0 when none).
 */
export async function runCli(Cmd: {run(argv?: string[], opts?: Config): Promise<unknown>}, argv: string[]): Promise<CliResult> {
  const config = await testConfig();
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stderr.write;
  let error: Error | undefined;
  process.exitCode = undefined;
  try {
    await Cmd.run(argv, config);
  } catch (e) {
    error = e as Error;
  } finally {
    // Let warnings emitted on the next tick land in this command's output, not the next test's.
    await new Promise((r) => setImmediate(r));
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
  const code = process.exitCode ?? (error ? ((error as {oclif?: {exit?: number}}).oclif?.exit ?? 1) : 0);
  process.exitCode = undefined;
  return {stdout: out.join(''), stderr: err.join(''), exitCode: Number(code), error};
}

/** A fresh temporary directory, removed by the returned cleanup function. */
/**
 * Hidden files (temporary or part files left behind) in these folders of a data dir, as folder/name. Each
 * folder must exist.
 */
export function hiddenFiles(dataDir: string, folders: readonly string[]): string[] {
  return folders.flatMap((d) =>
    readdirSync(join(dataDir, d))
      .filter((f) => f.startsWith('.'))
      .map((f) => `${d}/${f}`),
  );
}

/** The files (not folders) under dir, as paths relative to it, sorted; none when dir does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

export function tempDir(prefix = 'stedi-gtm-'): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

/** Writes a CSV in Clay's shape: every field quoted, CRLF. */
export function clayCsv(header: readonly string[], rows: ReadonlyArray<readonly string[]>, opts: {bom?: boolean; eol?: string} = {}): string {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const eol = opts.eol ?? '\r\n';
  return (opts.bom ? '\uFEFF' : '') + [header, ...rows].map((r) => r.map(q).join(',')).join(eol) + eol;
}

export const CLAY_HEADER = [
  'Find companies',
  'Name',
  'Description',
  'Primary Industry',
  'Size',
  'Type',
  'Location',
  'Country',
  'Domain',
  'LinkedIn URL',
] as const;

/**
 * Runs node on `args` (bin/run.js and its arguments, or a script) in a child process, from the project
 * folder: worker threads run compiled code, so these tests use dist/ (npm ci builds it; `npm run build` after
 * changes: a dist/ older than src/ fails, see helpers/built.ts). Jest's NODE_OPTIONS are dropped (workers would inherit them); `env` is added to the environment.
 */
export function runBuilt(args: string[], env: Record<string, string> = {}, timeoutMs?: number): SpawnSyncReturns<string> {
  assertBuilt();
  // (With a timeout, a process that does not exit is killed: status null, signal SIGTERM.)
  return spawnSync(process.execPath, args, {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: '', ...env}, timeout: timeoutMs});
}
