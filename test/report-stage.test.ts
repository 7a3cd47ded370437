import {appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Report from '../src/commands/report.js';
import {CompanyDigest, summarize} from '../src/core/report/figures.js';
import {createReporter} from '../src/io/reporter.js';
import {reportPath, reportStage} from '../src/stages/report.js';
import {runCli, tempDir} from './helpers/cli.js';
import {fixtureId, writeFixtureDataDir} from './fixtures/report/data-dir.js';
import {AS_OF, companies, deals, tables, unified} from './fixtures/report/tables.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const quiet = () => createReporter('quiet');

describe('report stage', () => {
  it('writes one HTML page with every chart drawn and returns the headline figures', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    const r = await reportStage({paths, reporter: await quiet()});
    expect(r.report).toBe(join(t.dir, 'data', 'final', 'report.html'));
    expect(r).toMatchObject({...summarize(tables, AS_OF), as_of: AS_OF, seed: 7});
    expect(Object.keys(r.outputs)).toEqual(['companies', 'deals', 'billing', 'invoices', 'unified', 'report']);
    const html = readFileSync(r.report, 'utf8');
    const figures = [...html.matchAll(/<figure class="chart[^"]*" id="chart-([a-z_]+)"[^>]*>\n(<svg[\s\S]*?<\/svg>)/g)];
    expect(figures).toHaveLength(12);
    for (const [, id, svg] of figures) {
      // Vega draws marks as paths (bars, lines, rules) and text; every chart has both.
      expect(`${id}: ${/<path /.test(svg)}`).toBe(`${id}: true`);
      expect(svg).toContain('<text');
    }
    // the header's facts come from the interim summaries
    expect(html).toContain('/exports/clay &lt;export&gt;.csv');
    expect(html).toContain('9 rows in · 6 companies · 2 merged · 1 rejected');
    expect(html).toContain('2024-09-01 to 2025-08-31');
    expect(html).toContain('Small buyers billed monthly');
    expect(html).toContain('too few to judge');
    expect(html).toContain('<td class="num">19-81%</td>');
    expect(html).toContain(`<code>${join(t.dir, 'data')}</code>`);
    expect(html).toContain('<tr><th>unified</th><td class="path">final/unified.csv</td></tr>');
    // no leftovers from the atomic write
    expect(readdirSync(paths.final).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('gives the same bytes for the same tables', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    await reportStage({paths, reporter: await quiet()});
    const first = readFileSync(reportPath(paths));
    await reportStage({paths, reporter: await quiet()});
    expect(readFileSync(reportPath(paths)).equals(first)).toBe(true);
  });

  it('takes a digest built elsewhere instead of reading companies.csv and unified.csv, to the same bytes', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    const read = await reportStage({paths, reporter: await quiet()});
    const page = readFileSync(reportPath(paths));
    // As `run` builds it: each worker digests its part of the companies (keep: the company has a deal;
    // customer: its unified rows' is_customer), the parts' states are posted and merged.
    const parts = [companies.slice(0, 2), companies.slice(2)].map((part) => {
      const d = new CompanyDigest();
      for (const c of part)
        d.add(
          {...c, company_id: fixtureId(c.company_id)},
          deals.some((x) => x.company_id === c.company_id),
          unified.find((u) => u.company_id === c.company_id)!.is_customer,
        );
      return structuredClone(d.state());
    });
    const digest = CompanyDigest.of(parts[1], parts[0]).state();
    rmSync(paths.companies);
    rmSync(paths.unified);
    const given = await reportStage({paths, reporter: await quiet(), digest});
    expect(given).toEqual(read);
    expect(readFileSync(reportPath(paths)).equals(page)).toBe(true);
    // the merged digest itself does as well as its state
    expect(await reportStage({paths, reporter: await quiet(), digest: CompanyDigest.of(...parts)})).toEqual(read);
    expect(readFileSync(reportPath(paths)).equals(page)).toBe(true);
  });

  it('reads a companies.csv the fast scanner declines (papaparse takes over) to the same page', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    await reportStage({paths, reporter: await quiet()});
    const page = readFileSync(reportPath(paths));
    // an extra column with a quote inside an unquoted field: not plain CSV for the scanner, fine for papaparse
    const lines = readFileSync(paths.companies, 'utf8').trimEnd().split('\n');
    writeFileSync(paths.companies, `${lines.map((l, i) => `${l},${i === 0 ? 'note' : i === 3 ? 'a "quoted" word' : ''}`).join('\n')}\n`);
    await reportStage({paths, reporter: await quiet()});
    expect(readFileSync(reportPath(paths)).equals(page)).toBe(true);
  });

  it('warns about customers in unified.csv that are not companies of companies.csv, and leaves them out', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    appendFileSync(paths.unified, `${fixtureId('c9')},true\n${fixtureId('c9')},true\n`);
    const warnings: string[] = [];
    const r = await reportStage({paths, reporter: {...(await quiet()), warn: (m: string) => void warnings.push(m)}});
    expect(warnings).toEqual([expect.stringMatching(/unified\.csv has 1 customer that is not in .*companies\.csv.*stedi-gtm unify/)]);
    expect(r.customers).toBe(summarize(tables, AS_OF).customers);
  });

  it('still writes the page when the stage summaries are missing, with their facts as n/a', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'), {facts: false});
    const r = await reportStage({paths, reporter: await quiet()});
    expect(r.seed).toBeNull();
    const html = readFileSync(r.report, 'utf8');
    expect(html).toMatch(/<th>Seed<\/th><td>n\/a<\/td>/);
    expect(html).toContain('No calibration checks were recorded');
  });

  it('warns about an unreadable summary and carries on', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    writeFileSync(paths.enrichSummary, '{not json');
    const warnings: string[] = [];
    const reporter = {...(await quiet()), warn: (m: string) => void warnings.push(m)};
    await reportStage({paths, reporter});
    expect(warnings).toEqual([expect.stringContaining(`${paths.enrichSummary}: cannot read it`)]);
  });

  it('leaves out the facts of a deals summary from another run', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    const file = join(paths.interim, 'deals_summary.json');
    writeFileSync(file, JSON.stringify({...JSON.parse(readFileSync(file, 'utf8')), as_of: '2025-06-30'}));
    const warnings: string[] = [];
    const r = await reportStage({paths, reporter: {...(await quiet()), warn: (m: string) => void warnings.push(m)}});
    expect(warnings).toEqual([expect.stringContaining('is from another run (as of 2025-06-30; deals.csv is as of 2025-08-31)')]);
    expect(r.seed).toBeNull();
    expect(readFileSync(r.report, 'utf8')).toContain('No calibration checks were recorded');
  });
});

describe('stedi-gtm report', () => {
  it('prints the summary table and writes the page', async () => {
    await writeFixtureDataDir(join(t.dir, 'data'));
    const r = await runCli(Report, ['--data-dir', join(t.dir, 'data')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Dataset as of 2025-08-31 \(seed 7\)\n {2}Companies {6}6 /);
    expect(r.stdout).toContain('report.html');
    expect(existsSync(join(t.dir, 'data', 'final', 'report.html'))).toBe(true);
  });

  it('returns the same figures under --json, and prints nothing else on stdout', async () => {
    await writeFixtureDataDir(join(t.dir, 'data'));
    const r = await runCli(Report, ['--data-dir', join(t.dir, 'data'), '--json']);
    expect(r.exitCode).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({...summarize(tables, AS_OF), as_of: AS_OF, seed: 7});
  });

  it.each([
    ['companies', 'enrich'],
    ['deals', 'deals'],
    ['billing', 'billing'],
    ['invoices', 'billing'],
    ['unified', 'unify'],
  ] as const)('exits 2 and names the command to run when %s is missing', async (table, command) => {
    await writeFixtureDataDir(join(t.dir, 'data'), {omit: table});
    const r = await runCli(Report, ['--data-dir', join(t.dir, 'data')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not found');
    // (The hint repeats the user's --data-dir, so that it can be run as it is.)
    expect(r.stderr).toMatch(new RegExp(`run \`stedi-gtm ${command} --data-dir \\S+\` first`));
    expect(existsSync(join(t.dir, 'data', 'final', 'report.html'))).toBe(false);
  });

  it('exits 2 when a table lacks a column the report reads', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    writeFileSync(paths.billing, 'billing_id,deal_id\nb1,d1\n');
    const r = await runCli(Report, ['--data-dir', join(t.dir, 'data'), '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/billing\.csv: missing column\(s\) company_id, arr, contract_status.*stedi-gtm billing/);
  });

  it.each([
    ['companies', 'company_id,icp_fit\nc1,true\n', /companies\.csv: missing column\(s\) icp_tier, size_band, uses_x12.*stedi-gtm enrich/],
    ['unified', 'company_id\nc1\n', /unified\.csv: missing column\(s\) is_customer.*stedi-gtm unify/],
  ] as const)('exits 2 when the streamed %s table lacks a column the report reads', async (table, text, message) => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    writeFileSync(table === 'companies' ? paths.companies : paths.unified, text);
    const r = await runCli(Report, ['--data-dir', join(t.dir, 'data'), '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(message);
    expect(existsSync(join(t.dir, 'data', 'final', 'report.html'))).toBe(false);
  });
});
