/*
 * Lead sources are model data: adding one is an edit of config/deal_model.yml, with no code change. These tests
 * copy the shipped config, add a source (its weights, effects and campaigns) and run the pipeline on the sample.
 */
import {cpSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import Billing from '../src/commands/billing.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import {runCli, tempDir} from './helpers/cli.js';
import {CONFIG_DIR, SAMPLE} from './helpers/simulation.js';

const NEW_SOURCE = [
  '  trade_shows:',
  '    weight: {smb: 30, mid_market: 30, enterprise: 30}',
  '    opportunity_logit: 1.5',
  '    win_logit: 0.3',
  '    campaigns: ["Booth - HIMSS 2026", "Booth - MGMA 2026"]',
].join('\n');

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

/** A copy of the shipped config folder with deal_model.yml edited by `edit`. */
function editedConfig(edit: (text: string) => string): {dir: string; file: string} {
  const dir = join(t.dir, 'config');
  cpSync(CONFIG_DIR, dir, {recursive: true});
  const file = join(dir, 'deal_model.yml');
  const text = readFileSync(file, 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(file, edited);
  return {dir, file};
}

const rows = (file: string) => Papa.parse<Record<string, string>>(readFileSync(file, 'utf8'), {header: true, skipEmptyLines: true}).data;

describe('a lead source added in config/deal_model.yml', () => {
  it('is drawn, written to leads.csv, deals.csv and unified.csv, summarised, and accepted by the readers', async () => {
    const {dir} = editedConfig((text) => text.replace(/^lead_sources:\n/m, `lead_sources:\n${NEW_SOURCE}\n`));
    const data = join(t.dir, 'data');
    const r = await runCli(Run, ['--input', SAMPLE, '--config-dir', dir, '--provider', 'rules', '--data-dir', data, '--seed', '42', '--no-report', '--quiet']);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);

    const leads = rows(join(data, 'raw', 'leads.csv')).filter((l) => l.lead_source === 'trade_shows');
    expect(leads.length).toBeGreaterThan(0);
    for (const l of leads) expect(['Booth - HIMSS 2026', 'Booth - MGMA 2026']).toContain(l.campaign);
    const deals = rows(join(data, 'raw', 'deals.csv')).filter((d) => d.lead_source === 'trade_shows');
    expect(deals.length).toBeGreaterThan(0);
    expect(new Set(deals.map((d) => d.company_id)).size).toBeLessThanOrEqual(leads.length);
    expect(rows(join(data, 'final', 'unified.csv')).some((u) => u.lead_source === 'trade_shows')).toBe(true);
    const summary = JSON.parse(readFileSync(join(data, 'interim', 'deals_summary.json'), 'utf8')) as {lead_sources: Record<string, {companies: number}>};
    expect(summary.lead_sources.trade_shows.companies).toBe(leads.length);

    // The readers check lead_source against the loaded config: unify reads leads.csv and deals.csv again.
    expect((await runCli(Unify, ['--data-dir', data, '--config-dir', dir, '--quiet'])).exitCode).toBe(0);
    // A source the config does not have is refused, naming the file, row, column and value (exit 2).
    const dealsFile = join(data, 'raw', 'deals.csv');
    const text = readFileSync(dealsFile, 'utf8');
    writeFileSync(dealsFile, text.replace(',trade_shows,', ',tradeshows,'));
    const bad = await runCli(Billing, ['--data-dir', data, '--config-dir', dir, '--quiet']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/deals\.csv.*row \d+.*lead_source.*"?tradeshows"?/s);
    expect(bad.stderr).toContain('trade_shows');
  });

  it('with a campaign of another source, or a name that is not a lead_source value, is a config error naming the file and key (exit 2)', async () => {
    const cases: Array<[(text: string) => string, RegExp]> = [
      [(text) => text.replace(/^lead_sources:\n/m, `lead_sources:\n${NEW_SOURCE.replace('"Booth - MGMA 2026"', '"HIMSS 2025"')}\n`),
        /deal_model\.yml: lead_sources\.events\.campaigns\.1 \(line \d+\): campaign "HIMSS 2025" is also listed under lead_sources\.trade_shows: a campaign belongs to one lead source/],
      [(text) => text.replace(/^lead_sources:\n/m, `lead_sources:\n${NEW_SOURCE.replace('trade_shows:', 'Trade-Shows:')}\n`),
        /deal_model\.yml: lead_sources\.Trade-Shows \(line \d+\): "Trade-Shows": a lead source name is lower-case letters, digits and _/],
    ];
    for (const [edit, message] of cases) {
      const {dir, file} = editedConfig(edit);
      const r = await runCli(Run, ['--input', SAMPLE, '--config-dir', dir, '--provider', 'rules', '--data-dir', join(t.dir, 'data'), '--no-report', '--quiet']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
    }
  });
});
