import {Calendar, parseIsoDay, weekdayIndex, type DayNumber} from './calendar.js';
import {stableId} from './hash.js';
import {ALL_SIZE_BANDS} from './size-bands.js';
import {
  bernoulli, cumulative, fnv1a32, lognormal, logistic, logit, normal, streamFor, uniform, uniformInt, weightedIndex, type Rng,
} from './random.js';
import {addInto} from './merge.js';
import {checkTargets, median, medianFigure, ratio, round, shareFigure, shares, targetWarnings, type TargetCheck} from './targets.js';
import {
  COMPANY_KINDS, DEAL_STAGES, DEAL_TYPES, FORECAST_CATEGORIES, HISTORY_FIELDS, ICP_TIERS, type CompanyKind, STAGE_VALUES, WEEKDAYS, LOSS_REASONS, openVocabulary, type DealStage, type LossReason,
} from './vocabulary.js';
import type {Company} from '../schemas/companies.js';
import type {DealModelConfig} from '../schemas/deal-model.js';
import type {Deal, Lead} from '../schemas/deals.js';
import type {OpportunityChange, PipelineSnapshot, Rep} from '../schemas/history.js';

/** What the deal model reads of a company (companies.csv has more). */
export type DealCompany = Pick<
  Company,
  | 'company_id' | 'company_key' | 'size_band' | 'icp_tier' | 'icp_confidence' | 'uses_x12' | 'uses_clearinghouse'
  | 'uses_fhir' | 'uses_hl7' | 'techstack_confidence' | 'is_previous_customer' | 'company_kind' | 'is_competitor' | 'techstack_basis'
>;

/** How a tech-stack term applies to a company: not at all, inferred from its kind, or stated in its text. */
export type Basis = 'none' | 'inferred' | 'stated';
const basisOf = (flag: boolean, c: Pick<DealCompany, 'techstack_basis'>): Basis => (!flag ? 'none' : c.techstack_basis === 'stated' ? 'stated' : 'inferred');
/** The weight of a stated / inferred term (0 when the term does not apply). */
const weigh = (b: Basis, w: {stated: number; inferred: number}, none = 0) => (b === 'none' ? none : w[b]);

const N_STAGES = DEAL_STAGES.length;
/** Stage durations are capped (days) so that a wild draw cannot run off the calendar. */
const MAX_STAGE_DAYS = 1000;
/** The calendar covers this many years after the window end / as-of date (contract ends, expected closes). */
const CALENDAR_YEARS_AHEAD = 15;

/**
 * The deal model, compiled from deal_model.yml into arrays indexed by segment / stage / source, plus the
 * calendar. Build it once with compileDealModel and share it (it is read-only).
 */
export interface DealModel {
  readonly config: DealModelConfig;
  readonly calendar: Calendar;
  readonly windowStart: DayNumber;
  readonly windowEnd: DayNumber;
  /** simulation.as_of of the config. */
  readonly defaultAsOf: DayNumber;
  /** The segments: segments.names of the config, in file order (the indexes of the segment arrays). */
  readonly segments: readonly string[];
  readonly segmentOfBand: ReadonlyMap<string, number>;
  readonly bandIndex: ReadonlyMap<string, number>;
  readonly tierIndex: ReadonlyMap<string, number>;
  /** The lead sources: the keys of the config's lead_sources, in file order (the indexes of the source arrays). */
  readonly leadSources: readonly string[];
  readonly sourceCum: readonly Float64Array[]; // by segment
  readonly sourceOppLogit: Float64Array;
  readonly sourceWinLogit: Float64Array;
  readonly campaigns: readonly (readonly string[])[];
  readonly oppTier: Float64Array;
  readonly oppBand: Float64Array;
  readonly winTier: Float64Array;
  readonly kindIndex: ReadonlyMap<string, number>;
  readonly oppKind: Float64Array;
  readonly winKind: Float64Array;
  readonly winSegment: Float64Array;
  readonly stageLogit: Float64Array;
  readonly stageMedian: readonly Float64Array[]; // [stage][segment]
  readonly stageSigma: Float64Array;
  readonly lossCum: readonly Float64Array[]; // by stage
  readonly lossMultiplier: Float64Array;
  readonly recycleProbability: Float64Array;
  readonly expansionProbability: Float64Array;
  readonly medianArrBand: Float64Array;
  readonly arrTier: Float64Array;
  /** The reps of each segment, by hire date (then config order), with their hire days. */
  readonly teams: readonly (readonly {name: string; hired: DayNumber}[])[];
  /** Forecast category and probability of each open stage. */
  readonly stageForecast: readonly {category: Deal['forecast_category']; probability: number}[];
  /** Forecast category of each open stage, as an index into FORECAST_CATEGORIES. */
  readonly stageCategory: Int8Array;
  /** Amount re-scoping per open stage (undefined: none). */
  readonly rescope: readonly ({probability: number; median_factor: number; sigma: number} | undefined)[];
  /** The first snapshot day: the first simulation.snapshot_weekday on or after the window start. */
  readonly firstSnapshot: DayNumber;
}

/** Compiles the config. `latestAsOf` widens the calendar for an --as-of later than the config's. */
export function compileDealModel(config: DealModelConfig, latestAsOf?: DayNumber): DealModel {
  const day = (iso: string) => parseIsoDay(iso)!;
  const windowStart = day(config.simulation.window_start);
  const windowEnd = day(config.simulation.window_end);
  const defaultAsOf = day(config.simulation.as_of);
  const horizon = Math.max(windowEnd, defaultAsOf, latestAsOf ?? 0);
  const calendar = new Calendar({
    from: windowStart - 400,
    to: horizon + Math.ceil(CALENDAR_YEARS_AHEAD * 365.25),
    holidays: config.simulation.holidays.map(day),
  });
  const {lead_sources: leadSources, segments} = openVocabulary(config);
  const segmentOfBand = new Map<string, number>(ALL_SIZE_BANDS.map((b) => [b, segments.indexOf(config.segments.size_bands[b])]));
  const f64 = (xs: readonly number[]) => Float64Array.from(xs);
  const stages = DEAL_STAGES.map((s) => config.stages[s]);
  return {
    config,
    calendar,
    windowStart,
    windowEnd,
    defaultAsOf,
    segments,
    segmentOfBand,
    bandIndex: new Map(ALL_SIZE_BANDS.map((b, i) => [b, i])),
    tierIndex: new Map(ICP_TIERS.map((t, i) => [t, i])),
    leadSources,
    sourceCum: segments.map((s) => cumulative(leadSources.map((src) => config.lead_sources[src].weight[s]))),
    sourceOppLogit: f64(leadSources.map((s) => config.lead_sources[s].opportunity_logit)),
    sourceWinLogit: f64(leadSources.map((s) => config.lead_sources[s].win_logit)),
    campaigns: leadSources.map((s) => config.lead_sources[s].campaigns),
    oppTier: f64(ICP_TIERS.map((t) => config.opportunity.icp_tier[t])),
    oppBand: f64(ALL_SIZE_BANDS.map((b) => config.opportunity.size_band[b])),
    winTier: f64(ICP_TIERS.map((t) => config.win_factors.icp_tier[t])),
    kindIndex: new Map(COMPANY_KINDS.map((k, i) => [k, i])),
    oppKind: f64(COMPANY_KINDS.map((k) => config.opportunity.company_kind[k])),
    winKind: f64(COMPANY_KINDS.map((k) => config.win_factors.company_kind[k])),
    winSegment: f64(segments.map((s) => config.win_factors.segment[s])),
    stageLogit: f64(stages.map((s) => logit(s.advance_probability))),
    stageMedian: stages.map((s) => f64(segments.map((g) => s.median_days[g]))),
    stageSigma: f64(stages.map((s) => s.sigma)),
    lossCum: stages.map((s) => cumulative(LOSS_REASONS.map((r) => s.loss_reasons[r]))),
    lossMultiplier: f64(LOSS_REASONS.map((r) => config.durations.loss_multiplier[r])),
    recycleProbability: f64(LOSS_REASONS.map((r) => config.repeat_deals.recycle_probability[r])),
    expansionProbability: f64(segments.map((s) => config.repeat_deals.expansion_probability[s])),
    medianArrBand: f64(ALL_SIZE_BANDS.map((b) => config.amount.median_arr[b])),
    arrTier: f64(ICP_TIERS.map((t) => config.amount.icp_tier_multiplier[t])),
    teams: segments.map((s) => config.reps
      .map((r, i) => ({name: r.name, hired: day(r.hire_date), i}))
      .filter((r) => config.reps[r.i].segment === s)
      .sort((a, b) => a.hired - b.hired || a.i - b.i)
      .map(({name, hired}) => ({name, hired}))),
    stageForecast: stages.map((s) => ({category: s.forecast_category, probability: s.forecast_probability})),
    stageCategory: Int8Array.from(stages.map((s) => FORECAST_CATEGORIES.indexOf(s.forecast_category))),
    rescope: DEAL_STAGES.map((s) => config.forecasting.rescope[s]),
    firstSnapshot: windowStart + ((WEEKDAYS.indexOf(config.simulation.snapshot_weekday) - weekdayIndex(windowStart) + 7) % 7),
  };
}

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
  return config.reps.map((r) => ({rep_id: stableId('rep', r.name), name: r.name, segment: r.segment, hire_date: r.hire_date, quarterly_quota_arr: r.quarterly_quota_arr}));
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

/** Fields of a deal whose changes are recorded (HISTORY_FIELDS, same order). */
const F_STAGE = 0;
const F_AMOUNT = 1;
const F_EXPECTED = 2;
const F_CATEGORY = 3;
/** Stage values past the open stages (STAGE_VALUES indices). */
const CLOSED_WON = N_STAGES;
const CLOSED_LOST = N_STAGES + 1;
/** Forecast category of each stage value (open stages from config; closed, omitted). */
const CAT_CLOSED = FORECAST_CATEGORIES.indexOf('closed');
const CAT_OMITTED = FORECAST_CATEGORIES.indexOf('omitted');
/** Pushes of one deal's expected close date are capped (a deal lingering for years is pushed at most this often). */
const MAX_PUSHES = 40;

/** The whole life of one deal as simulated, before it is observed at an as-of date. */
interface Trajectory {
  id: string;
  number: number;
  type: (typeof DEAL_TYPES)[number];
  previousId: string;
  campaign: string;
  /** Entry day of each open stage reached (entries[0] = created). */
  entries: DayNumber[];
  won: boolean;
  close: DayNumber;
  lossReason: number; // index into LOSS_REASONS, -1 when won
  /** amount_arr when the deal closes (after any re-scoping). */
  finalAmount: number;
  closedArr: number | null;
  discount: number | null;
  /**
   * The deal's field changes in day order (creation first, the close last): day, field (F_*) and new value (stage
   * index into STAGE_VALUES, whole dollars, day number, index into FORECAST_CATEGORIES).
   */
  evDay: number[];
  evField: number[];
  evValue: number[];
}

/**
 * Simulates one company's funnel: its lead source, first touch, whether it opens a deal, and every deal's
 * stages, forecast, outcome and amount; then observes them at `asOf`. Depends only on the company, the model and
 * the seed (stream streamSeed(seed, 'deals', company_key)); the whole future is drawn whatever the as-of date, so
 * an earlier as-of shows an earlier snapshot of the same history.
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
  const oppLogit = o.intercept + model.oppTier[tier] * icpScale + techScale * (weigh(x12, o.x12_or_clearinghouse) + weigh(interop, o.fhir_or_hl7))
    + model.oppKind[kind] + model.oppBand[band] + (company.is_previous_customer ? o.previous_customer : 0) + model.sourceOppLogit[source];
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
  const typical = model.medianArrBand[ctx.band] * model.arrTier[ctx.tier] * weigh(ctx.x12, a.x12_or_clearinghouse_multiplier, 1)
    * (ctx.expansion ? a.expansion_multiplier : 1);
  const amount = roundArr(lognormal(rng, typical, a.sigma), a);

  const w = cfg.win_factors;
  const shift = model.winTier[ctx.tier] + weigh(ctx.x12, w.x12_or_clearinghouse) + weigh(ctx.interop, w.fhir_or_hl7) + model.winKind[ctx.kind]
    + (company.is_previous_customer ? w.previous_customer : 0) + (ctx.expansion ? w.expansion : 0)
    + model.winSegment[ctx.seg] + model.sourceWinLogit[ctx.source];
  const d = cfg.durations;
  const base = (ctx.expansion || company.is_previous_customer ? d.existing_customer_multiplier : 1)
    * Math.pow(amount / model.medianArrBand[ctx.band], d.amount_elasticity);
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
    id: '', number: 0, type: ctx.expansion ? 'expansion' : 'new_business', previousId: '', campaign: '',
    entries, won, close, lossReason, finalAmount: amount, closedArr: null, discount: null, evDay: [], evField: [], evValue: [],
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

/** The deal's changes up to the as-of date, as opportunity_history.csv rows. */
function changes(t: Trajectory, model: DealModel, asOf: DayNumber, out: OpportunityChange[]): void {
  const cal = model.calendar;
  const last = [-1, -1, -1, -1];
  for (let i = 0; i < t.evDay.length && t.evDay[i] <= asOf; i++) {
    const field = t.evField[i];
    const value = t.evValue[i];
    out.push({
      deal_id: t.id,
      sequence: i + 1,
      changed_date: cal.iso(t.evDay[i]),
      field: HISTORY_FIELDS[field],
      old_value: last[field] < 0 ? '' : fieldText(cal, field, last[field]),
      new_value: fieldText(cal, field, value),
    });
    last[field] = value;
  }
}

function fieldText(cal: Calendar, field: number, value: number): string {
  switch (field) {
    case F_STAGE: return STAGE_VALUES[value];
    case F_AMOUNT: return String(value);
    case F_EXPECTED: return cal.iso(value);
    default: return FORECAST_CATEGORIES[value];
  }
}

/**
 * The deal on every snapshot day it is open up to the as-of date (created on or before the day, closing after it),
 * as it stood that day: pipeline_snapshots.csv rows.
 */
function weeks(t: Trajectory, model: DealModel, asOf: DayNumber, out: PipelineSnapshot[]): void {
  const cal = model.calendar;
  const first = model.firstSnapshot;
  const created = t.entries[0];
  let w = created <= first ? first : first + Math.ceil((created - first) / 7) * 7;
  const end = Math.min(t.close - 1, asOf);
  const state = [0, 0, 0, 0];
  let i = 0;
  for (; w <= end; w += 7) {
    while (i < t.evDay.length && t.evDay[i] <= w) state[t.evField[i]] = t.evValue[i++];
    out.push({
      snapshot_date: cal.iso(w),
      deal_id: t.id,
      stage: DEAL_STAGES[state[F_STAGE]],
      amount_arr: state[F_AMOUNT],
      expected_close_date: cal.iso(state[F_EXPECTED]),
      forecast_category: FORECAST_CATEGORIES[state[F_CATEGORY]] as PipelineSnapshot['forecast_category'],
      probability: model.stageForecast[state[F_STAGE]].probability,
    });
  }
}

function observe(
  t: Trajectory, company: DealCompany, model: DealModel, owner: string, seg: number, source: number, asOf: DayNumber, asOfIso: string,
): Deal {
  const cal = model.calendar;
  const closed = t.close <= asOf;
  // The fields as they stood at the as-of date.
  const state = [0, 0, 0, 0];
  for (let i = 0; i < t.evDay.length && t.evDay[i] <= asOf; i++) state[t.evField[i]] = t.evValue[i];
  const k = Math.min(state[F_STAGE], N_STAGES - 1);
  const stageDate = (s: number) => (s < t.entries.length && t.entries[s] <= asOf ? cal.iso(t.entries[s]) : '');
  const won = closed && t.won;
  return {
    deal_id: t.id,
    company_id: company.company_id,
    deal_number: t.number,
    deal_type: t.type,
    previous_deal_id: t.previousId,
    lead_source: model.leadSources[source],
    campaign: t.campaign,
    owner,
    segment: model.segments[seg],
    created_date: cal.iso(t.entries[0]),
    stage: STAGE_VALUES[state[F_STAGE]],
    discovery_date: cal.iso(t.entries[0]),
    technical_evaluation_date: stageDate(1),
    security_review_date: stageDate(2),
    proposal_date: stageDate(3),
    negotiation_date: stageDate(4),
    close_date: closed ? cal.iso(t.close) : '',
    outcome: closed ? (t.won ? 'won' : 'lost') : 'open',
    loss_reason: closed && !t.won ? LOSS_REASONS[t.lossReason] : '',
    lost_at_stage: closed && !t.won ? DEAL_STAGES[t.entries.length - 1] : '',
    amount_arr: state[F_AMOUNT],
    discount_pct: won ? t.discount : null,
    closed_arr: won ? t.closedArr : null,
    forecast_category: FORECAST_CATEGORIES[state[F_CATEGORY]],
    probability: closed ? (t.won ? 1 : 0) : model.stageForecast[k].probability,
    expected_close_date: cal.iso(state[F_EXPECTED]),
    sales_cycle_days: closed ? t.close - t.entries[0] : null,
    age_days: closed ? null : asOf - t.entries[0],
    as_of_date: asOfIso,
  };
}

function stageDays(days: number): number {
  return Math.max(1, Math.min(MAX_STAGE_DAYS, Math.round(days)));
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Summary

type Counts<K extends string> = Record<K, number>;
const zeros = <K extends string>(keys: readonly K[]): Counts<K> => Object.fromEntries(keys.map((k) => [k, 0])) as Counts<K>;

export interface SourceFigures {
  companies: number;
  with_deals: number;
  opportunity_rate: number | null;
  won: number;
  lost: number;
  win_rate: number | null;
}

export interface DealsFigures {
  companies: number;
  companies_touched: number;
  companies_with_deals: number;
  /** Companies with a deal over the companies touched by the as-of date (likewise for ICP and the others). */
  opportunity_rate: number | null;
  opportunity_rate_icp: number | null;
  opportunity_rate_non_icp: number | null;
  icp_opportunity_lift: number | null;
  deals: number;
  deal_types: Counts<(typeof DEAL_TYPES)[number]>;
  won: number;
  lost: number;
  open: number;
  win_rate: number | null;
  /** Open deals over the deals created in the 365 days up to the as-of date (the last year's pipeline). */
  open_share: number | null;
  /** Deals created in the 365 days up to the as-of date. */
  deals_last_year: number;
  open_pipeline_arr: number;
  weighted_pipeline_arr: number;
  open_by_stage: Counts<DealStage>;
  /** overall, then by segment (in the config's order). */
  median_cycle_days: {overall: number | null} & Record<string, number | null>;
  median_cycle_days_lost: number | null;
  won_by_segment: Counts<string>;
  median_won_arr: number | null;
  median_amount_arr: number | null;
  won_arr_below_5k_share: number | null;
  won_arr_above_100k_share: number | null;
  total_won_arr: number;
  loss_reasons: Counts<LossReason>;
  lost_at_stage: Counts<DealStage>;
  /** Of the closed deals that reached each stage, the share that moved on (negotiation: won). */
  stage_conversion: Record<DealStage, number | null>;
  /** Of the closed deals that reached proposal, the share won. */
  proposal_to_won: number | null;
  quarter_end_close_share: number | null;
  lead_sources: Record<string, SourceFigures>;
  /** By the X12 / clearinghouse evidence of the company: stated in its text, inferred from its kind, or none. */
  by_x12_evidence: Record<Basis, SourceFigures>;
  /** By company_kind. */
  by_company_kind: Record<CompanyKind, SourceFigures>;
}

interface SourceCounts {
  companies: number;
  with_deals: number;
  won: number;
  lost: number;
}

/**
 * Everything the deals summary needs, as plain numbers, number lists and records (see Additive in merge.ts):
 * structured-clone-safe, and additive, so the states of contiguous parts merge into exactly the state of one
 * accumulator that saw every company in order.
 */
export type DealState = {
  companies: number;
  touched: number;
  withDeals: number;
  icp: number;
  icpWithDeals: number;
  deals: number;
  /** Deals created in the 365 days up to the as-of date. */
  recentDeals: number;
  types: Counts<(typeof DEAL_TYPES)[number]>;
  outcomes: {won: number; lost: number; open: number};
  /** Sum of amount_arr of open deals (integer dollars). */
  openArr: number;
  /**
   * Sum of amount_arr x probability x 100 over open deals: an exact integer (amount_arr is whole dollars and
   * probability has 2 decimals), divided by 100 only in the figures, so no float sum depends on the split.
   */
  weightedArrX100: number;
  openByStage: Counts<DealStage>;
  /** Sales cycles (days) of won deals, by segment. */
  cycles: Record<string, number[]>;
  lostCycles: number[];
  wonArr: number[];
  amounts: number[];
  lossReasons: Counts<LossReason>;
  lostAt: Counts<DealStage>;
  closes: number;
  quarterEndCloses: number;
  sources: Record<string, SourceCounts>;
  evidence: Record<Basis, SourceCounts>;
  kinds: Record<CompanyKind, SourceCounts>;
};

const BASES = ['stated', 'inferred', 'none'] as const satisfies readonly Basis[];
const groupCounts = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, {companies: 0, with_deals: 0, won: 0, lost: 0}])) as Record<K, SourceCounts>;
const groupFigures = <K extends string>(keys: readonly K[], counts: Record<K, SourceCounts>) =>
  Object.fromEntries(keys.map((k) => {
    const x = counts[k];
    return [k, {...x, opportunity_rate: ratio(x.with_deals, x.companies), win_rate: ratio(x.won, x.won + x.lost)}];
  })) as Record<K, SourceFigures>;

function emptyDealState(leadSources: readonly string[], segments: readonly string[]): DealState {
  return {
    companies: 0,
    touched: 0,
    withDeals: 0,
    icp: 0,
    icpWithDeals: 0,
    deals: 0,
    recentDeals: 0,
    types: zeros(DEAL_TYPES),
    outcomes: {won: 0, lost: 0, open: 0},
    openArr: 0,
    weightedArrX100: 0,
    openByStage: zeros(DEAL_STAGES),
    cycles: Object.fromEntries(segments.map((g) => [g, [] as number[]])),
    lostCycles: [],
    wonArr: [],
    amounts: [],
    lossReasons: zeros(LOSS_REASONS),
    lostAt: zeros(DEAL_STAGES),
    closes: 0,
    quarterEndCloses: 0,
    sources: groupCounts(leadSources),
    evidence: groupCounts(BASES),
    kinds: groupCounts(COMPANY_KINDS),
  };
}

/**
 * Accumulates the deals summary company by company (streaming-friendly: only numbers are kept). Parts of the
 * companies can be accumulated apart (worker threads) and merged: `merge(other.state())`, in part order.
 */
export class DealStats {
  private readonly s: DealState;

  constructor(private readonly model: DealModel) {
    this.s = emptyDealState(model.leadSources, model.segments);
  }

  add(company: Pick<Company, 'icp_fit' | 'company_kind' | 'uses_x12' | 'uses_clearinghouse' | 'techstack_basis'>, sim: CompanySimulation): void {
    const cal = this.model.calendar;
    const s = this.s;
    s.companies++;
    // Rates are of the companies touched by the as-of date (an earlier as-of has not met the later ones yet).
    const touched = sim.lead.lead_source !== '';
    if (company.icp_fit && touched) s.icp++;
    const groups = touched ? [s.evidence[basisOf(company.uses_x12 || company.uses_clearinghouse, company)], s.kinds[company.company_kind] ?? s.kinds.unknown] : [];
    for (const g of groups) {
      g.companies++;
      if (sim.deals.length > 0) g.with_deals++;
      for (const d of sim.deals) {
        if (d.outcome === 'won') g.won++;
        else if (d.outcome === 'lost') g.lost++;
      }
    }
    const src = sim.lead.lead_source === '' ? undefined : s.sources[sim.lead.lead_source];
    if (src) {
      s.touched++;
      src.companies++;
    }
    if (sim.deals.length > 0) {
      s.withDeals++;
      if (company.icp_fit) s.icpWithDeals++;
      if (src) src.with_deals++;
    }
    for (const d of sim.deals) {
      s.deals++;
      if (cal.day(d.as_of_date)! - cal.day(d.created_date)! < 365) s.recentDeals++;
      s.types[d.deal_type]++;
      s.outcomes[d.outcome]++;
      s.amounts.push(d.amount_arr);
      if (d.outcome === 'open') {
        s.openArr += d.amount_arr;
        s.weightedArrX100 += d.amount_arr * Math.round(d.probability * 100);
        s.openByStage[d.stage as DealStage]++;
        continue;
      }
      s.closes++;
      const close = cal.day(d.close_date)!;
      if (cal.quarterEnd(close) - close < 15) s.quarterEndCloses++;
      if (d.outcome === 'won') {
        s.cycles[d.segment].push(d.sales_cycle_days!);
        s.wonArr.push(d.closed_arr!);
        if (src) src.won++;
      } else {
        s.lostCycles.push(d.sales_cycle_days!);
        s.lossReasons[d.loss_reason as LossReason]++;
        s.lostAt[d.lost_at_stage as DealStage]++;
        if (src) src.lost++;
      }
    }
  }

  /**
   * The accumulated state: plain data (no model), safe to post to another thread. It is the live state, not a
   * copy: post it, or merge it, before adding more companies to this accumulator.
   */
  state(): DealState {
    return this.s;
  }

  /** Adds the state of the next part of the companies (parts merged in order: 0, then 1, ...). */
  merge(state: DealState): void {
    addInto(this.s, state);
  }

  figures(): DealsFigures {
    const s = this.s;
    const closed = s.outcomes.won + s.outcomes.lost;
    const nonIcp = s.touched - s.icp;
    const rateIcp = ratio(s.icpWithDeals, s.icp);
    const rateNon = ratio(s.withDeals - s.icpWithDeals, nonIcp);
    const allCycles = this.model.segments.flatMap((g) => s.cycles[g]);
    const won = s.wonArr.length;
    return {
      companies: s.companies,
      companies_touched: s.touched,
      companies_with_deals: s.withDeals,
      opportunity_rate: ratio(s.withDeals, s.touched),
      opportunity_rate_icp: rateIcp,
      opportunity_rate_non_icp: rateNon,
      icp_opportunity_lift: rateIcp !== null && rateNon ? round(rateIcp / rateNon, 2) : null,
      deals: s.deals,
      deal_types: {...s.types},
      won: s.outcomes.won,
      lost: s.outcomes.lost,
      open: s.outcomes.open,
      win_rate: ratio(s.outcomes.won, closed),
      open_share: ratio(s.outcomes.open, s.recentDeals),
      deals_last_year: s.recentDeals,
      open_pipeline_arr: s.openArr,
      weighted_pipeline_arr: Math.round(s.weightedArrX100 / 100),
      open_by_stage: {...s.openByStage},
      median_cycle_days: {
        overall: median(allCycles),
        ...Object.fromEntries(this.model.segments.map((g) => [g, median(s.cycles[g])])),
      },
      median_cycle_days_lost: median(s.lostCycles),
      won_by_segment: Object.fromEntries(this.model.segments.map((g) => [g, s.cycles[g].length])),
      median_won_arr: median(s.wonArr),
      median_amount_arr: median(s.amounts),
      won_arr_below_5k_share: ratio(s.wonArr.filter((x) => x < 5000).length, won),
      won_arr_above_100k_share: ratio(s.wonArr.filter((x) => x > 100_000).length, won),
      total_won_arr: s.wonArr.reduce((a, b) => a + b, 0),
      loss_reasons: shares(LOSS_REASONS, s.lossReasons),
      lost_at_stage: {...s.lostAt},
      ...this.conversion(),
      quarter_end_close_share: ratio(s.quarterEndCloses, s.closes),
      lead_sources: groupFigures(this.model.leadSources, s.sources),
      by_x12_evidence: groupFigures(BASES, s.evidence),
      by_company_kind: groupFigures(COMPANY_KINDS, s.kinds),
    };
  }

  private conversion(): {stage_conversion: Record<DealStage, number | null>; proposal_to_won: number | null} {
    const s = this.s;
    // Closed deals that reached stage s: the won ones plus those lost at s or later.
    const reached = (stage: number) => s.outcomes.won + DEAL_STAGES.slice(stage).reduce((n, st) => n + s.lostAt[st], 0);
    const stage_conversion = {} as Record<DealStage, number | null>;
    DEAL_STAGES.forEach((st, stage) => (stage_conversion[st] = ratio(reached(stage) - s.lostAt[st], reached(stage))));
    return {stage_conversion, proposal_to_won: ratio(s.outcomes.won, reached(DEAL_STAGES.indexOf('proposal')))};
  }

  /** The figures and their checks against deal_model.yml targets. */
  summary(): {figures: DealsFigures; checks: TargetCheck[]; warnings: string[]} {
    const s = this.s;
    const f = this.figures();
    const closed = f.won + f.lost;
    const allCycles = this.model.segments.flatMap((g) => s.cycles[g]);
    const checks = checkTargets({
      opportunity_rate: shareFigure(f.companies_with_deals, f.companies_touched),
      icp_opportunity_lift: {value: f.icp_opportunity_lift, n: f.companies_with_deals},
      win_rate: shareFigure(f.won, closed),
      open_share: shareFigure(f.open, s.recentDeals),
      median_cycle_days: medianFigure(allCycles),
      ...Object.fromEntries(this.model.segments.map((g) => [`median_cycle_days_${g}`, medianFigure(s.cycles[g])])),
      median_won_arr: medianFigure(s.wonArr),
      won_arr_below_5k_share: shareFigure(s.wonArr.filter((x) => x < 5000).length, f.won),
      won_arr_above_100k_share: shareFigure(s.wonArr.filter((x) => x > 100_000).length, f.won),
      no_decision_share: shareFigure(s.lossReasons.no_decision, f.lost),
      quarter_end_close_share: shareFigure(s.quarterEndCloses, closed),
    }, this.model.config.targets);
    return {figures: f, checks, warnings: targetWarnings(checks)};
  }
}
