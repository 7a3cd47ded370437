import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Enrich from '../src/commands/enrich.js';
import Unify from '../src/commands/unify.js';
import {encodeCsvRow, readTable, sniffCsv} from '../src/io/csv.js';
import {scanCsv} from '../src/io/csv-scan.js';
import {TableCursor} from '../src/io/table-cursor.js';
import type {Company} from '../src/schemas/companies.js';
import {companyCodec} from '../src/stages/enrich.js';
import {companyColumns} from '../src/stages/deals.js';
import {runCli, tempDir} from './helpers/cli.js';
import {CONFIG_DIR, makeCompany, SAMPLE} from './helpers/simulation.js';

const OUTPUTS = [
  'raw/leads.csv',
  'raw/deals.csv',
  'raw/opportunity_history.csv',
  'raw/pipeline_snapshots.csv',
  'raw/reps.csv',
  'raw/billing.csv',
  'raw/invoices.csv',
  'final/unified.csv',
];

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const args = (dir: string, ...more: string[]) => ['--data-dir', join(t.dir, dir), '--config-dir', CONFIG_DIR, '--quiet', ...more];
const file = (dir: string, f: string) => join(t.dir, dir, f);
const records = (path: string) => Papa.parse<string[]>(readFileSync(path, 'utf8'), {skipEmptyLines: true}).data;
/** Writes records the way the tool writes tables (encodeCsvRow, LF). */
const writeRecords = (path: string, rows: ReadonlyArray<readonly string[]>) => writeFileSync(path, rows.map((r) => encodeCsvRow(r) + '\n').join(''));

/** Does the fast scanner take the file whole? */
async function scannerTakes(path: string): Promise<boolean> {
  const {newline, bom} = sniffCsv(path);
  return (await scanCsv(path, {newline, start: bom ? 3 : 0, onHeader: () => [0], onRecord() {}})).ok;
}

/**
 * The same table, but the scanner declines it from record `at` on: that record's first field is quoted with
 * a space after the closing quote (papaparse reads the same field).
 */
function declinedCopy(path: string, at: number): void {
  const rows = records(path);
  const lines = rows.map((r) => encodeCsvRow(r));
  lines[at] = `"${rows[at][0].replaceAll('"', '""')}" ,${encodeCsvRow(rows[at].slice(1))}`;
  writeFileSync(path, lines.map((l) => l + '\n').join(''));
}

function population(n: number, prefix = 'st'): Company[] {
  return Array.from({length: n}, (_, i) =>
    makeCompany({company_key: `domain:${prefix}${i}.com`, icp_tier: 'tier_1', icp_fit: true, uses_x12: i % 3 === 0}),
  );
}

function writeCompanies(dir: string, cs: Company[]): void {
  mkdirSync(join(t.dir, dir, 'raw'), {recursive: true});
  writeRecords(file(dir, 'raw/companies.csv'), [companyCodec.columns, ...cs.map((c) => companyCodec.encode(c))]);
}

/** Runs deals, billing and unify in the data dir; every one must succeed. */
async function simulate(dir: string): Promise<void> {
  for (const Cmd of [Deals, Billing, Unify]) {
    const r = await runCli(Cmd, args(dir));
    expect([Cmd.name, r.exitCode, r.stderr]).toEqual([Cmd.name, 0, '']);
  }
}

/**
 * Drops the record of which table each table was made from (interim/sources.json), as for tables made before
 * it existed: the company-by-company walk is then what finds tables that do not belong together.
 */
const forgetSources = (dir: string) => rmSync(file(dir, 'interim/sources.json'), {force: true});

/** Files of the data dir other than the tables (temporary or part files left behind). */
const strays = (dir: string) =>
  ['raw', 'final'].flatMap((d) => (existsSync(join(t.dir, dir, d)) ? readdirSync(join(t.dir, dir, d)).filter((f) => f.startsWith('.')) : []));

describe('TableCursor', () => {
  it('yields the rows readTable yields, decoding only the codec columns, also when the scanner declines half way', async () => {
    expect((await runCli(Enrich, ['--provider', 'rules', '--input', SAMPLE, ...args('a')])).exitCode).toBe(0);
    const path = file('a', 'raw/companies.csv');
    const codec = companyColumns({company_id: true, name: true, description: true, icp_score: true, ehrs: true});
    const expected = (await readTable(path, companyCodec.columns, 'enrich')).map((r) => {
      const c = companyCodec.decode(r);
      return {company_id: c.company_id, name: c.name, description: c.description, icp_score: c.icp_score, ehrs: c.ehrs};
    });
    // Descriptions span lines and hold quotes: the sample exercises quoted fields.
    expect(expected.some((c) => c.description.includes('\n'))).toBe(true);
    const read = async () => {
      const cursor = await TableCursor.open(path, codec, {required: companyCodec.columns, producedBy: 'enrich'});
      const rows: unknown[] = [];
      const numbers: number[] = [];
      for (;;) {
        const wait = cursor.advance();
        if (wait) await wait;
        if (cursor.row === undefined) break;
        rows.push(cursor.row);
        numbers.push(cursor.rowNumber);
      }
      await cursor.close();
      return {rows, numbers, fallback: cursor.fallback};
    };
    const plain = await read();
    expect(plain.fallback).toBeUndefined();
    expect(plain.rows).toEqual(expected);
    expect(plain.numbers).toEqual(expected.map((_, i) => i + 2));

    declinedCopy(path, Math.floor(expected.length / 2));
    expect(await scannerTakes(path)).toBe(false);
    const declined = await read();
    expect(declined.fallback).toBeDefined();
    expect(declined.rows).toEqual(expected);
    expect(declined.numbers).toEqual(expected.map((_, i) => i + 2));
  });

  it('names the file, the missing columns and the command to re-run; closing early leaves no reader behind', async () => {
    mkdirSync(join(t.dir, 'raw'), {recursive: true});
    const path = join(t.dir, 'raw', 'companies.csv');
    writeRecords(path, [['company_id', 'name'], ...Array.from({length: 3000}, (_, i) => [`co_${i}`, `n${i}`])]);
    await expect(TableCursor.open(path, companyColumns({company_id: true}), {required: companyCodec.columns, producedBy: 'enrich'})).rejects.toThrow(
      /companies\.csv: missing column\(s\) company_key, .*Run `stedi-gtm enrich` again/,
    );
    const cursor = await TableCursor.open(path, companyColumns({company_id: true, name: true}), {
      required: ['company_id', 'name'],
      producedBy: 'enrich',
    });
    const wait = cursor.advance();
    if (wait) await wait;
    expect(cursor.row).toEqual({company_id: 'co_0', name: 'n0'});
    await cursor.close();
  });
});

describe('deals, billing and unify on tables the fast scanner declines', () => {
  it('write the same bytes as on the plain tables (papaparse takes over)', async () => {
    expect((await runCli(Enrich, ['--provider', 'rules', '--input', SAMPLE, ...args('a')])).exitCode).toBe(0);
    mkdirSync(file('b', 'raw'), {recursive: true});
    cpSync(file('a', 'raw/companies.csv'), file('b', 'raw/companies.csv'));
    await simulate('a');

    // companies.csv declined in its middle: deals, billing and unify read it through papaparse.
    const n = records(file('b', 'raw/companies.csv')).length;
    declinedCopy(file('b', 'raw/companies.csv'), Math.floor(n / 2));
    expect(await scannerTakes(file('b', 'raw/companies.csv'))).toBe(false);
    await simulate('b');
    for (const f of OUTPUTS) expect([f, readFileSync(file('b', f), 'utf8')]).toEqual([f, readFileSync(file('a', f), 'utf8')]);

    // The tables unify reads after the companies, declined too (each at its first row).
    for (const f of ['raw/leads.csv', 'raw/deals.csv', 'raw/billing.csv']) {
      declinedCopy(file('b', f), 1);
      expect([f, await scannerTakes(file('b', f))]).toEqual([f, false]);
    }
    // (The copies are other bytes than the tables were made from: see forgetSources.)
    forgetSources('b');
    expect((await runCli(Unify, args('b'))).exitCode).toBe(0);
    expect(readFileSync(file('b', 'final/unified.csv'), 'utf8')).toBe(readFileSync(file('a', 'final/unified.csv'), 'utf8'));
    expect((await runCli(Billing, args('b'))).exitCode).toBe(0);
    for (const f of ['raw/billing.csv', 'raw/invoices.csv'])
      expect([f, readFileSync(file('b', f), 'utf8')]).toEqual([f, readFileSync(file('a', f), 'utf8')]);
  });
});

describe('tables that do not belong together (company by company walk)', () => {
  /** A data dir with companies, deals, billing and unified tables made by the stages. */
  async function made(dir: string, n = 240): Promise<Company[]> {
    const cs = population(n);
    writeCompanies(dir, cs);
    await simulate(dir);
    return cs;
  }
  const dealRows = (dir: string) => records(file(dir, 'raw/deals.csv'));

  it('refuses a deals.csv whose companies are out of the order of companies.csv, naming the row (exit 2, outputs kept)', async () => {
    await made('a');
    const [header, ...rows] = dealRows('a');
    const first = rows[0][1];
    const moved = [...rows.filter((r) => r[1] !== first), ...rows.filter((r) => r[1] === first)];
    writeRecords(file('a', 'raw/deals.csv'), [header, ...moved]);
    const billingBefore = readFileSync(file('a', 'raw/billing.csv'));
    const unifiedBefore = readFileSync(file('a', 'final/unified.csv'));
    const row = moved.findIndex((r) => r[1] === first) + 2;
    // billing.csv was made from the deals.csv before the edit.
    const u = await runCli(Unify, args('a'));
    expect([u.exitCode, u.stderr]).toEqual([
      2,
      expect.stringMatching(/billing\.csv was made from another deals\.csv than .*deals\.csv .*Run `stedi-gtm billing --data-dir \S+` again/),
    ]);
    forgetSources('a');
    for (const Cmd of [Billing, Unify]) {
      const r = await runCli(Cmd, args('a'));
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `deals\\.csv row ${row} \\(${moved[row - 2][0]}\\): the deals of company ${first} are out of the order of .*companies\\.csv.*run \`stedi-gtm deals --data-dir \\S+\` again`,
        ),
      );
    }
    expect(readFileSync(file('a', 'raw/billing.csv')).equals(billingBefore)).toBe(true);
    expect(readFileSync(file('a', 'final/unified.csv')).equals(unifiedBefore)).toBe(true);
    expect(strays('a')).toEqual([]);
  });

  it('refuses deals and leads of a company that left companies.csv, naming the row (exit 2)', async () => {
    const cs = await made('a');
    const rows = dealRows('a');
    const gone = rows[Math.floor(rows.length / 2)][1];
    writeCompanies(
      'a',
      cs.filter((c) => c.company_id !== gone),
    );
    const row = rows.findIndex((r) => r[1] === gone) + 1;
    // deals.csv was made from the companies.csv before the edit.
    let r = await runCli(Billing, args('a'));
    expect([r.exitCode, r.stderr]).toEqual([
      2,
      expect.stringMatching(
        /deals\.csv was made from another companies\.csv than .*companies\.csv .*Run `stedi-gtm deals --data-dir \S+` \(or `stedi-gtm run --from deals --data-dir \S+`\) again/,
      ),
    ]);
    forgetSources('a');
    r = await runCli(Billing, args('a'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `deals\\.csv row ${row} .*company ${gone} is not in .*companies\\.csv; companies\\.csv changed since the deals were made: run \`stedi-gtm deals --data-dir \\S+\` again`,
      ),
    );
    // unify meets the company's lead first.
    r = await runCli(Unify, args('a'));
    expect(r.exitCode).toBe(2);
    const leadRow = cs.findIndex((c) => c.company_id === gone) + 2;
    expect(r.stderr).toMatch(
      new RegExp(
        `leads\\.csv row ${leadRow} is for company ${gone}, which is not in .*companies\\.csv; companies\\.csv changed since the deals were made: run \`stedi-gtm deals --data-dir \\S+\` again`,
      ),
    );
  });

  it('refuses a leads.csv out of the order of companies.csv, and a billing.csv out of the order of deals.csv (exit 2)', async () => {
    const cs = await made('a');
    const [lh, l1, l2, ...lrest] = records(file('a', 'raw/leads.csv'));
    writeRecords(file('a', 'raw/leads.csv'), [lh, l2, l1, ...lrest]);
    let r = await runCli(Unify, args('a'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      `leads.csv has no row for company ${cs[0].company_id} (${cs[0].name}) at row 2, which is for company ${cs[1].company_id}`,
    );
    expect(r.stderr).toContain('run `stedi-gtm deals --data-dir ');

    writeRecords(file('a', 'raw/leads.csv'), [lh, l1, l2, ...lrest]);
    const [bh, b1, ...brest] = records(file('a', 'raw/billing.csv'));
    expect(brest.length).toBeGreaterThan(5);
    writeRecords(file('a', 'raw/billing.csv'), [bh, ...brest, b1]);
    r = await runCli(Unify, args('a'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/billing\.csv has \d+ contracts for \d+ won deals .*run `stedi-gtm billing --data-dir \S+` again/);
  });

  it('--limit bills and unifies the first companies only, and still checks every deal', async () => {
    const cs = await made('a');
    mkdirSync(file('lim', 'raw'), {recursive: true});
    for (const f of ['raw/companies.csv', 'raw/leads.csv', 'raw/deals.csv']) cpSync(file('a', f), file('lim', f));
    for (const Cmd of [Billing, Unify]) expect((await runCli(Cmd, args('lim', '--limit', '100'))).exitCode).toBe(0);
    const first = new Set(cs.slice(0, 100).map((c) => c.company_id));
    const [bh, ...contracts] = records(file('a', 'raw/billing.csv'));
    expect(contracts.filter((c) => first.has(c[2])).length).toBeGreaterThan(3);
    expect(records(file('lim', 'raw/billing.csv'))).toEqual([bh, ...contracts.filter((c) => first.has(c[2]))]);
    const [uh, ...unified] = records(file('a', 'final/unified.csv'));
    expect(records(file('lim', 'final/unified.csv'))).toEqual([uh, ...unified.filter((u) => first.has(u[0]))]);

    // A bad deal of a company past the limit is still found.
    const [dh, ...deals] = dealRows('a');
    const last = deals.length - 1;
    expect(first.has(deals[last][1])).toBe(false);
    deals[last][dh.indexOf('as_of_date')] = '2025-01-31';
    writeRecords(file('lim', 'raw/deals.csv'), [dh, ...deals]);
    const r = await runCli(Billing, args('lim', '--limit', '100'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`deals\\.csv row ${last + 2} .*as_of_date 2025-01-31 differs from`));
  });
});

describe('TableCursor.estimatedRows', () => {
  it('estimates the rows of the file from the bytes read so far (for the ETA), within a few percent', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'rows.csv');
      // 5,000 rows of varying length, as a table written by this tool.
      const rows = Array.from({length: 5000}, (_, i) => [`id${i}`, 'x'.repeat(20 + (i % 40)), String(i)]);
      writeFileSync(file, [['a', 'b', 'c'], ...rows].map((r) => `${encodeCsvRow(r)}\n`).join(''));
      const {TableCodec} = await import('../src/io/table-codec.js');
      const codec = new TableCodec([{name: 'a', kind: 'string', nullable: false, plain: false}]);
      const cursor = await TableCursor.open(file, codec, {required: ['a'], producedBy: 'test'});
      let n = 0;
      let estimate: number | undefined;
      for (;;) {
        const w = cursor.advance();
        if (w) await w;
        if (cursor.row === undefined) break;
        if (++n === 600) estimate = cursor.estimatedRows();
      }
      expect(n).toBe(5000);
      expect(Math.abs(estimate! - 5000)).toBeLessThan(250);
      await cursor.close();
    } finally {
      t.cleanup();
    }
  });
});
