/**
 * Calibration and benchmark of the deal model (not part of the CLI). Usage, after `npm run build` and
 * `stedi-gtm enrich`:
 *   node dist/scripts/calibrate-deals.js [--companies data/raw/companies.csv] [--config config] \
 *     [--copies 30] [--seed 42] [--seeds 20] [--as-of YYYY-MM-DD] [--bench 100000]
 * --copies N: replicate every company N times under new keys (a larger population with the sample's mix)
 *   and print the deals and billing figures with their target checks.
 * --seeds K: run the sample itself with seeds 1..K and print the spread of the main figures (with the pipeline's:
 *   share of rep-quarters at quota, median attainment, pipeline coverage, slip rate; quotas scale with the
 *   companies per rep, so calibrate them with --copies on a realistic export size).
 * --bench N: time deals + billing + unify (core functions and row encoding) on N replicated companies.
 */
import {parseArgs} from 'node:util';
import {billCompany, compileBillingModel} from '../core/billing.js';
import {parseIsoDay} from '../core/calendar.js';
import {compileDealModel, simulateCompany} from '../core/deals.js';
import {unifyCompany} from '../core/unify.js';
import type {Contract} from '../schemas/deals.js';
import {arrMovementCodec, contractCodec, invoiceCodec} from '../stages/billing.js';
import {dealCodec, leadCodec, loadDealModelConfig} from '../stages/deals.js';
import {unifiedCompanyCodec, unifiedSalesCodec} from '../stages/unify.js';
import {companyCodec} from '../stages/enrich.js';
import {readTable} from '../io/csv.js';
import {replicate, simulatePopulation} from '../core/calibration.js';
import {FLAG_DEFAULTS} from '../defaults.js';

const {values: opts} = parseArgs({
  options: {
    companies: {type: 'string', default: `${FLAG_DEFAULTS.dataDir}/raw/companies.csv`},
    config: {type: 'string', default: FLAG_DEFAULTS.configDir},
    copies: {type: 'string', default: '30'},
    seed: {type: 'string', default: String(FLAG_DEFAULTS.seed)},
    seeds: {type: 'string'},
    'as-of': {type: 'string'},
    bench: {type: 'string'},
  },
});

const simulate = simulatePopulation;

const rows = await readTable(opts.companies!, companyCodec.columns, 'enrich');
const sample = rows.map((r) => companyCodec.decode(r));
const config = await loadDealModelConfig(opts.config!);
const asOf = opts['as-of'] ? parseIsoDay(opts['as-of'])! : parseIsoDay(config.simulation.as_of)!;
const model = compileDealModel(config, asOf);
const seed = Number(opts.seed);

if (opts.bench) {
  const n = Number(opts.bench);
  const population = replicate(sample, Math.ceil(n / sample.length)).slice(0, n);
  const billing = compileBillingModel(model);
  for (let round = 0; round < 3; round++) {
    let deals = 0;
    let contracts = 0;
    let invoices = 0;
    let unified = 0;
    const t0 = performance.now();
    for (const c of population) {
      const sim = simulateCompany(c, model, seed, asOf);
      deals += sim.deals.length;
      const b = billCompany(sim.deals, c, billing, seed, asOf);
      const cs: Contract[] = b.terms;
      invoices += b.invoices.length;
      contracts += b.contracts;
      unified += unifyCompany(c, sim.lead, sim.deals, cs).length;
    }
    const t1 = performance.now();
    let chars = 0;
    for (const c of population) {
      const sim = simulateCompany(c, model, seed, asOf);
      chars += leadCodec.encode(sim.lead).length;
      for (const d of sim.deals) chars += dealCodec.encode(d).length;
      const b = billCompany(sim.deals, c, billing, seed, asOf);
      const cs: Contract[] = b.terms;
      for (const t of cs) chars += contractCodec.encode(t).length;
      for (const inv of b.invoices) chars += invoiceCodec.encode(inv).length;
      for (const m of b.movements) chars += arrMovementCodec.encode(m).length;
      for (const r of unifyCompany(c, sim.lead, sim.deals, cs)) chars += unifiedCompanyCodec.encode(c).length + unifiedSalesCodec.encode(r).length;
    }
    const t2 = performance.now();
    console.log(
      `bench ${population.length} companies: deals+billing+unify core ${(t1 - t0).toFixed(0)} ms; with row encoding ${(t2 - t1).toFixed(0)} ms ` +
        `(${deals} deals, ${contracts} contracts, ${invoices} invoices, ${unified} unified rows, ${chars} fields)`,
    );
  }
} else if (opts.seeds) {
  const k = Number(opts.seeds);
  const keys = [
    'opportunity_rate',
    'win_rate',
    'open_share',
    'median_won_arr',
    'won_arr_below_5k_share',
    'won_arr_above_100k_share',
    'quarter_end_close_share',
  ] as const;
  const table: Record<string, number[]> = {};
  const cycles: Record<string, number[]> = Object.fromEntries(['overall', ...model.segments].map((g) => [g, [] as number[]]));
  const nd: number[] = [];
  const pipelineKeys = ['quota_attainment_share', 'median_attainment', 'median_pipeline_coverage', 'median_slip_rate'] as const;
  const pipe: Record<string, number[]> = {};
  let outside = 0;
  for (let s = 1; s <= k; s++) {
    const r = simulate(sample, model, s, asOf);
    for (const key of keys) (table[key] ??= []).push(r.deals.figures[key] ?? NaN);
    for (const seg of Object.keys(cycles)) cycles[seg].push(r.deals.figures.median_cycle_days[seg] ?? NaN);
    nd.push(r.deals.figures.loss_reasons.no_decision);
    const p = r.pipeline.figures;
    const pv = {
      quota_attainment_share: p.quota_attainment.at_quota_share,
      median_attainment: p.quota_attainment.median_attainment,
      median_pipeline_coverage: p.median_pipeline_coverage,
      median_slip_rate: p.median_slip_rate,
    };
    for (const key of pipelineKeys) (pipe[key] ??= []).push(pv[key] ?? NaN);
    outside += r.deals.warnings.length + r.billing.warnings.length + r.pipeline.checks.filter((c) => c.status === 'outside').length;
  }
  const q = (xs: number[]) => {
    const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    return `min ${s[0]?.toFixed(3)}  p25 ${at(0.25)?.toFixed(3)}  median ${at(0.5)?.toFixed(3)}  p75 ${at(0.75)?.toFixed(3)}  max ${s[s.length - 1]?.toFixed(3)}`;
  };
  console.log(`sample (${sample.length} companies), seeds 1..${k}:`);
  for (const key of keys) console.log(`  ${key.padEnd(26)} ${q(table[key])}`);
  for (const seg of Object.keys(cycles)) console.log(`  median_cycle_days ${seg.padEnd(10)} ${q(cycles[seg])}`);
  console.log(`  no_decision_share          ${q(nd)}`);
  for (const key of pipelineKeys) console.log(`  ${key.padEnd(26)} ${q(pipe[key])}`);
  console.log(`  warnings per seed: ${(outside / k).toFixed(1)}`);
} else {
  const copies = Number(opts.copies);
  const population = replicate(sample, copies);
  const r = simulate(population, model, seed, asOf);
  console.log(JSON.stringify({companies: population.length, deals: r.deals, billing: r.billing, pipeline: r.pipeline}, null, 2));
}
