import {mkdirSync, utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {distIsStale, runsBuiltCli} from './helpers/built.js';
import {tempDir} from './helpers/cli.js';

/** The check that tests of the built CLI run first (helpers/built.ts), on a made-up project folder. */
describe('a dist/ older than src/', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
    for (const d of ['src/io', 'dist/io']) mkdirSync(join(t.dir, d), {recursive: true});
    for (const f of ['src/a.ts', 'src/io/b.ts', 'src/types.d.ts', 'dist/a.js', 'dist/io/b.js']) writeFileSync(join(t.dir, f), '');
    const at = (f: string, s: number) => utimesSync(join(t.dir, f), s, s);
    at('src/a.ts', 1000);
    at('src/io/b.ts', 1000);
    at('dist/a.js', 2000);
    at('dist/io/b.js', 2000);
  });
  afterEach(() => t.cleanup());

  it('is found when a source changed after the build, or was never compiled; not otherwise', () => {
    expect(distIsStale(t.dir)).toBeUndefined();
    utimesSync(join(t.dir, 'src/io/b.ts'), 3000, 3000);
    expect(distIsStale(t.dir)).toBe('src/io/b.ts changed after dist/ was built');
    utimesSync(join(t.dir, 'src/io/b.ts'), 1000, 1000);
    writeFileSync(join(t.dir, 'src/c.ts'), '');
    expect(distIsStale(t.dir)).toBe('dist/c.js is missing');
  });

  it('is checked for the test files that run the built CLI', () => {
    expect(runsBuiltCli("runBuilt(['bin/run.js', 'run'])")).toBe(true);
    expect(runsBuiltCli("spawn(process.execPath, [BIN, 'run'])")).toBe(true);
    expect(runsBuiltCli("join(process.cwd(), 'dist', 'parallel', 'company-worker.js')")).toBe(true);
    expect(runsBuiltCli("import Enrich from '../src/commands/enrich.js';")).toBe(false);
  });
});
