import {spawn, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import ts from 'typescript';
import {CLAY_HEADER, clayCsv, tempDir} from './helpers/cli.js';
import {clayRows, startMock, type MockOpenAI} from './helpers/mock-openai.js';

/**
 * kill -9 resume: the real CLI (bin/run.js + the compiled commands) is killed with SIGKILL while it is
 * enriching against the mock server, run again, killed again, and finally run to the end. Its output must
 * be byte-identical to an uninterrupted run's, and the reruns must ask only for what is not cached.
 *
 * The CLI is compiled into a private folder (file by file with TypeScript's transpiler, keyed by a hash of
 * the sources), so this test neither depends on nor disturbs the shared dist/ folder.
 */
const ROOT = process.cwd();
const KEY = 'sk-test-resume-9f8e7d6c5b4a';
const N = 40;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts'))
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

/** Compiles src/ into <tmp>/stedi-gtm-cli-<hash>/ (once per version of the sources) and returns that folder. */
function buildCli(): string {
  const files = sourceFiles(join(ROOT, 'src'));
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(f));
  hash.update(readFileSync(join(ROOT, 'package.json')));
  const dir = join(tmpdir(), `stedi-gtm-cli-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'ready'))) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, {recursive: true, force: true});
  for (const f of files) {
    const out = join(tmp, 'dist', relative(join(ROOT, 'src'), f)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), {recursive: true});
    const js = ts.transpileModule(readFileSync(f, 'utf8'), {
      compilerOptions: {module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true},
      fileName: f,
    });
    writeFileSync(out, js.outputText);
  }
  mkdirSync(join(tmp, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'run.js'), join(tmp, 'bin', 'run.js'));
  // The package's own oclif setup, but with only the enrich command and no plugins, so start-up stays short.
  const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  pjson.oclif = {...pjson.oclif, commands: './commands', plugins: []};
  writeFileSync(join(tmp, 'package.json'), JSON.stringify(pjson));
  mkdirSync(join(tmp, 'commands'));
  writeFileSync(join(tmp, 'commands', 'enrich.js'), "export {default} from '../dist/commands/enrich.js';\n");
  symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  writeFileSync(join(tmp, 'ready'), '');
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, {recursive: true, force: true}); // another run built it at the same time
  }
  // Builds of older sources, unused for an hour, go.
  for (const d of readdirSync(tmpdir())) {
    const old = join(tmpdir(), d);
    if (/^stedi-gtm-cli-[0-9a-f]{16}$/.test(d) && old !== dir && Date.now() - statSync(old).mtimeMs > 3_600_000) rmSync(old, {recursive: true, force: true});
  }
  return dir;
}

let cli: string;
let mock: MockOpenAI;
let t: ReturnType<typeof tempDir>;

beforeAll(async () => {
  cli = buildCli();
  mock = await startMock({apiKey: KEY, latencyMs: 25});
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  t = tempDir('stedi-gtm-resume-');
});
afterEach(() => t.cleanup());

function start(dataDir: string, input: string): ChildProcess {
  return spawn(process.execPath, [join(cli, 'bin', 'run.js'), 'enrich', '--provider', 'openai', '--input', input, '--data-dir', dataDir, '--config-dir', join(ROOT, 'config'), '--concurrency', '4', '--quiet'], {
    cwd: t.dir,
    env: {PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.url},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}> {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({code, signal, stderr})));
}

const entries = (cacheDir: string) =>
  existsSync(cacheDir) ? readdirSync(cacheDir, {recursive: true, withFileTypes: true}).filter((d) => d.isFile() && d.name.endsWith('.json')).length : 0;

/** Starts the CLI and kills it with SIGKILL once the cache holds at least `atLeast` entries. */
async function runAndKill(dataDir: string, input: string, atLeast: number): Promise<number> {
  const child = start(dataDir, input);
  const done = exited(child);
  const cacheDir = join(dataDir, 'interim', 'enrich_cache');
  for (;;) {
    if (entries(cacheDir) >= atLeast) break;
    const finished = await Promise.race([done.then(() => true), new Promise((r) => setTimeout(() => r(false), 5))]);
    if (finished) throw new Error(`the CLI ended before it could be killed: ${(await done).stderr}`);
  }
  child.kill('SIGKILL');
  const r = await done;
  expect(r.signal).toBe('SIGKILL');
  return entries(cacheDir);
}

it('resumes after kill -9 and ends with the same output as an uninterrupted run', async () => {
  const input = join(t.dir, 'in.csv');
  writeFileSync(input, clayCsv(CLAY_HEADER, clayRows(N, 'Resumeco')));

  const whole = join(t.dir, 'whole');
  const w = await exited(start(whole, input));
  expect(w).toMatchObject({code: 0, stderr: ''});
  expect(mock.requests).toHaveLength(N);

  const killed = join(t.dir, 'killed');
  mock.reset({apiKey: KEY, latencyMs: 25});
  const first = await runAndKill(killed, input, 6);
  expect(first).toBeLessThan(N);
  expect(existsSync(join(killed, 'raw', 'companies.csv'))).toBe(false);

  let before = mock.requests.length;
  const second = await runAndKill(killed, input, first + 8);
  expect(second).toBeLessThan(N);
  // The second run asked only for companies the first had not cached.
  const askedTwice = (name: string) => mock.requests.filter((r) => r.company === name).length;
  const secondRun = mock.requests.slice(before);
  expect(secondRun.length).toBeGreaterThanOrEqual(second - first);

  before = mock.requests.length;
  const last = await exited(start(killed, input));
  expect(last).toMatchObject({code: 0, stderr: ''});
  expect(mock.requests.length - before).toBe(N - second);
  expect(entries(join(killed, 'interim', 'enrich_cache'))).toBe(N);
  // No company was answered twice except those in flight at a kill (at most 4 per kill).
  const repeated = [...new Set(mock.requests.map((r) => r.company))].filter((c) => askedTwice(c) > 1);
  expect(repeated.length).toBeLessThanOrEqual(8);

  for (const f of ['raw/companies.csv', 'interim/rejects.csv']) {
    expect(readFileSync(join(killed, f)).equals(readFileSync(join(whole, f)))).toBe(true);
  }
});
