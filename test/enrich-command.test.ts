import {existsSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import Enrich from '../src/commands/enrich.js';
import {CLAY_HEADER, clayCsv, runCli, tempDir} from './helpers/cli.js';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const enrich = (...argv: string[]) => runCli(Enrich, ['--provider', 'rules', '--config-dir', CONFIG, '--data-dir', join(t.dir, 'data'), ...argv]);

describe('stedi-gtm enrich', () => {
  it('accounts for every row of the sample and prints only JSON under --json', async () => {
    const r = await enrich('--input', SAMPLE, '--json');
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.input_rows).toBe(340);
    expect(s.companies + s.merged_rows + s.rejected_rows).toBe(s.input_rows);
    expect(s.merged_rows).toBeGreaterThan(0);
    expect(s.rejected_rows).toBeGreaterThan(0);
    expect(s.counts.previous_customers).toBeGreaterThanOrEqual(5);
    expect(s.counts.icp_fit).toBeGreaterThan(0);
    expect(s.counts.uses_x12).toBeGreaterThan(0);
    expect(s.output).toBe(join(t.dir, 'data', 'raw', 'companies.csv'));
    const companies = readFileSync(s.output, 'utf8');
    const rejects = readFileSync(join(t.dir, 'data', 'interim', 'rejects.csv'), 'utf8');
    expect(Papa.parse(rejects, {skipEmptyLines: true}).data.length - 1).toBe(s.rejected_rows);
    expect(companies.startsWith('company_id,company_key,name,domain,domain_status')).toBe(true);
  });

  it('gives byte-identical outputs on two runs', async () => {
    await enrich('--input', SAMPLE, '--quiet');
    const first = readFileSync(join(t.dir, 'data', 'raw', 'companies.csv'));
    await enrich('--input', SAMPLE, '--quiet');
    expect(readFileSync(join(t.dir, 'data', 'raw', 'companies.csv')).equals(first)).toBe(true);
  });

  it('--limit writes the first N companies and still accounts for every row', async () => {
    const r = await enrich('--input', SAMPLE, '--limit', '25', '--json');
    const s = JSON.parse(r.stdout);
    expect(s.companies_written).toBe(25);
    expect(s.skipped_by_limit).toBe(s.companies - 25);
    expect(s.companies + s.merged_rows + s.rejected_rows).toBe(s.input_rows);
    const parsed = Papa.parse<string[]>(readFileSync(s.output, 'utf8'), {skipEmptyLines: true});
    expect(parsed.data.length).toBe(26);
  });

  it('fails with exit 2, names every missing column and the file, and writes nothing', async () => {
    const input = join(t.dir, 'bad.csv');
    writeFileSync(input, clayCsv(['Name', 'Description', 'Size', 'Domain'], [['A', 'b', '2-10 employees', 'a.com']]));
    const r = await enrich('--input', input);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(input);
    for (const col of ['Primary Industry', 'Type', 'Location', 'Country', 'LinkedIn URL']) expect(r.stderr).toContain(col);
    expect(existsSync(join(t.dir, 'data', 'raw', 'companies.csv'))).toBe(false);
  });

  it('says when the missing columns are there, separated by semicolons, tabs or bars instead of commas', async () => {
    const rows = [['', 'A', 'b', 'Hospitals and Health Care', '2-10 employees', 'Privately Held', 'Austin, Texas', 'United States', 'a.com', '']];
    const input = join(t.dir, 'sep.csv');
    // Quoted or not (the quoted form is not plain CSV: papaparse reads its header).
    for (const [sep, quoted, name] of [
      [';', false, 'semicolons'],
      [';', true, 'semicolons'],
      ['\t', false, 'tabs'],
      ['|', true, 'vertical bars'],
    ] as const) {
      const q = (v: string) => (quoted ? `"${v}"` : v);
      writeFileSync(input, [CLAY_HEADER, ...rows].map((r) => r.map(q).join(sep)).join('\r\n') + '\r\n');
      const r = await enrich('--input', input);
      expect([sep, quoted, r.exitCode]).toEqual([sep, quoted, 2]);
      expect(r.stderr).toMatch(new RegExp(`This file separates its fields with ${name}[^\\n]*, not commas`));
    }
    // A file that lacks columns whatever the delimiter gets no such hint.
    writeFileSync(input, 'Name;Domain\r\nA;a.com\r\n');
    const r = await enrich('--input', input);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).not.toContain('separates its fields');
  });

  it('reports a missing input file with exit 2, also as JSON', async () => {
    const r = await enrich('--input', join(t.dir, 'nope.csv'), '--json');
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/nope\.csv: cannot read input file \(no such file\)/);
  });

  it('reports a bad config with exit 2 naming the file and key', async () => {
    const cfg = join(t.dir, 'cfg');
    mkdirSync(cfg);
    writeFileSync(
      join(cfg, 'icp_rules.yml'),
      readFileSync(join(CONFIG, 'icp_rules.yml'), 'utf8').replace('must_have_points: 10', 'must_have_points: -5'),
    );
    writeFileSync(join(cfg, 'previous_customers.yml'), readFileSync(join(CONFIG, 'previous_customers.yml')));
    const r = await runCli(Enrich, ['--provider', 'rules', '--config-dir', cfg, '--data-dir', join(t.dir, 'data'), '--input', SAMPLE]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/icp_rules\.yml: keywords\.must_have_points \(line \d+\)/);
  });

  it('rejects bad flag values with exit 2', async () => {
    expect((await enrich('--limit', '0')).exitCode).toBe(2);
    expect((await enrich('--limit', 'ten')).exitCode).toBe(2);
    expect((await enrich('--provider', 'magic')).exitCode).toBe(2);
    expect((await enrich('--no-such-flag')).exitCode).toBe(2);
  });

  it('prints nothing under --quiet', async () => {
    const r = await enrich('--input', SAMPLE, '--quiet');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
  });

  it('says which provider auto chose', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const r = await runCli(Enrich, ['--config-dir', CONFIG, '--data-dir', join(t.dir, 'data'), '--input', SAMPLE]);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/Provider: rules \(auto: no OPENAI_API_KEY set\)/);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('handles a messy generated export: BOM, LF, reordered and extra columns, duplicates, junk rows', async () => {
    const header = ['Extra', ...[...CLAY_HEADER].reverse()];
    const rows: string[][] = [];
    const expectRejected = 40;
    for (let i = 0; i < 400; i++) {
      const junk = i % 10 === 0;
      const domain = junk ? '' : i % 7 === 0 ? `https://www.Shared${i % 3}.com/x` : i % 11 === 0 ? '' : `co${i}.com`;
      const linkedin = junk ? '' : `https://www.linkedin.com/company/c${i}`;
      const name = junk ? '' : `Company ${i}`;
      // reversed Clay order: LinkedIn URL, Domain, Country, Location, Type, Size, Primary Industry, Description, Name, Find companies
      rows.push([
        'x',
        linkedin,
        domain,
        'United States',
        'Austin, TX',
        'Privately Held',
        `${(i % 5) + 1},001-${(i % 5) + 2},000 employees`,
        'Insurance',
        `Line 1\nLine "2" ${i} — é`,
        name,
        '',
      ]);
    }
    const input = join(t.dir, 'messy.csv');
    writeFileSync(input, clayCsv(header, rows, {bom: true, eol: '\n'}));
    const r = await enrich('--input', input, '--json');
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.input_rows).toBe(400);
    expect(s.rejected_rows).toBe(expectRejected);
    expect(s.companies + s.merged_rows + s.rejected_rows).toBe(400);
    expect(s.merged_rows).toBeGreaterThan(0);
    const out = readFileSync(s.output, 'utf8');
    expect(out).toContain('Line "2" 1 — é'.replaceAll('"', '""'));
  });
});

describe('cleaning that real exports need', () => {
  const clay = (name: string, domain: string, slug: string) => [
    '',
    name,
    `About ${name}.`,
    'Hospitals and Health Care',
    '11-50 employees',
    'Privately Held',
    'Austin, Texas',
    'United States',
    domain,
    slug ? `https://www.linkedin.com/company/${slug}` : '',
  ];
  const rejectsOf = () =>
    Papa.parse<Record<string, string>>(readFileSync(join(t.dir, 'data', 'interim', 'rejects.csv'), 'utf8'), {header: true, skipEmptyLines: true})
      .data;

  it('rejects rows whose name says the LinkedIn page is gone, with the reason, and keeps real names that contain such words', async () => {
    const input = join(t.dir, 'gone.csv');
    writeFileSync(
      input,
      clayCsv(CLAY_HEADER, [
        clay('Acme Health', 'acme.com', 'acme'),
        clay('Deactivated Account', '', 'deactivated-1'),
        clay('LinkedIn Member', 'member.org', ''),
        clay('Unavailable Home Care', 'uhc.com', 'uhc'),
        clay('This page doesn’t exist', '', 'gone-2'),
      ]),
    );
    const r = await enrich('--input', input, '--json');
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout);
    expect([s.input_rows, s.companies, s.merged_rows, s.rejected_rows]).toEqual([5, 2, 0, 3]);
    expect(rejectsOf().map((x) => [x.row, x.reason])).toEqual([
      ['3', 'name says the page is gone: Deactivated Account'],
      ['4', 'name says the page is gone: LinkedIn Member'],
      ['6', 'name says the page is gone: This page doesn’t exist'],
    ]);
    const names = Papa.parse<Record<string, string>>(readFileSync(s.output, 'utf8'), {header: true, skipEmptyLines: true}).data.map((c) => c.name);
    expect(names).toEqual(['Acme Health', 'Unavailable Home Care']);
  });
});

describe('packaged defaults', () => {
  it('uses the shipped config and sample input when the working directory has none, and says so on stderr', async () => {
    const cwd = process.cwd();
    process.chdir(t.dir);
    try {
      const r = await runCli(Enrich, ['--provider', 'rules', '--json']);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/no config here: using the config shipped with stedi-gtm/);
      expect(r.stderr).toMatch(/no data\/input\/companies_clay.csv here: using the sample input shipped with stedi-gtm/);
      expect(JSON.parse(r.stdout).input_rows).toBe(340);
      expect(existsSync(join(t.dir, 'data', 'raw', 'companies.csv'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it('never falls back for a path the user gave', async () => {
    const cwd = process.cwd();
    process.chdir(t.dir);
    try {
      const r = await runCli(Enrich, ['--provider', 'rules', '--config-dir', 'config']);
      expect(r.exitCode).toBe(2);
      // (Named as given, relative to the working directory.)
      expect(r.stderr).toMatch(/^Error: --config-dir config: the config folder does not exist/m);
    } finally {
      process.chdir(cwd);
    }
  });
});
