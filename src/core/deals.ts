import {Calendar, type DayNumber} from './calendar.js';
import {stableId} from './hash.js';
import {bernoulli, fnv1a32, lognormal, logistic, normal, streamFor, uniform, uniformInt, weightedIndex, type Rng} from './random.js';
import {round} from './targets.js';
import type {DealModelConfig} from '../schemas/deal-model.js';
import type {Deal, Lead} from '../schemas/deals.js';
import type {OpportunityChange, PipelineSnapshot, Rep} from '../schemas/history.js';
import {basisOf, MAX_STAGE_DAYS, N_STAGES, weigh, type Basis, type DealCompany, type DealModel} from './deal-model.js';
import {
  CAT_CLOSED,
  CAT_OMITTED,
  changes,
  CLOSED_LOST,
  CLOSED_WON,
  F_AMOUNT,
  F_CATEGORY,
  F_EXPECTED,
  F_STAGE,
  MAX_PUSHES,
  observe,
  weeks,
  type Trajectory,
} from './deal-trajectory.js';

export {compileDealModel, type Basis, type DealCompany, type DealModel} from './deal-model.js';
export * from './deal-stats.js';

/** A company's lead and deals at the as-of date, with the deals' field history and weekly snapshots up to it. */
export interface CompanySimulation {
  lead: Lead;
  deals: Deal[];
  /** The deals' changes up to the as-of date, deal by deal (opportunity_history.csv). */
  history: OpportunityChange[];
  /** The deals' weekly snapshots up to the as-of date, deal by deal (pipeline_snapshots.csv). */
  snapshots: PipelineSnapshot[];
}

/** reps.csv: the configured team, in config order. */
export function repRows(config: DealModelConfig): Rep[] {
  return config.reps.map((r) => ({
    rep_id: stableId('rep', r.name),
    name: r.name,
    segment: r.segment,
    hire_date: r.hire_date,
    quarterly_quota_arr: r.quarterly_quota_arr,
  }));
}

/**
 * The owner of a company first touched on `touch`: a stable hash of its key over the reps of its segment hired
 * by then (the earliest-hired rep when none is: a touch before every hire).
 */
export function ownerOf(model: DealModel, seg: number, companyKey: string, touch: DayNumber): string {
  const team = model.teams[seg];
  let active = 0;
  while (active < team.length && team[active].hired <= touch) active++;
  return team[fnv1a32(companyKey) % Math.max(1, active)].name;
}

/**
 * Simulates one company's funnel: its lead source, first touch, whether it opens a deal, and every deal's
 * stages, forecast, outcome and amount; then observes them at `asOf`. Depends only on the company, the model and
 * the seed (stream streamSeed(seed, 'deals', company_key)); the whole future is drawn whatever the as-of date, so
 * an earlier as-of shows an earlier snapshot of the same history. (One function of ~80 lines: the company's draws
 * come from one stream in a fixed order, which is easiest to keep when they are read in one place.)
 */
export function simulateCompany(company: DealCompany, model: DealModel, seed: number, asOf: DayNumber): CompanySimulation {
  const cal = model.calendar;
  const cfg = model.config;
  if (!cal.contains(asOf) || asOf < model.windowStart) throw new RangeError(`as-of day ${asOf} is outside the model's calendar`);
  const rng = streamFor(seed, 'deals', company.company_key);
  const band = model.bandIndex.get(company.size_band) ?? model.bandIndex.get('unknown')!;
  const seg = model.segmentOfBand.get(company.size_band) ?? model.segmentOfBand.get('unknown')!;
  const tier = model.tierIndex.get(company.icp_tier) ?? model.tierIndex.get('not_icp')!;
  const kind = model.kindIndex.get(company.company_kind) ?? model.kindIndex.get('unknown')!;
  const x12 = basisOf(company.uses_x12 || company.uses_clearinghouse, company);
  const interop = basisOf(company.uses_fhir || company.uses_hl7, company);

  // Lead: source, campaign, first touch (at a rate growing over the window; weekend draws spread over the week).
  const source = weightedIndex(rng, model.sourceCum[seg]);
  const campaigns = model.campaigns[source];
  const campaign = campaigns[uniformInt(rng, 0, campaigns.length - 1)];
  let touch = spread(rng, cal, model.windowStart + touchOffset(uniform(rng), model));
  if (touch > model.windowEnd) touch = Math.max(model.windowStart, cal.prevBusinessDay(model.windowEnd));
  const owner = ownerOf(model, seg, company.company_key, touch);

  // Does it open a first deal?
  const propensity = opportunityPropensity(company, model, source);
  const opens = bernoulli(rng, propensity);
  const o = cfg.opportunity;
  const lag = lognormal(rng, o.days_to_opportunity.median_days, o.days_to_opportunity.sigma);

  const trajectories: Trajectory[] = [];
  if (opens) {
    let created = spread(rng, cal, touch + Math.round(lag), touch - 1);
    let previousId = '';
    let everWon = false;
    let dealCampaign = campaign;
    while (created <= model.windowEnd && trajectories.length < cfg.simulation.max_deals_per_company) {
      const expansion = company.is_previous_customer || everWon;
      const t = simulateDeal(rng, model, company, {band, seg, tier, kind, source, x12, interop, expansion, created});
      t.number = trajectories.length + 1;
      t.id = dealId(company.company_key, t.number);
      t.previousId = previousId;
      t.campaign = dealCampaign;
      trajectories.push(t);
      previousId = t.id;
      let next: number | undefined;
      const r = cfg.repeat_deals;
      if (t.won) {
        everWon = true;
        if (bernoulli(rng, model.expansionProbability[seg])) {
          next = t.close + Math.round(lognormal(rng, r.expansion_days.median_days, r.expansion_days.sigma));
          dealCampaign = r.expansion_campaign;
        }
      } else if (bernoulli(rng, model.recycleProbability[t.lossReason])) {
        next = t.close + Math.round(lognormal(rng, r.recycle_days.median_days, r.recycle_days.sigma));
        dealCampaign = r.recycle_campaign;
      }
      if (next === undefined || next > model.windowEnd) break;
      created = spread(rng, cal, next, trajectories[trajectories.length - 1].close);
    }
  }

  // Observe at the as-of date.
  const asOfIso = cal.iso(asOf);
  const touched = touch <= asOf;
  const deals: Deal[] = [];
  const history: OpportunityChange[] = [];
  const snapshots: PipelineSnapshot[] = [];
  for (const t of trajectories) {
    if (t.entries[0] > asOf) break;
    deals.push(observe(t, company, model, owner, seg, source, asOf, asOfIso));
    changes(t, model, asOf, history);
    weeks(t, model, asOf, snapshots);
  }
  const lead: Lead = {
    company_id: company.company_id,
    segment: model.segments[seg],
    owner,
    lead_source: touched ? model.leadSources[source] : '',
    campaign: touched ? campaign : '',
    first_touch_date: touched ? cal.iso(touch) : '',
    deals: deals.length,
  };
  return {lead, deals, history, snapshots};
}

/**
 * The chance that a company arriving from lead source `source` (index into DealModel.leadSources) opens a first deal: the
 * logistic of the opportunity terms of deal_model.yml. The simulator's own odds: they never reach the tables.
 */
export function opportunityPropensity(company: DealCompany, model: DealModel, source: number): number {
  const o = model.config.opportunity;
  const band = model.bandIndex.get(company.size_band) ?? model.bandIndex.get('unknown')!;
  const tier = model.tierIndex.get(company.icp_tier) ?? model.tierIndex.get('not_icp')!;
  const kind = model.kindIndex.get(company.company_kind) ?? model.kindIndex.get('unknown')!;
  const x12 = basisOf(company.uses_x12 || company.uses_clearinghouse, company);
  const interop = basisOf(company.uses_fhir || company.uses_hl7, company);
  const icpScale = 1 - o.icp_confidence_weight + o.icp_confidence_weight * clamp01(company.icp_confidence);
  const techScale = 1 - o.techstack_confidence_weight + o.techstack_confidence_weight * clamp01(company.techstack_confidence);
  const oppLogit =
    o.intercept +
    model.oppTier[tier] * icpScale +
    techScale * (weigh(x12, o.x12_or_clearinghouse) + weigh(interop, o.fhir_or_hl7)) +
    model.oppKind[kind] +
    model.oppBand[band] +
    (company.is_previous_customer ? o.previous_customer : 0) +
    model.sourceOppLogit[source];
  // A competitor is never offered a new-business deal.
  return company.is_competitor && !company.is_previous_customer ? 0 : logistic(oppLogit);
}

/**
 * Days from the window start to a first touch, for a uniform u: first touches arrive at a rate growing by
 * touch_growth_per_year per year (inverse of the exponential ramp's distribution function).
 */
function touchOffset(u: number, model: DealModel): number {
  const span = model.windowEnd - model.windowStart;
  const g = model.config.simulation.touch_growth_per_year;
  if (Math.abs(g - 1) < 1e-9) return Math.floor(u * (span + 1));
  const k = Math.log(g) / 365.25;
  return Math.min(span, Math.floor(Math.log(1 + u * (Math.exp(k * (span + 1)) - 1)) / k));
}

/**
 * A business day for a drawn day: a weekend or holiday draw goes to a business day of its week, evenly (one draw
 * then), but never on or before `after` (the previous step of the same deal): then the next business day.
 */
function spread(rng: Rng, cal: Calendar, day: DayNumber, after = -Infinity): DayNumber {
  if (day > cal.last) return day;
  if (cal.isBusinessDay(day)) return day;
  const d = cal.spreadBusinessDay(day, uniform(rng));
  return d > after ? d : cal.nextBusinessDay(day);
}

/** The company's deals at the as-of date (see simulateCompany). */
export function simulateDeals(company: DealCompany, model: DealModel, seed: number, asOf: DayNumber): Deal[] {
  return simulateCompany(company, model, seed, asOf).deals;
}

/** Stable deal ID from the company key and the deal's number within the company. */
export function dealId(companyKey: string, number: number): string {
  return stableId('deal', `${companyKey}#${number}`);
}

interface DealContext {
  band: number;
  seg: number;
  tier: number;
  kind: number;
  source: number;
  x12: Basis;
  interop: Basis;
  expansion: boolean;
  created: DayNumber;
}

function simulateDeal(rng: Rng, model: DealModel, company: DealCompany, ctx: DealContext): Trajectory {
  const cfg = model.config;
  const cal = model.calendar;
  const a = cfg.amount;
  // Amount at creation: lognormal around the size band's median, scaled by fit, tech stack and deal type.
  const typical =
    model.medianArrBand[ctx.band] *
    model.arrTier[ctx.tier] *
    weigh(ctx.x12, a.x12_or_clearinghouse_multiplier, 1) *
    (ctx.expansion ? a.expansion_multiplier : 1);
  const amount = roundArr(lognormal(rng, typical, a.sigma), a);

  const w = cfg.win_factors;
  const shift =
    model.winTier[ctx.tier] +
    weigh(ctx.x12, w.x12_or_clearinghouse) +
    weigh(ctx.interop, w.fhir_or_hl7) +
    model.winKind[ctx.kind] +
    (company.is_previous_customer ? w.previous_customer : 0) +
    (ctx.expansion ? w.expansion : 0) +
    model.winSegment[ctx.seg] +
    model.sourceWinLogit[ctx.source];
  const d = cfg.durations;
  const base =
    (ctx.expansion || company.is_previous_customer ? d.existing_customer_multiplier : 1) *
    Math.pow(amount / model.medianArrBand[ctx.band], d.amount_elasticity);
  const typicalDays = new Float64Array(N_STAGES);
  for (let s = 0; s < N_STAGES; s++) {
    typicalDays[s] = model.stageMedian[s][ctx.seg] * base * (s === 1 && ctx.x12 === 'stated' ? d.x12_technical_evaluation_multiplier : 1);
  }

  const entries: DayNumber[] = [ctx.created];
  let day = ctx.created;
  let won = false;
  let lossReason = -1;
  let close = day;
  for (let s = 0; s < N_STAGES; s++) {
    const moves = bernoulli(rng, logistic(model.stageLogit[s] + shift));
    let days = lognormal(rng, typicalDays[s], model.stageSigma[s]);
    if (!moves) {
      lossReason = weightedIndex(rng, model.lossCum[s]);
      days *= model.lossMultiplier[lossReason];
      close = spread(rng, cal, day + stageDays(days), day);
      break;
    }
    day = spread(rng, cal, day + stageDays(days), day);
    if (s < N_STAGES - 1) entries.push(day);
    else {
      won = true;
      close = day;
    }
  }
  close = quarterEndBunching(rng, model, close, won, entries);

  const t: Trajectory = {
    id: '',
    number: 0,
    type: ctx.expansion ? 'expansion' : 'new_business',
    previousId: '',
    campaign: '',
    entries,
    won,
    close,
    lossReason,
    finalAmount: amount,
    closedArr: null,
    discount: null,
    evDay: [],
    evField: [],
    evValue: [],
  };
  forecast(rng, model, t, amount, typicalDays);
  if (won) {
    const k = cfg.discount;
    const final = t.finalAmount;
    const mean = k.at_reference + k.per_doubling * Math.log2(final / k.reference_arr);
    const pct = Math.min(k.max, Math.max(0, mean + k.sd * normal(rng)));
    t.closedArr = Math.min(final, roundArr(final * (1 - pct), a));
    t.discount = round((final - t.closedArr) / final, 4);
  }
  return t;
}

const roundArr = (x: number, a: DealModelConfig['amount']) => Math.max(a.min_arr, Math.round(x / a.round_to) * a.round_to);

/**
 * Closes bunch toward quarter ends, ramping up smoothly (see deal_model.yml quarter_end): a close just after a
 * quarter end may be pulled into it (the final stage is rushed: its entry moves earlier when the new close is not
 * after it; `entries` is updated), and one in the weeks before a quarter end may be held toward it.
 */
function quarterEndBunching(rng: Rng, model: DealModel, close: DayNumber, won: boolean, entries: DayNumber[]): DayNumber {
  const cal = model.calendar;
  const q = model.config.quarter_end;
  if (close > cal.last) return close;
  const previousEnd = cal.quarterStart(close) - 1;
  const currentEnd = cal.quarterEnd(close);
  const after = close - previousEnd; // 1 on the quarter's first day
  const before = currentEnd - close; // 0 on its last day
  const u = uniform(rng);
  if (after <= q.pull_in_window_days) {
    const p = (won ? q.pull_in_probability.won : q.pull_in_probability.lost) * (1 - after / (q.pull_in_window_days + 1));
    if (u < p && cal.contains(previousEnd - q.landing_days)) {
      // Denser near the quarter end: a triangular distance in [0, landing_days].
      const x = Math.floor(q.landing_days * (1 - Math.sqrt(uniform(rng))));
      const target = cal.spreadBusinessDay(previousEnd - x, uniform(rng));
      const n = entries.length;
      if (target <= previousEnd && target > entries[n - 1]) return target;
      // The last stage was rushed too: it is entered between the stage before and the new close.
      if (target <= previousEnd && n >= 2) {
        const entry = cal.prevBusinessDay(entries[n - 2] + Math.ceil((target - entries[n - 2]) / 2));
        if (entry > entries[n - 2] && entry < target) {
          entries[n - 1] = entry;
          return target;
        }
      }
    }
  } else if (before > 0 && before <= q.hold_window_days) {
    const p = (won ? q.hold_probability.won : q.hold_probability.lost) * (1 - before / (q.hold_window_days + 1));
    if (u < p) {
      const target = cal.prevBusinessDay(close + 1 + Math.floor(uniform(rng) * before));
      if (target > close) return target;
    }
  }
  return close;
}

/**
 * The deal's forecast as the rep keeps it, as field changes (Trajectory.ev*): at creation every field is set; at
 * each stage entry the stage (and the forecast category when the stage's differs) changes and the amount may be
 * re-scoped; when the expected close date passes with the deal still open, the rep pushes it on the next business
 * day; at the close the stage, the category and the close date take their final values.
 */
function forecast(rng: Rng, model: DealModel, t: Trajectory, amount: number, typicalDays: Float64Array): void {
  const cal = model.calendar;
  const f = model.config.forecasting;
  const push = (day: DayNumber, field: number, value: number) => {
    t.evDay.push(day);
    t.evField.push(field);
    t.evValue.push(value);
  };
  const o = f.optimism;
  const optimism = Math.min(2, Math.max(0.2, o.at_reference + o.per_doubling * Math.log2(amount / o.reference_arr)));
  // The rep's guess of the remaining days from stage k on (the typical durations, halving the current stage's when
  // part of it is behind).
  const remaining = (k: number, fromEntry: boolean) => {
    let days = fromEntry ? typicalDays[k] : typicalDays[k] / 2;
    for (let s = k + 1; s < N_STAGES; s++) days += typicalDays[s];
    return days * optimism * lognormal(rng, 1, f.estimate_sigma);
  };
  const created = t.entries[0];
  let expected = estimateDate(rng, model, created + Math.max(7, Math.round(remaining(0, true))), amount);
  let category = model.stageCategory[0];
  let current = amount;
  push(created, F_STAGE, 0);
  push(created, F_AMOUNT, amount);
  push(created, F_EXPECTED, expected);
  push(created, F_CATEGORY, category);
  let k = 0;
  let pushes = 0;
  for (;;) {
    const nextEntry = k + 1 < t.entries.length ? t.entries[k + 1] : Infinity;
    const pushDay = expected < cal.last ? cal.nextBusinessDay(expected + 1) : Infinity;
    if (pushDay < t.close && pushDay < nextEntry && pushes < MAX_PUSHES) {
      pushes++;
      expected = estimateDate(rng, model, pushDay + Math.max(f.min_push_days, Math.round(remaining(k, false))), current);
      push(pushDay, F_EXPECTED, expected);
      continue;
    }
    if (nextEntry === Infinity || nextEntry > t.close) break;
    k++;
    const day = t.entries[k];
    push(day, F_STAGE, k);
    if (model.stageCategory[k] !== category) push(day, F_CATEGORY, (category = model.stageCategory[k]));
    const r = model.rescope[k];
    if (r && bernoulli(rng, r.probability)) {
      const next = roundArr(current * lognormal(rng, r.median_factor, r.sigma), model.config.amount);
      if (next !== current) push(day, F_AMOUNT, (current = next));
    }
  }
  push(t.close, F_STAGE, t.won ? CLOSED_WON : CLOSED_LOST);
  push(t.close, F_CATEGORY, t.won ? CAT_CLOSED : CAT_OMITTED);
  if (expected !== t.close) push(t.close, F_EXPECTED, t.close);
  t.finalAmount = current;
}

/** The rep's date for a deal expected around `day`: the quarter end, the month end, or the business day itself. */
function estimateDate(rng: Rng, model: DealModel, day: DayNumber, amount: number): DayNumber {
  const cal = model.calendar;
  if (day >= cal.last - 120) return day;
  const q = model.config.forecasting.quarter_end_date;
  const pQuarter = Math.min(0.9, Math.max(0, q.at_reference + q.per_doubling * Math.log2(amount / q.reference_arr)));
  const u = uniform(rng);
  if (u < pQuarter) return cal.prevBusinessDay(cal.quarterEnd(day));
  if (u < pQuarter + (1 - pQuarter) * model.config.forecasting.month_end_date) return cal.monthEndBusinessDay(day);
  return cal.nextBusinessDay(day);
}

function stageDays(days: number): number {
  return Math.max(1, Math.min(MAX_STAGE_DAYS, Math.round(days)));
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
