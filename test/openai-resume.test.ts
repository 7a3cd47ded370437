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
const CONCURRENCY = 4;

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
    if (/^stedi-gtm-cli-[0-9a-f]{16}$/.test(d) && old !== dir && Date.now() - statSync(old).mtimeMs > 3_600_000)
      rmSync(old, {recursive: true, force: true});
  }
  return dir;
}

let cli: string;
let mock: MockOpenAI;
let t: ReturnType<typeof tempDir>;

beforeAll(async () => {
  cli = buildCli();
  mock = await startMock({apiKey: KEY});
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  t = tempDir('stedi-gtm-resume-');
});
afterEach(() => t.cleanup());

function start(dataDir: string, input: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      join(cli, 'bin', 'run.js'),
      'enrich',
      '--provider',
      'openai',
      '--input',
      input,
      '--data-dir',
      dataDir,
      '--config-dir',
      join(ROOT, 'config'),
      '--concurrency',
      String(CONCURRENCY),
      '--quiet',
    ],
    {
      cwd: t.dir,
      env: {PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.url},
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function exited(child: ChildProcess): Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}> {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({code, signal, stderr})));
}

const entries = (cacheDir: string) =>
  existsSync(cacheDir)
    ? readdirSync(cacheDir, {recursive: true, withFileTypes: true}).filter((d) => d.isFile() && d.name.endsWith('.json')).length
    : 0;

/**
 * Starts the CLI with the mock answering the next `answered` requests and holding every later one; kills it
 * with SIGKILL once all its CONCURRENCY requests in flight are held. The run enriches one company per request
 * slot at a time and caches an answer before its slot asks again, so at that moment exactly the `answered`
 * companies are cached. Returns the companies answered (those requests' companies).
 */
async function runAndKill(dataDir: string, input: string, answered: number): Promise<string[]> {
  mock.reset({apiKey: KEY, faultFromCall: {from: answered + 1, fault: {kind: 'hang'}}});
  const child = start(dataDir, input);
  const done = exited(child);
  const held = mock.waitForRequests(answered + CONCURRENCY).then(() => true);
  if (!(await Promise.race([held, done.then(() => false)]))) throw new Error(`the CLI ended before it could be killed: ${(await done).stderr}`);
  child.kill('SIGKILL');
  const r = await done;
  expect(r.signal).toBe('SIGKILL');
  return mock.requests.slice(0, answered).map((q) => q.company);
}

it('resumes after kill -9 and ends with the same output as an uninterrupted run', async () => {
  const input = join(t.dir, 'in.csv');
  writeFileSync(input, clayCsv(CLAY_HEADER, clayRows(N, 'Resumeco')));

  const whole = join(t.dir, 'whole');
  const w = await exited(start(whole, input));
  expect(w).toMatchObject({code: 0, stderr: ''});
  expect(mock.requests).toHaveLength(N);

  const killed = join(t.dir, 'killed');
  const cacheDir = join(killed, 'interim', 'enrich_cache');
  const first = await runAndKill(killed, input, 6);
  expect(entries(cacheDir)).toBe(6);
  expect(existsSync(join(killed, 'raw', 'companies.csv'))).toBe(false);

  const second = await runAndKill(killed, input, 8);
  expect(entries(cacheDir)).toBe(6 + 8);
  // The second run asked only for companies the first had not cached.
  expect(mock.requests.map((q) => q.company).filter((c) => first.includes(c))).toEqual([]);

  mock.reset({apiKey: KEY});
  const last = await exited(start(killed, input));
  expect(last).toMatchObject({code: 0, stderr: ''});
  // The last run asked for every company not answered before, once (those held at a kill included).
  const asked = mock.requests.map((q) => q.company);
  expect(asked).toHaveLength(N - 6 - 8);
  expect(asked.filter((c) => first.includes(c) || second.includes(c))).toEqual([]);
  expect(entries(cacheDir)).toBe(N);

  for (const f of ['raw/companies.csv', 'interim/rejects.csv']) {
    expect(readFileSync(join(killed, f)).equals(readFileSync(join(whole, f)))).toBe(true);
  }
});
