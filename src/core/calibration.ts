import {BillingStats, billCompany, compileBillingModel} from './billing.js';
import {formatIsoDay} from './calendar.js';
import {DealStats, simulateCompany, type DealModel} from './deals.js';
import {PipelineStats} from './pipeline-stats.js';
import {stableId} from './hash.js';
import type {Company} from '../schemas/companies.js';

/**
 * The companies replicated `copies` times under new keys and IDs: a larger population with the same mix,
 * for calibrating the sales model (src/scripts/calibrate-deals.ts) and its tests.
 */
export function replicate(companies: readonly Company[], copies: number): Company[] {
  const out: Company[] = [];
  for (let k = 0; k < copies; k++) {
    for (const c of companies) {
      const key = `${c.company_key}#copy${k}`;
      out.push({...c, company_key: key, company_id: stableId('co', key)});
    }
  }
  return out;
}

/**
 * Deals and billing figures of a population, simulated in memory (no files): the calibration script and the
 * calibration tests compare these with the target ranges of deal_model.yml.
 */
export function simulatePopulation(companies: readonly Company[], model: DealModel, seed: number, asOf: number) {
  const billing = compileBillingModel(model);
  const deals = new DealStats(model);
  const contracts = new BillingStats(billing, asOf);
  const pipeline = new PipelineStats({
    reps: model.config.reps,
    segments: model.segments,
    windowStart: model.config.simulation.window_start,
    asOf: formatIsoDay(asOf),
  });
  for (const c of companies) {
    const sim = simulateCompany(c, model, seed, asOf);
    deals.add(c, sim);
    pipeline.add(sim);
    contracts.addBilled(billCompany(sim.deals, c, billing, seed, asOf));
  }
  const figures = pipeline.figures();
  return {deals: deals.summary(), billing: contracts.summary(), pipeline: {figures, checks: pipeline.checks(model.config.targets)}};
}
