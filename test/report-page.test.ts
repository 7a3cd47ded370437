import {readFileSync} from 'node:fs';
import {parse as parseYaml} from 'yaml';
import {displayCheck, formatMetric} from '../src/core/report/checks.js';
import {computeFigures} from '../src/core/report/figures.js';
import {escapeHtml, renderPage, scopeSvgIds, type RunFacts} from '../src/core/report/html.js';
import {humanize} from '../src/core/report/chart-style.js';
import {chartDefs, type ChartDef} from '../src/core/report/specs.js';
import {formatPct, formatUsd} from '../src/core/format.js';
import {displayPath} from '../src/core/display-path.js';
import {formatSummaryTable, type ReportResult} from '../src/core/report/summary.js';
import {textWidth} from '../src/core/report/text-width.js';
import {AS_OF, BANDS, SEGMENTS, STAGES, TIERS, tables} from './fixtures/report/tables.js';

const figures = computeFigures(tables, {stages: STAGES, segments: SEGMENTS, icpTiers: TIERS, sizeBands: BANDS, asOf: AS_OF});

const facts: RunFacts = {
  input_file: '/in/<b>clay</b>.csv',
  input_rows: 9,
  companies_in_input: 6,
  merged_rows: 2,
  rejected_rows: 1,
  skipped_by_limit: 0,
  provider: 'rules',
  enrichment_fallbacks: 1,
  seed: 7,
  as_of: AS_OF,
  window: '2024-09-01 to 2025-08-31',
  checks: [
    displayCheck({metric: 'win_rate', value: 0.5, n: 6, range: [0.15, 0.3], interval: [0.31, 0.69], status: 'outside'}),
    displayCheck({metric: 'open_share', value: 0.33, n: 9, range: [0.1, 0.3], interval: [0.12, 0.65], status: 'within_noise'}),
    displayCheck({metric: 'median_won_arr', value: 12000, n: 30, range: [10000, 40000], status: 'ok'}),
    displayCheck({metric: 'median_cycle_days', value: 60, n: 3, range: [30, 120], status: 'too_few'}),
  ],
  data_dir: '/d',
  outputs: [['deals', 'raw/deals.csv']],
};

type Enc = {field?: string; type?: string; title?: string | null};
type Spec = {title?: {text: string; subtitle?: string}; encoding?: Record<string, Enc>; layer?: Spec[]};

/** The x and y encodings of a spec and its layers. */
function positional(spec: Spec): Enc[] {
  const out: Enc[] = [];
  for (const s of [spec, ...(spec.layer ?? [])]) for (const ch of ['x', 'y'] as const) if (s.encoding?.[ch]) out.push(s.encoding[ch]);
  return out;
}

describe('chart specs', () => {
  const defs = chartDefs(figures);

  it('has every chart the issue asks for, with unique ids', () => {
    expect(defs.map((d) => d.id)).toEqual([
      'funnel',
      'loss_reasons',
      'win_rate_icp_tier',
      'win_rate_lead_source',
      'win_rate_segment',
      'cycle_by_segment',
      'pipeline_by_month',
      'arr_distribution',
      'arr_by_size',
      'mrr_over_time',
      'icp_mix',
      'techstack_mix',
    ]);
  });

  it('gives every chart a title and every axis a title, with units on the value axes', () => {
    for (const d of defs) {
      const spec = d.spec as Spec;
      expect(spec.title?.text).toBe(d.title);
      const axes = positional(spec).filter((e) => e.title);
      const channels = new Set(
        positional(spec)
          .filter((e) => e.title)
          .map((e) => e.type),
      );
      expect(channels.size).toBeGreaterThan(0);
      for (const e of axes)
        if (e.type === 'quantitative') expect(`${d.id}: ${e.title}`).toMatch(/\((count|USD|days|% of closed deals|USD per month)[^)]*\)$/);
      // Both axes are titled.
      expect(axes.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('compiles with Vega-Lite', async () => {
    const vl = await import('vega-lite');
    for (const d of defs) expect(() => vl.compile(d.spec)).not.toThrow();
  });

  it('carries the figures, not the raw rows', () => {
    const funnel = defs[0].spec as unknown as {data: {values: Array<{stage: string; fate: string; deals: number}>}};
    const discovery = funnel.data.values.filter((v) => v.stage === 'Discovery');
    expect(Object.fromEntries(discovery.map((v) => [v.fate, v.deals]))).toEqual({Advanced: 6, 'Lost at this stage': 2, 'Open at this stage': 1});
  });
});

describe('formatting', () => {
  it('humanizes keys', () => {
    expect(['tier_1', 'not_icp', 'mid_market', 'smb', 'paid_search', 'technical_evaluation', 'build_in_house'].map(humanize)).toEqual([
      'Tier 1',
      'Not ICP',
      'Mid-market',
      'SMB',
      'Paid search',
      'Technical evaluation',
      'Build in-house',
    ]);
  });

  it('formats money and shares', () => {
    expect(
      [0, 950, 999.6, 1000, 12345, 9994, 9996, 14900, 250000, 999_499, 999_500, 1_250_000, 12_345_678, 999_400_000, 1_252_000_000, -5000].map(
        formatUsd,
      ),
    ).toEqual([
      '$0',
      '$950',
      '$1K',
      '$1K',
      '$12.3K',
      '$9.99K',
      '$10K',
      '$14.9K',
      '$250K',
      '$999K',
      '$1M',
      '$1.25M',
      '$12.3M',
      '$999M',
      '$1.25B',
      '-$5K',
    ]);
    expect([formatPct(0.2167, 1), formatPct(1), formatPct(null)]).toEqual(['21.7%', '100%', 'n/a']);
  });

  it('formats calibration checks in their units', () => {
    expect(formatMetric('win_rate', 0.2167)).toBe('21.7%');
    expect(formatMetric('median_cycle_days_smb', 34)).toBe('34 days');
    expect(formatMetric('median_won_arr', 14900)).toBe('$14.9K');
    expect(formatMetric('median_contract_term_months', 12)).toBe('12 months');
    expect(formatMetric('icp_opportunity_lift', 3.36)).toBe('3.36x');
    expect(displayCheck({metric: 'no_decision_share', value: null, n: 0, range: [0.4, 0.6], status: 'no_data'})).toEqual({
      name: 'No decision share of losses',
      value: 'n/a',
      target: '40-60%',
      interval: '',
      n: 0,
      status: 'no_data',
    });
    expect(displayCheck({metric: 'median_cycle_days', value: 38, n: 13, range: [40, 90], status: 'outside'}).target).toBe('40-90 days');
  });

  it('shows every target of deal_model.yml in its unit (%, x, days, months, $), acronyms in capitals, as the terminal does', () => {
    const targets = (parseYaml(readFileSync('config/deal_model.yml', 'utf8')) as {targets: Record<string, unknown>}).targets;
    const ranges: Array<[string, [number, number]]> = [];
    for (const [key, v] of Object.entries(targets)) {
      if (Array.isArray(v)) ranges.push([key, v as [number, number]]);
      else if (key.endsWith('_by_segment'))
        for (const [segment, r] of Object.entries(v as Record<string, [number, number]>))
          ranges.push([`${key.slice(0, -'_by_segment'.length)}_${segment}`, r]);
    }
    expect(ranges.map(([m]) => m)).toEqual(
      expect.arrayContaining(['grr', 'grr_smb', 'nrr', 'nrr_large', 'pipeline_coverage', 'quota_attainment_share']),
    );
    for (const [metric, range] of ranges) {
      const c = displayCheck({metric, value: (range[0] + range[1]) / 2, n: 20, range, interval: range, status: 'ok'});
      for (const shown of [c.value, c.target, c.interval])
        expect([metric, shown]).toEqual([metric, expect.stringMatching(/^\$|(%|x| days| months)$/)]);
      for (const word of c.name.match(/\b(nrr|grr|arr|acv|icp|smb)\b/gi) ?? []) expect([metric, word]).toEqual([metric, word.toUpperCase()]);
    }
    const grr = displayCheck({metric: 'grr', value: 0.991, n: 7, range: [0.85, 0.95], interval: [0.973, 1.01], status: 'too_few'});
    expect([grr.name, grr.value, grr.target, grr.interval]).toEqual(['GRR (trailing 12 months)', '99.1%', '85-95%', '97.3-101%']);
    expect(displayCheck({metric: 'grr_smb', value: 0.684, n: 3, range: [0.72, 0.88], status: 'too_few'})).toMatchObject({
      name: 'GRR, SMB (trailing 12 months)',
      value: '68.4%',
    });
    expect(displayCheck({metric: 'nrr_large', value: 1, n: 2, range: [1.03, 1.25], status: 'too_few'}).value).toBe('100%');
    expect(displayCheck({metric: 'pipeline_coverage', value: 7.78, n: 8, range: [2.5, 4], status: 'too_few'})).toMatchObject({
      value: '7.78x',
      target: '2.5-4x',
    });
  });

  it('measures text with Helvetica metrics', () => {
    expect(textWidth('', 11)).toBe(0);
    expect(textWidth('iiii', 10)).toBeCloseTo(8.88); // 222 units each
    expect(textWidth('MMMM', 10)).toBeCloseTo(33.32); // 833 units each
    expect(textWidth('Ab', 10, true)).toBeGreaterThan(textWidth('Ab', 10));
  });
});

describe('scopeSvgIds', () => {
  it('renames ids in order of appearance and every reference to them', () => {
    const svg =
      '<svg><defs><linearGradient id="gradient_7"/><clipPath id="clip3"/></defs><rect fill="url(#gradient_7)" clip-path="url(#clip3)"/><use href="#clip3"/><rect fill="url(#other)"/></svg>';
    expect(scopeSvgIds(svg, 'c-x')).toBe(
      '<svg><defs><linearGradient id="c-x-1"/><clipPath id="c-x-2"/></defs><rect fill="url(#c-x-1)" clip-path="url(#c-x-2)"/><use href="#c-x-2"/><rect fill="url(#other)"/></svg>',
    );
  });

  it('gives the same text whatever the counters were', () => {
    expect(scopeSvgIds('<g id="gradient_1"/><p fill="url(#gradient_1)"/>', 'a')).toBe(
      scopeSvgIds('<g id="gradient_99"/><p fill="url(#gradient_99)"/>', 'a'),
    );
  });
});

describe('renderPage', () => {
  const charts = chartDefs(figures).map((def) => ({def, svg: `<svg id="x"><rect fill="url(#x)"/></svg>`}));
  const html = renderPage(facts, figures.summary, charts);

  it('is self-contained: no script, no external resource, a CSP that forbids fetching', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(http/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('escapes text from the data', () => {
    expect(html).toContain(escapeHtml('/in/<b>clay</b>.csv'));
    expect(html).not.toContain('<b>clay</b>');
  });

  it('shows the run facts and the checks with their ranges', () => {
    expect(html).toContain('9 rows in · 6 companies · 2 merged · 1 rejected');
    expect(html).toMatch(/<th>Seed<\/th><td>7<\/td>/);
    expect(html).toMatch(/<th>As-of date<\/th><td>2025-08-31<\/td>/);
    expect(html).toMatch(/<th>Enrichment provider<\/th><td>rules<\/td>/);
    expect(html).toContain('1 company fell back to the rules');
    expect(html).toMatch(
      /Win rate \(closed deals\)<\/th><td class="num">50%<\/td><td class="num">15-30%<\/td><td class="num">31-69%<\/td><td class="num">6<\/td><td class="warn">outside/,
    );
    expect(html).toMatch(
      /Median won ARR<\/th><td class="num">\$12K<\/td><td class="num">\$10K-\$40K<\/td><td class="num"><\/td><td class="num">30<\/td><td class="ok">in range/,
    );
    expect(html).toContain('<td class="noise">within noise');
    expect(html).toContain('<td class="muted">too few to judge');
    expect(html).toContain(
      '1 of 3 judged figures are inside their target ranges; 1 outside but within sampling noise (the 95% interval reaches the range); 1 clearly outside.',
    );
  });

  it('has one figure per chart, with ids scoped per chart', () => {
    for (const c of charts)
      expect(html).toContain(`<figure class="chart${c.def.wide ? ' wide' : ''}" id="chart-${c.def.id}" data-chart="${c.def.id}"`);
    expect(html).toContain('<svg id="c-funnel-1"><rect fill="url(#c-funnel-1)"/></svg>');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows a chart without data as a panel saying what there is none of', () => {
    const empty = computeFigures(
      {companies: tables.companies, deals: [], contracts: [], invoices: []},
      {stages: STAGES, segments: SEGMENTS, icpTiers: TIERS, sizeBands: BANDS, asOf: AS_OF},
    );
    const defs = chartDefs(empty);
    const page = renderPage(
      facts,
      empty.summary,
      defs.map((def) => ({def, svg: '<svg></svg>'})),
    );
    expect(page.match(/<figcaption>No [a-z ]+ in this dataset\.</g)?.length).toBe(10); // all but the two company mixes
    for (const d of defs.filter((x) => x.rows === 0)) {
      const spec = d.spec as {encoding?: Record<string, unknown>; layer?: unknown};
      expect([d.id, Object.keys(spec.encoding ?? {}), spec.layer]).toEqual([d.id, ['text'], undefined]);
    }
  });

  it('fades the bars of groups smaller than the configured size, and says so', () => {
    const at = (minGroup: number) => chartDefs(figures, minGroup).find((d) => d.id === 'win_rate_lead_source')!;
    const small = (d: ChartDef) => (d.spec as {data: {values: Array<{small: boolean}>}}).data.values.filter((v) => v.small).length;
    expect(small(at(0))).toBe(0);
    expect(small(at(1000))).toBeGreaterThan(0);
    expect(at(1000).note).toContain('Faded bars: fewer than 1,000 closed deals');
    expect(JSON.stringify(at(1000).spec)).toContain('"test":"datum.small"');
  });

  it('says the data is synthetic and how it was made', () => {
    const page = renderPage(
      facts,
      figures.summary,
      chartDefs(figures).map((def) => ({def, svg: '<svg></svg>'})),
    );
    expect(page).toMatch(/<p class="synthetic">Synthetic data: .* simulated by stedi-gtm from the model in deal_model\.yml/);
  });

  it("writes money on the axes as on the cards (K, M, B; never d3's k and G)", () => {
    const specs = JSON.stringify(chartDefs(figures).map((d) => d.spec));
    expect(specs).not.toContain("'$~s'}");
    expect(specs).toContain("replace(replace(format(datum.value, '$~s'), 'k', 'K'), 'G', 'B')");
  });
});

describe('formatSummaryTable', () => {
  const result: ReportResult = {
    ...figures.summary,
    as_of: AS_OF,
    seed: 7,
    report: 'data/final/report.html',
    outputs: {companies: 'data/raw/companies.csv', unified: 'data/final/unified.csv', report: 'data/final/report.html', elsewhere: '/tmp/x.csv'},
  };
  const text = formatSummaryTable(result);
  const lines = text.trimEnd().split('\n');

  it('lists the headline figures in aligned columns', () => {
    expect(lines[0]).toBe('Dataset as of 2025-08-31 (seed 7)');
    const rows = lines.slice(1, 9);
    expect(
      rows.map((l) =>
        l
          .trim()
          .split(/\s{2,}/)
          .slice(0, 2),
      ),
    ).toEqual([
      ['Companies', '6'],
      ['ICP share', '50.0%'],
      ['Opportunities', '9'],
      ['Win rate', '50.0%'],
      ['Open pipeline', '$217K'],
      ['Median cycle', '60 days'],
      ['Customers', '3'],
      ['ARR', '$72K'],
    ]);
    const starts = rows.map((l) => {
      const [label, value, detail] = l.trim().split(/\s{2,}/);
      const v = l.indexOf(value, 2 + label.length);
      return [l.indexOf(label), v, l.indexOf(detail, v + value.length)];
    });
    for (const column of [0, 1, 2]) expect(new Set(starts.map((s) => s[column])).size).toBe(1);
    expect(starts[0][0]).toBe(2);
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('lists the files as the result gives them (relative to the working directory when below it)', () => {
    expect(lines.slice(9)).toEqual([
      'Files',
      '  companies  data/raw/companies.csv',
      '  unified    data/final/unified.csv',
      '  report     data/final/report.html',
      '  elsewhere  /tmp/x.csv',
    ]);
    expect(displayPath('/w', '/w')).toBe('/w');
  });

  it('leaves out the seed when it is unknown', () => {
    expect(formatSummaryTable({...result, seed: null}).split('\n')[0]).toBe('Dataset as of 2025-08-31');
  });
});
