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
    const r = await runCli(Run, [
      '--input',
      SAMPLE,
      '--config-dir',
      dir,
      '--provider',
      'rules',
      '--data-dir',
      data,
      '--seed',
      '42',
      '--no-report',
      '--quiet',
    ]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);

    const leads = rows(join(data, 'raw', 'leads.csv')).filter((l) => l.lead_source === 'trade_shows');
    expect(leads.length).toBeGreaterThan(0);
    for (const l of leads) expect(['Booth - HIMSS 2026', 'Booth - MGMA 2026']).toContain(l.campaign);
    const deals = rows(join(data, 'raw', 'deals.csv')).filter((d) => d.lead_source === 'trade_shows');
    expect(deals.length).toBeGreaterThan(0);
    expect(new Set(deals.map((d) => d.company_id)).size).toBeLessThanOrEqual(leads.length);
    expect(rows(join(data, 'final', 'unified.csv')).some((u) => u.lead_source === 'trade_shows')).toBe(true);
    const summary = JSON.parse(readFileSync(join(data, 'interim', 'deals_summary.json'), 'utf8')) as {
      lead_sources: Record<string, {companies: number}>;
    };
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
      [
        (text) => text.replace(/^lead_sources:\n/m, `lead_sources:\n${NEW_SOURCE.replace('"Booth - MGMA 2026"', '"HIMSS 2025"')}\n`),
        /deal_model\.yml: lead_sources\.events\.campaigns\.1 \(line \d+\): campaign "HIMSS 2025" is also listed under lead_sources\.trade_shows: a campaign belongs to one lead source/,
      ],
      [
        (text) => text.replace(/^lead_sources:\n/m, `lead_sources:\n${NEW_SOURCE.replace('trade_shows:', 'Trade-Shows:')}\n`),
        /deal_model\.yml: lead_sources\.Trade-Shows \(line \d+\): "Trade-Shows": a lead source name is lower-case letters, digits and _/,
      ],
    ];
    for (const [edit, message] of cases) {
      const {dir, file} = editedConfig(edit);
      const r = await runCli(Run, [
        '--input',
        SAMPLE,
        '--config-dir',
        dir,
        '--provider',
        'rules',
        '--data-dir',
        join(t.dir, 'data'),
        '--no-report',
        '--quiet',
      ]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
    }
  });
});

/**
 * deal_model.yml with a fourth segment, strategic, for the largest companies: declared in segments.names, given
 * the largest size bands, a rep, and an entry (the enterprise value) in every per-segment map.
 */
function withStrategic(text: string): string {
  return (
    text
      .replace('names: [smb, mid_market, enterprise]', 'names: [smb, mid_market, enterprise, strategic]')
      .replace('"5001-10000": enterprise', '"5001-10000": strategic')
      .replace('"10001+": enterprise', '"10001+": strategic')
      .replace(/^(reps:\n)/m, '$1  - {name: "Nora Quinn", segment: strategic, hire_date: "2023-01-02", quarterly_quota_arr: 150000}\n')
      // The one-line maps ({smb: .., mid_market: .., enterprise: x}) and the multi-line ones (one key a line).
      .replace(/ enterprise: ([^,}\n]+)\}/g, ' enterprise: $1, strategic: $1}')
      .replace(/^( +)enterprise: (.+)$/gm, '$1enterprise: $2\n$1strategic: $2')
  );
}

describe('a segment added in config/deal_model.yml', () => {
  it('is given to the companies of its size bands, written to leads.csv, deals.csv, reps.csv, billing.csv and unified.csv, and summarised', async () => {
    const {dir} = editedConfig(withStrategic);
    const data = join(t.dir, 'data');
    const r = await runCli(Run, [
      '--input',
      SAMPLE,
      '--config-dir',
      dir,
      '--provider',
      'rules',
      '--data-dir',
      data,
      '--seed',
      '42',
      '--no-report',
      '--quiet',
    ]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);

    const companies = rows(join(data, 'raw', 'companies.csv'));
    const largest = new Set(companies.filter((c) => c.size_band === '5001-10000' || c.size_band === '10001+').map((c) => c.company_id));
    expect(largest.size).toBeGreaterThan(0);
    const leads = rows(join(data, 'raw', 'leads.csv'));
    // Every company of the strategic size bands, and only those, is strategic, owned by the strategic rep.
    expect(new Set(leads.filter((l) => l.segment === 'strategic').map((l) => l.company_id))).toEqual(largest);
    for (const l of leads.filter((x) => x.segment === 'strategic')) expect(l.owner).toBe('Nora Quinn');
    expect(
      rows(join(data, 'raw', 'reps.csv'))
        .filter((x) => x.segment === 'strategic')
        .map((x) => x.name),
    ).toEqual(['Nora Quinn']);
    const deals = rows(join(data, 'raw', 'deals.csv')).filter((d) => d.segment === 'strategic');
    expect(deals.length).toBeGreaterThan(0);
    expect(rows(join(data, 'final', 'unified.csv')).some((u) => u.segment === 'strategic')).toBe(true);
    const won = deals.filter((d) => d.outcome === 'won').length;
    expect(rows(join(data, 'raw', 'billing.csv')).filter((b) => b.segment === 'strategic' && b.term_number === '1')).toHaveLength(won);

    type Deals = {
      median_cycle_days: Record<string, number | null>;
      won_by_segment: Record<string, number>;
      quota_attainment: {by_segment: Record<string, {rep_quarters: number}>};
    };
    const summary = JSON.parse(readFileSync(join(data, 'interim', 'deals_summary.json'), 'utf8')) as Deals;
    // The segments in the config's order, the new one last.
    expect(Object.keys(summary.won_by_segment)).toEqual(['smb', 'mid_market', 'enterprise', 'strategic']);
    expect(Object.keys(summary.median_cycle_days)).toEqual(['overall', 'smb', 'mid_market', 'enterprise', 'strategic']);
    expect(summary.won_by_segment.strategic).toBe(won);
    expect(summary.quota_attainment.by_segment.strategic.rep_quarters).toBeGreaterThan(0);
    const billing = JSON.parse(readFileSync(join(data, 'interim', 'billing_summary.json'), 'utf8')) as Record<string, unknown> & {
      retention_by_segment: Record<string, unknown>;
    };
    expect(Object.keys(billing.retention_by_segment)).toEqual(['smb', 'mid_market', 'enterprise', 'strategic']);
    // Its targets (copied from enterprise's) give it the per-segment figures.
    expect(billing.strategic_contracts).toBe(won);
    expect(Object.keys(billing)).toContain('annual_share_strategic');

    // The readers check segment against the loaded config: billing reads deals.csv again; one the config does
    // not have is refused, naming the file, row, column and value (exit 2).
    const dealsFile = join(data, 'raw', 'deals.csv');
    writeFileSync(dealsFile, readFileSync(dealsFile, 'utf8').replace(',strategic,', ',strategy,'));
    const bad = await runCli(Billing, ['--data-dir', data, '--config-dir', dir, '--quiet']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/deals\.csv.*row \d+.*segment.*"?strategy"?/s);
  });

  it('missing from a per-segment map, or a key that is not a declared segment, is a config error naming the file, key and line (exit 2)', async () => {
    const cases: Array<[(text: string) => string, RegExp]> = [
      // churn_probability without strategic.
      [
        (text) =>
          withStrategic(text).replace(
            'churn_probability: {smb: 0.21, mid_market: 0.13, enterprise: 0.08, strategic: 0.08}',
            'churn_probability: {smb: 0.21, mid_market: 0.13, enterprise: 0.08}',
          ),
        /deal_model\.yml: billing\.renewal\.churn_probability \(line \d+\): no entry for segment strategic/,
      ],
      // The shipped segments, and a map naming one more.
      [
        (text) => text.replace('expansion_probability: {smb: 0.15,', 'expansion_probability: {strategic: 0.5, smb: 0.15,'),
        /deal_model\.yml: repeat_deals\.expansion_probability\.strategic \(line \d+\): "strategic" is not a segment of segments\.names/,
      ],
      // A rep of an undeclared segment.
      [
        (text) => text.replace('segment: enterprise, hire_date: "2026-03-02"', 'segment: strategic, hire_date: "2026-03-02"'),
        /deal_model\.yml: reps\.7\.segment \(line \d+\): "strategic" is not a segment of segments\.names/,
      ],
    ];
    for (const [edit, message] of cases) {
      const {dir, file} = editedConfig(edit);
      const r = await runCli(Run, [
        '--input',
        SAMPLE,
        '--config-dir',
        dir,
        '--provider',
        'rules',
        '--data-dir',
        join(t.dir, 'data'),
        '--no-report',
        '--quiet',
      ]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
    }
  });
});
