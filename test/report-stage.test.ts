import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Report from '../src/commands/report.js';
import {summarize} from '../src/core/report/figures.js';
import {createReporter} from '../src/io/reporter.js';
import {reportPath, reportStage} from '../src/stages/report.js';
import {runCli, tempDir} from './helpers/cli.js';
import {writeFixtureDataDir} from './fixtures/report/data-dir.js';
import {AS_OF, tables} from './fixtures/report/tables.js';

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
    expect(r.stderr).toContain(`run \`stedi-gtm ${command}\` first`);
    expect(existsSync(join(t.dir, 'data', 'final', 'report.html'))).toBe(false);
  });

  it('exits 2 when a table lacks a column the report reads', async () => {
    const paths = await writeFixtureDataDir(join(t.dir, 'data'));
    writeFileSync(paths.billing, 'billing_id,deal_id\nb1,d1\n');
    const r = await runCli(Report, ['--data-dir', join(t.dir, 'data'), '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/billing\.csv: missing column\(s\) company_id, arr, contract_status.*stedi-gtm billing/);
  });
});
