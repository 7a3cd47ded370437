import {existsSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';

/**
 * The built CLI. Tests that run it (bin/run.js, or a script or worker under dist/) test the compiled code, not
 * the sources: after a change to src/ without `npm run build` they would pass or fail on the old code. So they
 * check first that every source under src/ is compiled into dist/ and not newer than its output, and fail with
 * what to do when it is (see assertBuilt; test/setup.ts does it for every file that runs the built CLI).
 */
export const ROOT = process.cwd();
export const BIN = join(ROOT, 'bin', 'run.js');

/** Why dist/ does not match src/ (a source newer than its output, or one not compiled), or undefined when it does. */
export function distIsStale(root = ROOT): string | undefined {
  const src = join(root, 'src');
  for (const f of readdirSync(src, {recursive: true, encoding: 'utf8'})) {
    if (!f.endsWith('.ts') || f.endsWith('.d.ts')) continue;
    const out = join(root, 'dist', f.replace(/\.ts$/, '.js'));
    if (!existsSync(out)) return `dist/${f.replace(/\.ts$/, '.js')} is missing`;
    if (statSync(join(src, f)).mtimeMs > statSync(out).mtimeMs) return `src/${f} changed after dist/ was built`;
  }
  return undefined;
}

let checked: string | undefined | null = null;

/** Throws "dist/ is older than src/ ...: run npm run build" when distIsStale says so (checked once per test file). */
export function assertBuilt(): void {
  if (checked === null) checked = distIsStale();
  if (checked !== undefined) throw new Error(`dist/ is older than src/ (${checked}): run npm run build`);
}

/** Whether a test file's source runs the built CLI (bin/run.js, runBuilt, BIN, or code under dist/). */
export function runsBuiltCli(source: string): boolean {
  return /bin\/run\.js|'bin', 'run\.js'|\brunBuilt\b|\bBIN\b|'dist'|\/dist\//.test(source);
}
