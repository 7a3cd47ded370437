/**
 * `run --from deals`: deals, billing and unify in one pass over companies.csv, the same bytes as the three
 * commands one after the other; on a large file in chunks on several threads, still the same bytes, whatever
 * the chunk boundaries (guessed, then checked by the scans: a wrong guess falls back to one thread).
 */
import {createHash} from 'node:crypto';
import {copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Report from '../src/commands/report.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import {planChunks} from '../src/io/csv-chunks.js';
import {chunkPolicyFromEnv} from '../src/parallel/worker-pool.js';
import {hiddenFiles, runBuilt, runCli, tempDir} from './helpers/cli.js';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');
const OUTPUTS = [
  'raw/leads.csv',
  'raw/deals.csv',
  'raw/opportunity_history.csv',
  'raw/pipeline_snapshots.csv',
  'raw/reps.csv',
  'raw/billing.csv',
  'raw/invoices.csv',
  'final/unified.csv',
  'interim/deals_summary.json',
  'interim/billing_summary.json',
];

let t: ReturnType<typeof tempDir>;
/** companies.csv of the sample (enriched once for the whole file). */
let companies: string;

beforeAll(async () => {
  t = tempDir();
  const r = await runCli(Run, [
    '--seed',
    '9',
    '--input',
    SAMPLE,
    '--config-dir',
    CONFIG,
    '--provider',
    'rules',
    '--no-report',
    '--quiet',
    '--data-dir',
    join(t.dir, 'base'),
  ]);
  expect(r.exitCode).toBe(0);
  companies = join(t.dir, 'base', 'raw', 'companies.csv');
});
afterAll(() => t.cleanup());

/** A data dir holding only companies.csv (this text, or the sample's). */
function dataDir(name: string, text?: string): string {
  const dir = join(t.dir, name);
  mkdirSync(join(dir, 'raw'), {recursive: true});
  if (text === undefined) copyFileSync(companies, join(dir, 'raw', 'companies.csv'));
  else writeFileSync(join(dir, 'raw', 'companies.csv'), text);
  return dir;
}

/** The outputs of a data dir, with the dir's own path taken out of the summaries. */
const outputs = (dir: string) => OUTPUTS.map((f) => [f, readFileSync(join(dir, f), 'utf8').replaceAll(dir, 'DIR')]);

const base = ['--seed', '9', '--config-dir', CONFIG, '--quiet'];

/** Runs with these environment variables set (the command reads them), then restores them. */
async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('run --from deals', () => {
  it('writes the bytes of deals, billing and unify run one after the other (and of run from the export)', async () => {
    const stages = dataDir('stages');
    for (const Cmd of [Deals, Billing, Unify]) expect((await runCli(Cmd, [...base, '--data-dir', stages])).exitCode).toBe(0);
    const once = dataDir('once');
    const r = await runCli(Run, [...base, '--from', 'deals', '--no-report', '--data-dir', once, '--json']);
    expect(r.exitCode).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect([summary.from, summary.enrich, summary.unify.rows > summary.unify.companies - 1]).toEqual(['deals', undefined, true]);
    expect(outputs(once)).toEqual(outputs(stages));
    expect(outputs(once)).toEqual(outputs(join(t.dir, 'base')));
    // No temporary or part files are left.
    expect(hiddenFiles(once, ['raw', 'final'])).toEqual([]);
  });

  it('makes the report from what it digested in the pass: the same page as `report` reading the tables; --no-report makes no digest and no page', async () => {
    const dir = dataDir('with-report');
    const r = await runCli(Run, [...base, '--from', 'deals', '--data-dir', dir, '--json']);
    expect(r.exitCode).toBe(0);
    const page = join(dir, 'final', 'report.html');
    const fromPass = readFileSync(page, 'utf8');
    expect((await runCli(Report, ['--config-dir', CONFIG, '--quiet', '--data-dir', dir])).exitCode).toBe(0);
    expect(readFileSync(page, 'utf8')).toBe(fromPass);
    expect(JSON.parse(r.stdout).report).toBeDefined();
    // The tables do not depend on the digest.
    expect(outputs(dir)).toEqual(outputs(join(t.dir, 'base')));
    const none = dataDir('no-report');
    expect((await runCli(Run, [...base, '--from', 'deals', '--no-report', '--data-dir', none])).exitCode).toBe(0);
    expect(existsSync(join(none, 'final', 'report.html'))).toBe(false);
  });

  it('gives the same bytes in chunks (on this thread), whatever the chunk size', async () => {
    const one = dataDir('chunks-none');
    expect((await runCli(Run, [...base, '--from', 'deals', '--no-report', '--data-dir', one])).exitCode).toBe(0);
    for (const bytes of ['1024', '5000', '40000']) {
      const plan = await planChunks(companies, Number(bytes));
      expect(plan!.chunks.length).toBeGreaterThan(1);
      // The chunks cover every record, back to back.
      expect(plan!.chunks.at(-1)!.end).toBe(readFileSync(companies).length);
      plan!.chunks.slice(1).forEach((c, k) => expect(c.start).toBe(plan!.chunks[k].end));
      const dir = dataDir(`chunks-${bytes}`);
      const r = await withEnv({STEDI_GTM_CHUNK_BYTES: bytes, STEDI_GTM_WORKERS: '0'}, () =>
        runCli(Run, [...base, '--from', 'deals', '--no-report', '--data-dir', dir]),
      );
      expect([bytes, r.exitCode, r.stderr]).toEqual([bytes, 0, '']);
      expect(outputs(dir)).toEqual(outputs(one));
    }
  });

  it('falls back to one thread, to the same bytes, when a guessed boundary is inside a record', async () => {
    // Every description gets a line break followed by "co_", which is what a chunk boundary is guessed at.
    const text = readFileSync(companies, 'utf8');
    const parsed = Papa.parse<string[]>(text, {skipEmptyLines: true}).data;
    const col = parsed[0].indexOf('description');
    const tricky =
      Papa.unparse(
        parsed.map((r, i) => (i === 0 ? r : r.map((v, j) => (j === col ? `${v}\nco_0000000000000000,fake,${'x'.repeat(300)}` : v)))),
        {newline: '\n'},
      ) + '\n';
    const one = dataDir('tricky-one', tricky);
    expect((await runCli(Run, [...base, '--from', 'deals', '--no-report', '--data-dir', one])).exitCode).toBe(0);
    const dir = dataDir('tricky-chunks', tricky);
    const r = await withEnv({STEDI_GTM_CHUNK_BYTES: '4000', STEDI_GTM_WORKERS: '0'}, () =>
      runCli(Run, ['--seed', '9', '--config-dir', CONFIG, '--from', 'deals', '--no-report', '--data-dir', dir]),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/companies\.csv was not simulated in chunks \(.*: a quoted field is not closed\): one thread reads it instead/);
    expect(outputs(dir)).toEqual(outputs(one));
    // And the unified rows are those of the file without the line breaks (descriptions are not in unified.csv).
    expect(readFileSync(join(dir, 'final', 'unified.csv'), 'utf8')).toBe(readFileSync(join(t.dir, 'base', 'final', 'unified.csv'), 'utf8'));
  });

  it('gives the same bytes with worker threads (built CLI, STEDI_GTM_WORKERS=2 and 3)', () => {
    // The workers run compiled code: this test uses dist/ (npm ci builds it; `npm run build` after changes).
    expect(existsSync(join(process.cwd(), 'dist', 'parallel', 'simulate-worker.js'))).toBe(true);
    const one = dataDir('workers-1');
    const run = (dir: string, env: Record<string, string>) =>
      runBuilt(['bin/run.js', 'run', ...base, '--from', 'deals', '--no-report', '--data-dir', dir], env);
    expect(run(one, {STEDI_GTM_WORKERS: '0'}).status).toBe(0);
    for (const w of ['2', '3']) {
      const dir = dataDir(`workers-${w}`);
      const r = run(dir, {STEDI_GTM_WORKERS: w, STEDI_GTM_CHUNK_BYTES: '20000'});
      expect([w, r.status, r.stderr]).toEqual([w, 0, '']);
      expect(outputs(dir)).toEqual(outputs(one));
      expect(hiddenFiles(dir, ['raw', 'final'])).toEqual([]);
    }
  });

  it('simulates only the first --limit companies, as the commands do', async () => {
    const stages = dataDir('limit-stages');
    for (const Cmd of [Deals, Billing, Unify]) expect((await runCli(Cmd, [...base, '--limit', '40', '--data-dir', stages])).exitCode).toBe(0);
    const once = dataDir('limit-once');
    expect((await runCli(Run, [...base, '--limit', '40', '--from', 'deals', '--no-report', '--data-dir', once])).exitCode).toBe(0);
    expect(outputs(once)).toEqual(outputs(stages));
    expect(
      readFileSync(join(once, 'raw', 'leads.csv'), 'utf8')
        .trimEnd()
        .split('\n'),
    ).toHaveLength(41);
  });

  it('runs billing and unify alone with --from billing and --from unify, and reports a missing input', async () => {
    const dir = dataDir('from-later');
    expect((await runCli(Run, [...base, '--from', 'billing', '--no-report', '--data-dir', dir])).stderr).toMatch(
      /deals\.csv not found: run `stedi-gtm deals --data-dir \S+` first/,
    );
    expect((await runCli(Deals, [...base, '--data-dir', dir])).exitCode).toBe(0);
    const r = await runCli(Run, [...base, '--from', 'billing', '--no-report', '--data-dir', dir, '--json']);
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout);
    expect([s.from, s.deals, typeof s.billing.contracts, typeof s.unify.rows]).toEqual(['billing', undefined, 'number', 'number']);
    expect(outputs(dir)).toEqual(outputs(join(t.dir, 'base')));
    const u = await runCli(Run, [...base, '--from', 'unify', '--no-report', '--data-dir', dir, '--json']);
    expect([u.exitCode, JSON.parse(u.stdout).billing]).toEqual([0, undefined]);
  });

  it('refuses --shard and --dry-run, which apply to enrichment only (exit 2)', async () => {
    for (const extra of [['--shard', '1/2'], ['--dry-run']]) {
      const r = await runCli(Run, [...base, '--from', 'deals', '--data-dir', join(t.dir, 'never'), ...extra]);
      expect([extra[0], r.exitCode, r.stderr]).toEqual([
        extra[0],
        2,
        expect.stringMatching(new RegExp(`${extra[0]} applies to enrichment, which --from deals skips`)),
      ]);
    }
    expect(existsSync(join(t.dir, 'never'))).toBe(false);
  });

  it('reads STEDI_GTM_CHUNK_BYTES, and refuses a bad one', () => {
    expect(chunkPolicyFromEnv({STEDI_GTM_CHUNK_BYTES: '4096', STEDI_GTM_WORKERS: '2'})).toEqual({workers: 2, chunkBytes: 4096});
    expect(chunkPolicyFromEnv({})).toEqual({workers: 'auto', chunkBytes: undefined});
    expect(() => chunkPolicyFromEnv({STEDI_GTM_CHUNK_BYTES: '12'})).toThrow(/STEDI_GTM_CHUNK_BYTES/);
  });
});

describe('run', () => {
  it('records what the deals and billing were made from by the hashes of those tables as they are in place', () => {
    // (run knows the hashes from writing the tables; a later stage checks the tables in place against them.)
    const sha256 = (f: string) =>
      createHash('sha256')
        .update(readFileSync(join(t.dir, 'base', f)))
        .digest('hex');
    const sources = JSON.parse(readFileSync(join(t.dir, 'base', 'interim', 'sources.json'), 'utf8'));
    expect([sources.deals.from, sources.deals.sha256, sources.billing.from, sources.billing.sha256]).toEqual([
      'companies',
      sha256('raw/companies.csv'),
      'deals',
      sha256('raw/deals.csv'),
    ]);
  });
});

describe('report on tables made for a part of the companies', () => {
  /** A copy of the base dataset (every table). */
  const copy = (name: string) => {
    const dir = join(t.dir, name);
    cpSync(join(t.dir, 'base'), dir, {recursive: true});
    return dir;
  };
  const report = (dir: string) => runCli(Report, ['--config-dir', CONFIG, '--quiet', '--data-dir', dir]);

  it('refuses contracts made for some of the won deals (billing --limit), as unify does (exit 2)', async () => {
    const dir = copy('billing-limit');
    expect((await runCli(Billing, [...base, '--data-dir', dir, '--limit', '40'])).exitCode).toBe(0);
    const r = await report(dir);
    expect([r.exitCode, r.stderr]).toEqual([
      2,
      expect.stringMatching(/billing\.csv has \d+ contracts? for \d+ won deals of .*deals\.csv .*run `stedi-gtm billing --data-dir \S+` again/),
    ]);
    expect((await runCli(Unify, [...base, '--data-dir', dir])).exitCode).toBe(2);
  });

  it('refuses deals made for some of the companies (deals --limit), naming both counts (exit 2); the whole dataset is reported', async () => {
    const dir = copy('deals-limit');
    for (const [Cmd, more] of [
      [Deals, ['--limit', '40']],
      [Billing, []],
    ] as const)
      expect((await runCli(Cmd, [...base, '--data-dir', dir, ...more])).exitCode).toBe(0);
    const companies = Papa.parse(readFileSync(join(dir, 'raw', 'companies.csv'), 'utf8'), {header: true, skipEmptyLines: true}).data.length;
    const r = await report(dir);
    expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining(`deals.csv was made for 40 companies of the ${companies} in`)]);
    expect((await report(copy('whole'))).exitCode).toBe(0);
  });
});
