/**
 * The readers check what they read (deals, billing, unify, report, run --from): the cells of the tables against
 * the zod schemas, whole records and unique IDs; and that the tables belong together (deals.csv made from this
 * companies.csv, billing.csv from this deals.csv: see io/provenance.ts). Flags that mean nothing to a command,
 * or a seed that contradicts the tables being extended, are refused.
 */
import {cpSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Enrich from '../src/commands/enrich.js';
import Report from '../src/commands/report.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import {firstRepeated, IdSet} from '../src/core/id-set.js';
import {fileSha256} from '../src/io/provenance.js';
import {createHash} from 'node:crypto';
import {runBuilt, runCli, tempDir} from './helpers/cli.js';

/** A message with the --data-dir its hints repeat (see BaseCommand.withDataDir) taken out of them. */
const withoutDataDir = (s: string) => s.replace(/ --data-dir [^`\s]+`/g, '`');

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');
const base = ['--config-dir', CONFIG, '--quiet'];

let t: ReturnType<typeof tempDir>;
/** A data dir made by `run --seed 7` on the sample (copied for each test). */
let made: string;

beforeAll(async () => {
  t = tempDir();
  made = join(t.dir, 'made');
  const r = await runCli(Run, [...base, '--seed', '7', '--input', SAMPLE, '--provider', 'rules', '--no-report', '--data-dir', made]);
  expect(r.exitCode).toBe(0);
});
afterAll(() => t.cleanup());

let n = 0;
/** A copy of the dataset made by `run`. */
function copy(): string {
  const dir = join(t.dir, `copy${n++}`);
  cpSync(made, dir, {recursive: true});
  return dir;
}

/** The records of a CSV (header first). */
const records = (file: string) => Papa.parse<string[]>(readFileSync(file, 'utf8'), {skipEmptyLines: true}).data;
const write = (file: string, rows: string[][]) => writeFileSync(file, `${Papa.unparse(rows, {newline: '\n'})}\n`);
/** Sets one cell of a table (row as a spreadsheet numbers it: header = 1). */
function edit(file: string, row: number, column: string, value: string): void {
  const rows = records(file);
  rows[row - 1][rows[0].indexOf(column)] = value;
  write(file, rows);
}

describe('readers check the cells of the tables they read', () => {
  it.each([
    ['icp_score', 'abc', '"abc" is not a whole number'],
    ['icp_tier', 'tier_9', '"tier_9" is not one of tier_1, tier_2, tier_3, not_icp, excluded'],
    ['icp_confidence', '1.5', '"1.5" is not a number from 0 to 1'],
    ['uses_x12', 'yes', '"yes" is not true or false'],
    ['company_id', 'co_123', '"co_123" is not an ID'],
  ])('a companies.csv with %s=%s: deals and run --from deals exit 2 naming file, row and column', async (column, value, what) => {
    const dir = copy();
    const file = join(dir, 'raw', 'companies.csv');
    edit(file, 12, column, value);
    const before = readFileSync(join(dir, 'raw', 'deals.csv'));
    for (const argv of [['deals'], ['run', '--from', 'deals', '--no-report']]) {
      const r = await runCli(argv[0] === 'deals' ? Deals : Run, [...base, ...argv.slice(1), '--data-dir', dir]);
      expect([argv.join(' '), r.exitCode]).toEqual([argv.join(' '), 2]);
      expect(r.stderr).toContain(`${file} row 12, column ${column}: ${what}`);
      expect(withoutDataDir(r.stderr)).toContain('fix the file, or run `stedi-gtm enrich` again');
    }
    expect(readFileSync(join(dir, 'raw', 'deals.csv')).equals(before)).toBe(true);
  });

  it('a duplicate company_id, and a companies.csv cut short mid-field, are refused naming the row', async () => {
    const dir = copy();
    const file = join(dir, 'raw', 'companies.csv');
    const rows = records(file);
    write(file, [...rows.slice(0, 30), rows[5], ...rows.slice(30)]);
    let r = await runCli(Run, [...base, '--from', 'deals', '--no-report', '--data-dir', dir]);
    expect([r.exitCode, withoutDataDir(r.stderr).trim()]).toEqual([
      2,
      `Error: ${file} row 31, column company_id: ${rows[5][0]} is on an earlier row too (IDs are unique): fix the file, or run \`stedi-gtm enrich\` again`,
    ]);
    // Cut in the middle of a field of the last record (a copy or a write that stopped).
    const text = readFileSync(join(made, 'raw', 'companies.csv'), 'utf8');
    const cut = text.lastIndexOf(',tier_') + 3;
    writeFileSync(file, text.slice(0, cut));
    const last = records(join(made, 'raw', 'companies.csv')).length;
    for (const Cmd of [Deals, Run]) {
      r = await runCli(Cmd, [...base, ...(Cmd === Run ? ['--from', 'deals', '--no-report'] : []), '--data-dir', dir]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${file} row ${last}: (\\d+ field\\(s\\) where the header has \\d+|"ti" is not one of)`));
    }
    // Cut in a quoted field: papaparse reads it and finds it unclosed.
    const quoted = text.lastIndexOf('"tier_') + 4;
    writeFileSync(file, text.slice(0, quoted));
    r = await runCli(Deals, [...base, '--data-dir', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file} row ${last}`);
  });

  it('a company_id repeated in another chunk of run --from deals (worker threads) is found too (built CLI)', () => {
    const dir = copy();
    const file = join(dir, 'raw', 'companies.csv');
    const rows = records(file);
    write(file, [...rows, rows[5]]);
    const r = runBuilt(['bin/run.js', 'run', '--from', 'deals', '--no-report', '--config-dir', CONFIG, '--data-dir', dir], {
      STEDI_GTM_CHUNK_BYTES: '20000',
      STEDI_GTM_WORKERS: '2',
    });
    expect(r.stderr).toContain('not simulated in chunks (company ID');
    expect(r.stderr).toContain(`${file} row ${rows.length + 1}, column company_id: ${rows[5][0]} is on an earlier row too (IDs are unique)`);
    expect(r.status).toBe(2);
  });

  it('deals.csv, leads.csv and billing.csv are checked by the stages that read them', async () => {
    const dir = copy();
    const deals = join(dir, 'raw', 'deals.csv');
    edit(deals, 3, 'outcome', 'maybe');
    // (Edited, it is another deals.csv than billing.csv was made from: billing is what reads it.)
    let r = await runCli(Billing, [...base, '--data-dir', dir]);
    expect([r.exitCode, withoutDataDir(r.stderr)]).toEqual([
      2,
      expect.stringContaining(
        `${deals} row 3, column outcome: "maybe" is not one of won, lost, open: fix the file, or run \`stedi-gtm deals\` again`,
      ),
    ]);
    const d2 = copy();
    edit(join(d2, 'raw', 'billing.csv'), 2, 'arr', '12k');
    r = await runCli(Unify, [...base, '--data-dir', d2]);
    expect(r.exitCode).toBe(2);
    // billing.csv is checked by unify (its record of deals.csv is unchanged: the edit is to billing.csv itself).
    expect(r.stderr).toContain(`${join(d2, 'raw', 'billing.csv')} row 2, column arr: "12k" is not a whole number`);
    const d3 = copy();
    edit(join(d3, 'raw', 'leads.csv'), 4, 'segment', 'huge');
    r = await runCli(Unify, [...base, '--data-dir', d3]);
    expect(r.stderr).toContain(`${join(d3, 'raw', 'leads.csv')} row 4, column segment: "huge" is not one of smb, mid_market, enterprise`);
    const d4 = copy();
    edit(join(d4, 'raw', 'invoices.csv'), 5, 'period_start', '2025-02-30');
    r = await runCli(Report, [...base, '--data-dir', d4]);
    expect([r.exitCode, r.stderr]).toEqual([
      2,
      expect.stringContaining(`${join(d4, 'raw', 'invoices.csv')} row 5, column period_start: "2025-02-30" is not a date (YYYY-MM-DD)`),
    ]);
  });
});

describe('tables that belong together', () => {
  it('an edited companies.csv: run --from deals accepts it; the tables made from the old one are refused until simulated again', async () => {
    const dir = copy();
    const file = join(dir, 'raw', 'companies.csv');
    edit(file, 5, 'icp_tier', 'tier_1');
    for (const Cmd of [Billing, Unify, Report]) {
      const r = await runCli(Cmd, [...base, '--data-dir', dir]);
      expect([Cmd.name, r.exitCode]).toEqual([Cmd.name, 2]);
      expect(r.stderr).toContain(`${join(dir, 'raw', 'deals.csv')} was made from another companies.csv than ${file}`);
      expect(withoutDataDir(r.stderr)).toContain('Run `stedi-gtm deals` (or `stedi-gtm run --from deals`) again');
    }
    for (const from of ['billing', 'unify']) {
      expect((await runCli(Run, [...base, '--from', from, '--no-report', '--data-dir', dir])).exitCode).toBe(2);
    }
    // Simulated again from the edited file, they belong together again.
    expect((await runCli(Run, [...base, '--from', 'deals', '--data-dir', dir])).exitCode).toBe(0);
    for (const Cmd of [Billing, Unify, Report]) expect([Cmd.name, (await runCli(Cmd, [...base, '--data-dir', dir])).exitCode]).toEqual([Cmd.name, 0]);
  });

  it('enrich --limit 50 over a full run: the report refuses the deals made from the old companies', async () => {
    const dir = copy();
    expect((await runCli(Enrich, [...base, '--input', SAMPLE, '--provider', 'rules', '--limit', '50', '--data-dir', dir])).exitCode).toBe(0);
    const r = await runCli(Report, [...base, '--data-dir', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('deals.csv was made from another companies.csv');
  });

  it("a seed that contradicts the deals is refused; billing without --seed takes the deals' seed", async () => {
    const dir = copy();
    let r = await runCli(Run, [...base, '--from', 'billing', '--seed', '9', '--no-report', '--data-dir', dir]);
    expect([r.exitCode, withoutDataDir(r.stderr).trim()]).toEqual([
      2,
      'Error: --seed 9 differs from the seed deals.csv was made with (7): run `stedi-gtm deals --seed 9` (or `stedi-gtm run --from deals --seed 9`) first, or leave --seed out',
    ]);
    r = await runCli(Unify, [...base, '--seed', '9', '--data-dir', dir]);
    expect(r.exitCode).toBe(2);
    const before = readFileSync(join(dir, 'raw', 'billing.csv'));
    r = await runCli(Billing, ['--config-dir', CONFIG, '--data-dir', dir, '--json']);
    expect([r.exitCode, JSON.parse(r.stdout).seed]).toEqual([0, 7]);
    expect(readFileSync(join(dir, 'raw', 'billing.csv')).equals(before)).toBe(true);
    expect((await runCli(Billing, [...base, '--seed', '7', '--data-dir', dir])).exitCode).toBe(0);
  });
});

describe('flags that mean nothing to a command', () => {
  it.each([
    [Report, ['--seed', '9'], '--seed does not apply to report:'],
    [Enrich, ['--seed', '9'], '--seed does not apply to enrich:'],
    [Report, ['--limit', '5'], '--limit does not apply to report:'],
    [Deals, ['--provider', 'openai'], '--provider does not apply to deals:'],
    [Billing, ['--input', SAMPLE], '--input does not apply to billing:'],
    [Unify, ['--cache-dir', '/tmp/x'], '--cache-dir does not apply to unify:'],
    [Run, ['--from', 'deals', '--provider', 'openai'], '--provider applies to enrichment, which --from deals skips'],
    [Run, ['--from', 'billing', '--input', SAMPLE], '--input applies to enrichment, which --from billing skips'],
    [Run, ['--from', 'deals', '--model', 'gpt-4o'], '--model applies to enrichment, which --from deals skips'],
    [Run, ['--from', 'deals', '--no-formula-guard'], '--no-formula-guard applies to enrichment, which --from deals skips'],
  ] as const)('%p %p is refused (exit 2)', async (Cmd, flags, message) => {
    const r = await runCli(Cmd, [...base, ...flags, '--data-dir', made]);
    expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining(message)]);
  });
});

describe('fileSha256', () => {
  it('hashes a small file here and a large one on a thread of its own, to the SHA-256 of its bytes', async () => {
    for (const size of [1000, (16 << 20) + 7]) {
      const file = join(t.dir, `h${size}`);
      const bytes = Buffer.alloc(size, 'stedi ');
      writeFileSync(file, bytes);
      expect(await fileSha256(file)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    await expect(fileSha256(join(t.dir, 'none'))).rejects.toThrow();
  });
});

describe('IdSet', () => {
  it('tells IDs seen from new ones, through its growth', () => {
    const ids = new IdSet();
    const id = (i: number) => `co_${i.toString(16).padStart(16, '0')}`;
    for (let i = 1; i <= 5000; i++) expect(ids.add(id(i * 7919))).toBe(true);
    for (let i = 1; i <= 5000; i++) expect(ids.add(id(i * 7919))).toBe(false);
    expect(ids.add('co_ffffffffffffffff')).toBe(true);
    expect(ids.add('deal_ffffffffffffffff')).toBe(false);
    expect([ids.add('co_0000000000000000'), ids.add('co_0000000000000000')]).toEqual([true, false]);
    expect(ids.values().length).toBe(5002);
    expect(firstRepeated([ids.values(), new BigUint64Array([7919n * 3n])])).toBe(7919n * 3n);
    expect(firstRepeated([ids.values(), new BigUint64Array([1n])])).toBeUndefined();
  });
});
