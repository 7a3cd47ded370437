/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, no external resource), the
 * same bytes for the same inputs. Pure string building.
 */
import {CHART_FONT, humanize, int, type ChartDef} from './chart-style.js';
import {formatPct, formatUsd} from '../format.js';
import type {CalibrationCheck} from './checks.js';
import type {ReportSummary} from './figures.js';
import type {PipelineFigures} from '../pipeline-stats.js';

/** What the header says about the run that produced the tables. */
export interface RunFacts {
  input_file: string | null;
  input_rows: number | null;
  companies_in_input: number | null;
  merged_rows: number | null;
  rejected_rows: number | null;
  skipped_by_limit: number | null;
  provider: string | null;
  enrichment_fallbacks: number;
  seed: number | null;
  as_of: string;
  window: string | null;
  checks: CalibrationCheck[];
  /** Trailing-12-month retention and the ARR bridge by quarter (billing_summary.json), when recorded. */
  retention?: {
    base_date: string;
    groups: Array<{label: string; customers: number; nrr: number | null; grr: number | null; logo_churn: number | null}>;
    bridge: Array<{quarter: string; starting_arr: number; new: number; expansion: number; contraction: number; churn: number; ending_arr: number}>;
  } | null;
  /** The data directory (absolute). */
  data_dir: string;
  /** Output files: label and path relative to data_dir. */
  outputs: Array<[string, string]>;
}

export interface RenderedChart {
  def: ChartDef;
  svg: string;
}

const ESC: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/**
 * Makes the ids inside one SVG unique on the page and independent of how many charts Vega drew before in
 * this process (its gradient and clip ids come from a global counter): ids become `<prefix>-1`, `-2`, ...
 * in order of first appearance, and every reference to them follows.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid=")([^"]+)(")|(url\(#)([^)]+)(\))|(href="#)([^"]+)(")/g, (all, a1, id1, a3, b1, id2, b3, c1, id3, c3) => {
    if (a1 !== undefined) return ids.has(id1) ? `${a1}${ids.get(id1)}${a3}` : all;
    if (b1 !== undefined) return ids.has(id2) ? `${b1}${ids.get(id2)}${b3}` : all;
    return ids.has(id3) ? `${c1}${ids.get(id3)}${c3}` : all;
  });
}

function n(v: number | null): string {
  return v === null ? 'n/a' : int(v);
}

/** The headline figures as label/value/detail triples (the page's tiles and the terminal table share them). */
export function headline(s: ReportSummary): Array<{label: string; value: string; detail: string}> {
  return [
    {label: 'Companies', value: n(s.companies), detail: `${n(s.companies_with_opportunity)} with an opportunity`},
    {label: 'ICP share', value: formatPct(s.icp_share, 1), detail: `${n(s.icp_fit)} ICP-fit companies`},
    {label: 'Opportunities', value: n(s.opportunities), detail: `${n(s.won)} won · ${n(s.lost)} lost · ${n(s.open)} open`},
    {label: 'Win rate', value: formatPct(s.win_rate, 1), detail: 'of closed deals'},
    {label: 'Open pipeline', value: formatUsd(s.open_pipeline_arr), detail: `${formatUsd(s.weighted_pipeline_arr)} weighted · ${n(s.open)} deals`},
    {
      label: 'Median cycle',
      value: s.median_cycle_days === null ? 'n/a' : `${n(Math.round(s.median_cycle_days))} days`,
      detail: 'won deals, created to close',
    },
    {
      label: 'Customers',
      value: n(s.customers),
      detail: `${n(s.customers_with_contract)} with a contract (${n(s.customers_with_active_contract)} active) · ${n(s.contracts)} contracts`,
    },
    {label: 'ARR', value: formatUsd(s.arr), detail: `active contracts · ${formatUsd(s.booked_arr)} booked · MRR ${formatUsd(s.mrr_as_of)}`},
    ...(s.quota_attainment_share === null && s.median_pipeline_coverage === null
      ? []
      : [
          {
            label: 'Reps at quota',
            value: formatPct(s.quota_attainment_share, 1),
            detail: `of rep-quarters · coverage ${times(s.median_pipeline_coverage)} · slip ${formatPct(s.median_slip_rate, 0)}`,
          },
        ]),
  ];
}

/** 3.1x (n/a when null). */
const times = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)}x`);

/**
 * The pipeline section: quota attainment per rep and the quarters' coverage and slip (see core/pipeline-stats.ts),
 * as tables (the coverage chart is among the charts).
 */
function pipelineTables(p: PipelineFigures): string {
  const qa = p.quota_attainment;
  const pct = (x: number | null) => escapeHtml(formatPct(x, 0));
  const reps = qa.by_rep.map(
    (r) =>
      `<tr><th>${escapeHtml(r.name)}</th><td>${escapeHtml(r.segment)}</td><td class="num">${formatUsd(r.quarterly_quota_arr)}</td><td class="num">${n(r.rep_quarters)}</td>` +
      `<td class="num">${r.rep_quarters ? `${n(r.at_quota)} (${pct(r.at_quota_share)})` : 'n/a'}</td><td class="num">${pct(r.median_attainment)}</td><td class="num">${formatUsd(r.bookings_arr)}</td></tr>`,
  );
  const all = `<tr><th>All reps</th><td></td><td></td><td class="num">${n(qa.rep_quarters)}</td><td class="num">${n(qa.at_quota)} (${pct(qa.at_quota_share)})</td><td class="num">${pct(qa.median_attainment)}</td><td></td></tr>`;
  const quarters = p.pipeline_quarters.map(
    (q) =>
      `<tr${q.measured ? '' : ' class="muted"'}><th>${escapeHtml(q.quarter)}</th><td>${q.snapshot_date ?? 'none'}</td><td class="num">${formatUsd(q.pipeline_arr)}</td><td class="num">${formatUsd(q.bookings_arr)}</td>` +
      `<td class="num">${times(q.coverage)}</td><td class="num">${n(q.forecast_deals)}</td><td class="num">${pct(q.slip_rate)}</td><td>${q.measured ? '' : q.complete ? 'ramp-up' : 'not ended'}</td></tr>`,
  );
  return `<section class="facts">
<div class="card"><h2>Quota attainment by rep</h2><p class="note">Bookings (closed ARR of won deals owned, by quarter of close) over the quarterly quota, for each quarter from the rep's first full quarter (and past the window's first two) to the last ended by the as-of date.</p>
<table><tr><th>Rep</th><th>Segment</th><th class="num">Quota / quarter</th><th class="num">Quarters</th><th class="num">At quota</th><th class="num">Median attainment</th><th class="num">Bookings</th></tr>${reps.join('')}${all}</table></div>
<div class="card"><h2>Pipeline coverage and slip by quarter</h2><p class="note">At the quarter's first weekly snapshot: open deals expected to close in the quarter (their ARR over the quarter's bookings is the coverage; those not closed by the quarter's end slipped). Medians over the measured quarters: coverage ${times(p.median_pipeline_coverage)}, slip ${pct(p.median_slip_rate)}.</p>
<table><tr><th>Quarter</th><th>Snapshot</th><th class="num">Pipeline</th><th class="num">Bookings</th><th class="num">Coverage</th><th class="num">Forecast deals</th><th class="num">Slipped</th><th></th></tr>${quarters.join('')}</table></div>
</section>`;
}

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f4f5f7;color:#1d2430;font:14px/1.45 ${CHART_FONT}}
.page{max-width:1240px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:15px;margin:0 0 8px}
.sub{color:#555;margin:0 0 4px}
.synthetic{color:#555;font-size:12.5px;margin:0 0 18px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(112px,1fr));gap:10px;margin:0 0 16px}
.tile{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 12px}
.tile .label{font-size:12px;color:#555}
.tile .value{font-size:22px;font-weight:bold;margin:2px 0}
.tile .detail{font-size:11.5px;color:#666}
.facts{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:12px;margin:0 0 16px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 14px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{text-align:left;padding:3px 8px 3px 0;vertical-align:top;border-bottom:1px solid #eef0f2}
th{font-weight:normal;color:#555;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.path{word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11.5px}
.ok{color:#2d7a4c}
.warn{color:#b3412a;font-weight:bold}
.muted{color:#777}
.noise{color:#a36a00}
.note{font-size:12px;color:#555;margin:0 0 6px}
th.num{text-align:right}
.charts{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}
figure.chart{margin:0;background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 12px;break-inside:avoid;page-break-inside:avoid}
figure.chart.wide{grid-column:1/-1}
figure.chart svg{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{font-size:11.5px;color:#666;margin-top:4px}
footer{margin-top:18px;font-size:11.5px;color:#666}
@media (max-width:900px){.charts,.facts{grid-template-columns:minmax(0,1fr)}}
@page{size:A4 landscape;margin:10mm}
@media print{
body{background:#fff;font-size:12px}
.page{max-width:none;padding:0}
.tile,.card,figure.chart{border-color:#ccc}
.tiles{grid-template-columns:repeat(4,minmax(0,1fr))}
.facts,.tiles{break-inside:avoid;page-break-inside:avoid}
.charts{display:block}
figure.chart{display:inline-block;vertical-align:top;width:49.4%;margin:0 0 8px}
figure.chart:nth-child(odd):not(.wide){margin-right:0.6%}
figure.chart.wide{display:block;width:100%}
}
`.trim();

/** The retention card: NRR, GRR and logo churn by group, and the ARR bridge by quarter. */
function retentionCard(f: RunFacts): string {
  const r = f.retention;
  if (!r) return '';
  const pct = (v: number | null) => (v === null ? 'n/a' : formatPct(v));
  const groups = r.groups
    .map(
      (g) =>
        `<tr><td>${escapeHtml(humanize(g.label))}</td><td class="num">${n(g.customers)}</td><td class="num">${pct(g.nrr)}</td><td class="num">${pct(g.grr)}</td><td class="num">${pct(g.logo_churn)}</td></tr>`,
    )
    .join('');
  const quarters = r.bridge.filter((q) => q.starting_arr || q.ending_arr);
  const bridge = quarters
    .map(
      (q) =>
        `<tr><td>${escapeHtml(q.quarter)}</td>${[q.starting_arr, q.new, q.expansion, -q.contraction, -q.churn, q.ending_arr].map((v) => `<td class="num">${formatUsd(v)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<section class="facts">
<div class="card"><h2>Retention (trailing 12 months)</h2><p class="note">Customers with ARR on ${escapeHtml(r.base_date)} and their ARR a year later: NRR counts expansion, GRR does not; logo churn is the share with no ARR left.</p>
<table><thead><tr><th>customers</th><th class="num">n</th><th class="num">NRR</th><th class="num">GRR</th><th class="num">logo churn</th></tr></thead><tbody>${groups}</tbody></table></div>
<div class="card"><h2>ARR bridge by quarter</h2>${quarters.length === 0 ? '<p class="note">No ARR yet.</p>' : `<table><thead><tr><th>quarter</th><th class="num">starting</th><th class="num">new</th><th class="num">expansion</th><th class="num">contraction</th><th class="num">churn</th><th class="num">ending</th></tr></thead><tbody>${bridge}</tbody></table>`}</div>
</section>`;
}

function factsTable(f: RunFacts): string {
  const rows: Array<[string, string]> = [];
  rows.push(['Input file', f.input_file ? escapeHtml(f.input_file) : 'n/a']);
  if (f.input_rows !== null) {
    const parts = [
      `${n(f.input_rows)} rows in`,
      `${n(f.companies_in_input)} companies`,
      `${n(f.merged_rows)} merged`,
      `${n(f.rejected_rows)} rejected`,
    ];
    if (f.skipped_by_limit) parts.push(`${n(f.skipped_by_limit)} left out by --limit`);
    rows.push(['Row accounting', parts.join(' · ')]);
  }
  rows.push(['Seed', f.seed === null ? 'n/a' : String(f.seed)]);
  rows.push(['As-of date', escapeHtml(f.as_of)]);
  if (f.window) rows.push(['Simulation window', escapeHtml(f.window)]);
  rows.push(['Enrichment provider', f.provider ? escapeHtml(f.provider) : 'n/a']);
  rows.push([
    'Enrichment fallbacks',
    `${n(f.enrichment_fallbacks)} ${f.enrichment_fallbacks === 1 ? 'company' : 'companies'} fell back to the rules`,
  ]);
  return `<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

const VERDICT: Record<string, [string, string]> = {
  ok: ['ok', 'in range'],
  within_noise: ['noise', 'within noise'],
  outside: ['warn', 'outside'],
  too_few: ['muted', 'too few to judge'],
  no_data: ['muted', 'no data'],
};

function checksTable(checks: readonly CalibrationCheck[]): string {
  if (checks.length === 0) return '<p class="note">No calibration checks were recorded for this run.</p>';
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  const judged = count('ok') + count('within_noise') + count('outside');
  const parts = [`${count('ok')} of ${judged} judged figures are inside their target ranges`];
  if (count('within_noise')) parts.push(`${count('within_noise')} outside but within sampling noise (the 95% interval reaches the range)`);
  if (count('outside')) parts.push(`${count('outside')} clearly outside`);
  const head = `<p class="note">${parts.join('; ')}. Ranges from deal_model.yml (targets).</p>`;
  const rows = checks.map((c) => {
    const [cls, text] = VERDICT[c.status] ?? ['muted', escapeHtml(c.status)];
    return `<tr><th>${escapeHtml(c.name)}</th><td class="num">${escapeHtml(c.value)}</td><td class="num">${escapeHtml(c.target)}</td><td class="num">${escapeHtml(c.interval)}</td><td class="num">${n(c.n)}</td><td class="${cls}">${text}</td></tr>`;
  });
  return `${head}<table><tr><th>Figure</th><th class="num">Value</th><th class="num">Target</th><th class="num">95% interval</th><th class="num">n</th><th></th></tr>${rows.join('')}</table>`;
}

function outputsTable(outputs: Array<[string, string]>): string {
  return `<table>${outputs.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="path">${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

/**
 * The line under the title that says what the data is: real companies, enriched, with a sales history that
 * was simulated, so that no reader takes a figure for a real company's.
 */
function syntheticNote(f: RunFacts): string {
  const source = f.input_file ? `the companies of ${basename(f.input_file)}` : 'a list of companies';
  const enriched = f.provider ? ` enriched by the ${f.provider} provider` : '';
  const seed = f.seed === null ? '' : ` with seed ${f.seed}`;
  return (
    `Synthetic data: ${source}${enriched}, with leads, deals, contracts and invoices simulated by stedi-gtm from the model in ` +
    `deal_model.yml${seed}. The companies may be real; their sales history here is not.`
  );
}

/** The whole page. */
export function renderPage(
  facts: RunFacts,
  summary: ReportSummary,
  charts: readonly RenderedChart[],
  pipeline: PipelineFigures | null = null,
): string {
  const tiles = headline(summary)
    .map(
      (t) =>
        `<div class="tile"><div class="label">${t.label}</div><div class="value">${escapeHtml(t.value)}</div><div class="detail">${escapeHtml(t.detail)}</div></div>`,
    )
    .join('\n');
  const figures = charts
    .map(({def, svg}) => {
      return `<figure class="chart${def.wide ? ' wide' : ''}" id="chart-${def.id}" data-chart="${def.id}" aria-label="${escapeHtml(def.title)}">\n${scopeSvgIds(svg, `c-${def.id}`)}\n<figcaption>${escapeHtml(def.note)}</figcaption></figure>`;
    })
    .join('\n');
  const sub = [
    `as of ${facts.as_of}`,
    facts.seed === null ? null : `seed ${facts.seed}`,
    facts.provider ? `provider ${facts.provider}` : null,
    facts.input_file ? basename(facts.input_file) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>stedi-gtm dataset report (as of ${escapeHtml(facts.as_of)})</title>
<style>
${CSS}
</style>
</head>
<body>
<div class="page">
<header>
<h1>Go-to-market dataset report</h1>
<p class="sub">${escapeHtml(sub)}</p>
<p class="synthetic">${escapeHtml(syntheticNote(facts))}</p>
</header>
<section class="tiles" aria-label="Headline figures">
${tiles}
</section>
<section class="facts">
<div class="card"><h2>Run</h2>${factsTable(facts)}</div>
<div class="card"><h2>Calibration checks</h2>${checksTable(facts.checks)}</div>
</section>
${retentionCard(facts)}
${pipeline ? `${pipelineTables(pipeline)}\n` : ''}<main class="charts">
${figures}
</main>
<footer class="card">
<h2>Files</h2><p class="note">In the data directory <code>${escapeHtml(facts.data_dir)}</code>:</p>${outputsTable(facts.outputs)}
<p style="margin:8px 0 0">Made by <code>stedi-gtm report</code> from the tables above. The same tables give the same page.</p>
</footer>
</div>
</body>
</html>
`;
}

function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i === -1 ? path : path.slice(i + 1);
}
