/**
 * Errors that name the thing: config files that cannot be loaded (alias bombs, all-zero weights), folders that
 * cannot be written (read-only, checked before any API call, the cache included) and a full disk. The folder
 * cases mount small tmpfs file systems, which needs root: without it they skip with one line (and fail under CI).
 */
import {execFileSync} from 'node:child_process';
import {appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Enrich from '../src/commands/enrich.js';
import Run from '../src/commands/run.js';
import {clayRows, startMock, type MockOpenAI} from './helpers/mock-openai.js';
import {CLAY_HEADER, clayCsv, runBuilt, runCli, tempDir} from './helpers/cli.js';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

/** A copy of the config folder. */
function config(): string {
  const dir = join(t.dir, 'config');
  cpSync(CONFIG, dir, {recursive: true});
  return dir;
}

describe('config that cannot be loaded: exit 2 naming the file and the key', () => {
  it('a YAML alias bomb', async () => {
    const dir = config();
    appendFileSync(
      join(dir, 'icp_rules.yml'),
      [
        'bomb:',
        '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        '  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
        '  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
        '  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
        '  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
        '  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
        '',
      ].join('\n'),
    );
    const line =
      readFileSync(join(dir, 'icp_rules.yml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('  c: ')) + 1;
    const data = join(t.dir, 'data');
    const r = await runCli(Enrich, ['--input', SAMPLE, '--config-dir', dir, '--provider', 'rules', '--data-dir', data, '--quiet']);
    expect([r.exitCode, r.stderr.trim()]).toEqual([
      2,
      `Error: ${join(dir, 'icp_rules.yml')}: bomb.c (line ${line}): invalid YAML: its aliases (*name) expand more than 100 times (a YAML "alias bomb"?): write the values out instead`,
    ]);
    expect(existsSync(data)).toBe(false);
  });

  it('lead-source weights that are all zero for a segment', async () => {
    const dir = config();
    const file = join(dir, 'deal_model.yml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /weight: \{smb: \d+, mid_market: (\d+), enterprise: (\d+)\}/g,
        'weight: {smb: 0, mid_market: $1, enterprise: $2}',
      ),
    );
    const r = await runCli(Run, ['--input', SAMPLE, '--config-dir', dir, '--provider', 'rules', '--data-dir', join(t.dir, 'data'), '--quiet']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `${file}: lead_sources\\.paid_search\\.weight\\.smb \\(line \\d+\\): every lead source has weight 0 for smb \\(lead_sources\\.\\*\\.weight\\.smb\\): at least one must be > 0`,
      ),
    );
  });
});

/** Mounts a tmpfs (options: e.g. 'ro' or 'size=512k') at `dir`; false (with one line saying why) when it cannot. */
function mount(dir: string, options: string): boolean {
  mkdirSync(dir, {recursive: true});
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], {stdio: 'pipe'});
    return true;
  } catch (e) {
    const why = `cannot mount a tmpfs (needs root): ${
      String((e as {stderr?: Buffer}).stderr ?? (e as Error).message)
        .trim()
        .split('\n')[0]
    }`;
    if (process.env.CI) throw new Error(why);
    console.warn(`skipped: ${why}`);
    return false;
  }
}
const unmount = (dir: string) => execFileSync('umount', [dir]);

describe('folders that cannot be written', () => {
  let mock: MockOpenAI;
  const saved = {...process.env};
  beforeAll(async () => (mock = await startMock()));
  afterAll(async () => mock.close());
  afterEach(() => (process.env = {...saved}));

  it('a new or existing data folder, and a cache folder, on a read-only file system: exit 2 naming the path, before any API call', async () => {
    const ro = join(t.dir, 'ro');
    mkdirSync(join(ro, 'existing', 'raw'), {recursive: true});
    if (!mount(ro, 'ro,size=64k')) return;
    try {
      const input = join(t.dir, 'in.csv');
      writeFileSync(input, clayCsv(CLAY_HEADER, clayRows(5)));
      const base = ['--input', input, '--config-dir', CONFIG, '--quiet'];
      let r = await runCli(Enrich, [...base, '--provider', 'rules', '--data-dir', join(ro, 'new')]);
      expect([r.exitCode, r.stderr.trim()]).toEqual([2, `Error: ${join(ro, 'new', '.stedi-gtm')}: cannot create the folder: read-only file system`]);
      // The cache, on a read-only file system, with the data folder writable: found before the first call.
      mock.reset({apiKey: 'sk-test'});
      process.env.OPENAI_API_KEY = 'sk-test';
      process.env.OPENAI_BASE_URL = mock.url;
      r = await runCli(Enrich, [...base, '--provider', 'openai', '--data-dir', join(t.dir, 'data'), '--cache-dir', join(ro, 'cache')]);
      expect([r.exitCode, r.stderr.trim()]).toEqual([2, `Error: ${join(ro, 'cache')}: cannot create the folder: read-only file system`]);
      expect(mock.requests.length).toBe(0);
    } finally {
      unmount(ro);
    }
    // An existing folder that cannot be written (mounted read-only over it).
    const data = join(t.dir, 'existing');
    mkdirSync(join(data, 'raw'), {recursive: true});
    if (!mount(join(data, 'raw'), 'ro,size=64k')) return;
    try {
      const r = await runCli(Enrich, ['--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--data-dir', data, '--quiet']);
      expect([r.exitCode, r.stderr.trim()]).toEqual([2, `Error: ${join(data, 'raw')}: cannot write: read-only file system`]);
    } finally {
      unmount(join(data, 'raw'));
    }
  });

  it('a full disk: exit 1 naming the file, what was written and what was left to write (built CLI)', () => {
    const small = join(t.dir, 'small');
    if (!mount(small, 'size=256k')) return;
    try {
      const r = runBuilt(['bin/run.js', 'run', '--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--data-dir', small, '--quiet']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^Error: ${small}/\\S+: cannot write: no space left on the device \\(\\d+\\.\\d MB written, \\d+\\.\\d MB more to write at that point; \\d+\\.\\d MB free on its device\\)\\n$`,
        ),
      );
    } finally {
      unmount(small);
    }
  });
});
