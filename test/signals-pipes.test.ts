import {spawn, spawnSync} from 'node:child_process';
import {cpSync, existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {tempDir} from './helpers/cli.js';
import {BIN, CONFIG, litter, verifiedFiles} from './helpers/dataset.js';

/**
 * Ctrl-C on a terminal while the spinner runs, and a closed stdout or stderr (built CLI: `npm run build` after
 * changes).
 */
const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const sh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

let t: ReturnType<typeof tempDir>;
let old: string;
let oldFiles: Record<string, string>;
let input: string;

beforeAll(async () => {
  t = tempDir();
  old = join(t.dir, 'old');
  const r = spawnSync(
    process.execPath,
    [BIN, 'run', '--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--data-dir', old, '--seed', '7', '--quiet'],
    {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}},
  );
  expect([r.status, r.stderr]).toEqual([0, '']);
  oldFiles = await verifiedFiles(old);
  input = join(t.dir, 'clay.csv');
  expect(spawnSync(process.execPath, ['bench/synth.mjs', '--rows', '60000', '--out', input]).status).toBe(0);
});
afterAll(() => t.cleanup());

const copyOfOld = (name: string) => {
  const dir = join(t.dir, name);
  cpSync(old, dir, {recursive: true});
  return dir;
};

describe('Ctrl-C on a terminal', () => {
  const script = spawnSync('script', ['--version']).status === 0;
  const why = script ? undefined : 'no `script` (util-linux) to make a pseudo-terminal';
  if (why && process.env.CI) it('needs `script` under CI', () => expect(why).toBeUndefined());
  (why ? it.skip : it)(
    `while the spinner runs: exit 130 at once, no temporary file, the old dataset whole${why ? ` (skipped: ${why})` : ''}`,
    async () => {
      const dir = copyOfOld('ctrl-c');
      // A terminal with a width (else plain lines, no spinner), and no CI variable (ora shows no spinner under CI).
      const cmd = `stty cols 120 rows 40; exec ${sh(process.execPath)} ${sh(BIN)} run --input ${sh(input)} --config-dir ${sh(CONFIG)} --provider rules --data-dir ${sh(dir)} --seed 42`;
      const env: Record<string, string | undefined> = {...process.env, NODE_OPTIONS: '', TERM: 'xterm', STEDI_GTM_WORKERS: '0'};
      delete env.CI;
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']});
      let screen = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // As soon as the spinner shows the second pass (a frame and its counts), press Ctrl-C.
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b) => {
          screen += b;
          if (/Enriching with rules: [\d,]+\//.test(screen)) resolve();
        });
        void exited.then(() => reject(new Error(`exited before the spinner showed: ${screen}`)));
      });
      child.stdin.write('\x03');
      expect(await exited).toBe(130);
      expect(screen).not.toMatch(/Unified \d+ rows/);
      expect(await verifiedFiles(dir)).toEqual(oldFiles);
      expect(litter(dir)).toEqual([]);
    },
  );
});

describe('a closed stdout or stderr', () => {
  it('`run 2>&1 >/dev/null | head -1`: the run goes on to the end, exit 0, the dataset committed whole', async () => {
    const dir = copyOfOld('epipe-stderr');
    // Progress lines on stderr: head takes the first and leaves; the next write finds the pipe closed.
    const cmd = `${sh(process.execPath)} ${sh(BIN)} run --input ${sh(SAMPLE)} --config-dir ${sh(CONFIG)} --provider rules --data-dir ${sh(dir)} --seed 42 2>&1 >/dev/null | head -1; echo "status \${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', cmd], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}});
    expect(r.stderr.trim()).toBe('status 0');
    const files = await verifiedFiles(dir);
    expect(files['raw/deals.csv']).not.toBe(oldFiles['raw/deals.csv']);
    expect(JSON.parse(readFileSync(join(dir, 'interim', 'deals_summary.json'), 'utf8')).seed).toBe(42);
    expect(litter(dir)).toEqual([]);
  });

  it('`run --json | true`: exit 0, the dataset committed whole, and stderr says the result was not printed', async () => {
    const dir = copyOfOld('epipe-stdout');
    const cmd = `${sh(process.execPath)} ${sh(BIN)} run --input ${sh(SAMPLE)} --config-dir ${sh(CONFIG)} --provider rules --data-dir ${sh(dir)} --seed 42 --json | true; echo "status \${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', cmd], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}});
    expect(r.stdout.trim()).toBe('status 0');
    expect(r.stderr).toContain('warning: stdout was closed: the result was not printed in full');
    expect(JSON.parse(readFileSync(join(dir, 'interim', 'deals_summary.json'), 'utf8')).seed).toBe(42);
    await verifiedFiles(dir);
    expect(existsSync(join(dir, '.stedi-gtm', 'lock'))).toBe(false);
  });

  it('a failing run with stderr closed says why on stdout (exit 2)', () => {
    const dir = copyOfOld('epipe-fail');
    const cmd = `${sh(process.execPath)} ${sh(BIN)} run --input ${sh(join(t.dir, 'missing.csv'))} --config-dir ${sh(CONFIG)} --provider rules --data-dir ${sh(dir)} 2>&1 1>&3 | true; echo "status \${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', `{ ${cmd}; } 3>&1`], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}});
    expect(r.stdout).toContain(`Error: ${join(t.dir, 'missing.csv')}: cannot read input file (no such file)`);
    expect(r.stdout).toContain('status 2');
  });
});
