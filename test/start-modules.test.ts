import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {tempDir} from './helpers/cli.js';

/**
 * What the built CLI loads: given the shipped config files, the simulation commands and --version load
 * neither zod nor the YAML parser nor a schema module (their codecs come from src/generated/tables.ts, their
 * config from src/generated/configs.ts); given an edited config file, the command loads zod and validates it.
 * Every module is recorded by a module hook (ES modules) and from require.cache at exit (CommonJS).
 * The CLI runs compiled code: this test uses dist/ (npm ci builds it; `npm run build` after changes).
 */
const ROOT = process.cwd();
const CONFIG = join(ROOT, 'config');
let t: ReturnType<typeof tempDir>;
let data: string;

beforeAll(() => {
  t = tempDir();
  writeFileSync(
    join(t.dir, 'hooks.mjs'),
    [
      "import {appendFileSync} from 'node:fs';",
      'let out;',
      'export function initialize(data) { out = data.out; }',
      'export async function load(url, context, next) {',
      '  appendFileSync(out, `${url}\\n`);',
      '  return next(url, context);',
      '}',
    ].join('\n'),
  );
  writeFileSync(
    join(t.dir, 'trace.mjs'),
    [
      "import {appendFileSync} from 'node:fs';",
      "import {createRequire, register} from 'node:module';",
      "import {pathToFileURL} from 'node:url';",
      'const out = process.env.TRACE_MODULES;',
      "register('./hooks.mjs', import.meta.url, {data: {out}});",
      "process.on('exit', () => appendFileSync(out, Object.keys(createRequire(import.meta.url).cache).map((f) => `${pathToFileURL(f).href}\\n`).join('')));",
    ].join('\n'),
  );
  data = join(t.dir, 'data');
  expect(existsSync(join(ROOT, 'dist', 'commands', 'run.js'))).toBe(true);
  const r = cli([
    'run',
    '--seed',
    '42',
    '--provider',
    'rules',
    '--limit',
    '12',
    '--no-report',
    '--quiet',
    '--config-dir',
    CONFIG,
    '--data-dir',
    data,
  ]);
  expect([r.status, r.stderr]).toEqual([0, '']);
});
afterAll(() => t.cleanup());

function cli(args: string[], trace?: string) {
  const hook = trace ? ['--import', pathToFileURL(join(t.dir, 'trace.mjs')).href] : [];
  return spawnSync(process.execPath, [...hook, 'bin/run.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {...process.env, NODE_OPTIONS: '', TRACE_MODULES: trace ?? ''},
  });
}

/** Runs the CLI and returns its exit status, stderr, and the URLs of the modules it loaded. */
function traced(name: string, args: string[]) {
  const trace = join(t.dir, `${name}.modules`);
  rmSync(trace, {force: true});
  const r = cli(args, trace);
  return {status: r.status, stderr: r.stderr, modules: readFileSync(trace, 'utf8').split('\n').filter(Boolean)};
}

const packageModules = (modules: string[], name: string) => modules.filter((m) => m.includes(`/node_modules/${name}/`));
/** Our schema modules (zod's importers); schemas/config-files.js imports them only on demand. */
const schemaModules = (modules: string[]) => modules.filter((m) => m.includes('/dist/schemas/') && !m.endsWith('/config-files.js'));
const tables = (dir: string) =>
  Object.fromEntries(
    ['raw', 'final'].flatMap((sub) => readdirSync(join(dir, sub)).map((f) => [`${sub}/${f}`, readFileSync(join(dir, sub, f), 'utf8')])),
  );

describe('start-up of the built CLI', () => {
  it.each([
    ['run --from deals', ['run', '--from', 'deals', '--no-report'], 'parallel/simulate-companies.js'],
    ['deals', ['deals'], 'stages/deals.js'],
    ['billing', ['billing'], 'stages/billing.js'],
    ['unify', ['unify'], 'stages/unify.js'],
  ])('%s loads no zod, no YAML parser and no schema with the shipped config', (name, args, stage) => {
    const r = traced(name.replaceAll(' ', '_'), [...args, '--seed', '42', '--quiet', '--config-dir', CONFIG, '--data-dir', data]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    // The hook saw the command's modules (so an empty list below means something).
    expect(r.modules).toEqual(
      expect.arrayContaining([expect.stringMatching(`/dist/${stage}$`), expect.stringMatching('/dist/generated/tables.js$')]),
    );
    expect(packageModules(r.modules, 'zod')).toEqual([]);
    expect(packageModules(r.modules, 'yaml')).toEqual([]);
    expect(schemaModules(r.modules)).toEqual([]);
  });

  it('--version loads no zod', () => {
    const r = traced('version', ['--version']);
    expect(r.status).toBe(0);
    expect(r.modules).toEqual(expect.arrayContaining([expect.stringMatching('/bin/run.js$')]));
    expect(packageModules(r.modules, 'zod')).toEqual([]);
  });

  it('an edited config file is parsed and validated with zod: the same tables when its data are the same, exit 2 naming the key and line when not', () => {
    const config = join(t.dir, 'config');
    cpSync(CONFIG, config, {recursive: true});
    const file = join(config, 'deal_model.yml');
    const shipped = readFileSync(file, 'utf8');
    const args = ['run', '--from', 'deals', '--no-report', '--seed', '42', '--quiet', '--config-dir', config];

    const shippedRun = traced('shipped', [...args, '--data-dir', data]);
    expect(shippedRun.status).toBe(0);
    const expected = tables(data);
    writeFileSync(file, `# edited: the same model\n${shipped}`);
    const edited = traced('edited', [...args, '--data-dir', data]);
    expect([edited.status, edited.stderr]).toEqual([0, '']);
    expect(packageModules(edited.modules, 'zod').length).toBeGreaterThan(0);
    expect(edited.modules).toEqual(expect.arrayContaining([expect.stringMatching('/dist/schemas/deal-model.js$')]));
    expect(tables(data)).toEqual(expected);

    const bad = shipped.replace(/max_deals_per_company: \d+/, 'max_deals_per_company: many');
    writeFileSync(file, bad);
    const line = bad.split('\n').findIndex((l) => l.includes('max_deals_per_company: many')) + 1;
    const rejected = traced('bad', [...args, '--data-dir', data]);
    expect(rejected.status).toBe(2);
    expect(rejected.stderr).toContain(`${file}: simulation.max_deals_per_company (line ${line}): `);
    expect(tables(data)).toEqual(expected);
  });
});
