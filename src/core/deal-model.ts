/** The deal model: deal_model.yml compiled into arrays by segment, stage and source, with its calendar (compileDealModel). */
import {Calendar, parseIsoDay, weekdayIndex, type DayNumber} from './calendar.js';
import {ALL_SIZE_BANDS} from './size-bands.js';
import {cumulative, logit} from './random.js';
import {COMPANY_KINDS, DEAL_STAGES, FORECAST_CATEGORIES, ICP_TIERS, WEEKDAYS, LOSS_REASONS, openVocabulary} from './vocabulary.js';
import type {Company} from '../schemas/companies.js';
import type {DealModelConfig} from '../schemas/deal-model.js';
import type {Deal} from '../schemas/deals.js';

/** What the deal model reads of a company (companies.csv has more). */
export type DealCompany = Pick<
  Company,
  | 'company_id'
  | 'company_key'
  | 'size_band'
  | 'icp_tier'
  | 'icp_confidence'
  | 'uses_x12'
  | 'uses_clearinghouse'
  | 'uses_fhir'
  | 'uses_hl7'
  | 'techstack_confidence'
  | 'is_previous_customer'
  | 'company_kind'
  | 'is_competitor'
  | 'techstack_basis'
>;

/** How a tech-stack term applies to a company: not at all, inferred from its kind, or stated in its text. */
export type Basis = 'none' | 'inferred' | 'stated';
export const basisOf = (flag: boolean, c: Pick<DealCompany, 'techstack_basis'>): Basis =>
  !flag ? 'none' : c.techstack_basis === 'stated' ? 'stated' : 'inferred';
/** The weight of a stated / inferred term (0 when the term does not apply). */
export const weigh = (b: Basis, w: {stated: number; inferred: number}, none = 0) => (b === 'none' ? none : w[b]);

export const N_STAGES = DEAL_STAGES.length;
/** Stage durations are capped (days) so that a wild draw cannot run off the calendar. */
export const MAX_STAGE_DAYS = 1000;
/** The calendar covers this many years after the window end / as-of date (contract ends, expected closes). */
export const CALENDAR_YEARS_AHEAD = 15;

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
    teams: segments.map((s) =>
      config.reps
        .map((r, i) => ({name: r.name, hired: day(r.hire_date), i}))
        .filter((r) => config.reps[r.i].segment === s)
        .sort((a, b) => a.hired - b.hired || a.i - b.i)
        .map(({name, hired}) => ({name, hired})),
    ),
    stageForecast: stages.map((s) => ({category: s.forecast_category, probability: s.forecast_probability})),
    stageCategory: Int8Array.from(stages.map((s) => FORECAST_CATEGORIES.indexOf(s.forecast_category))),
    rescope: DEAL_STAGES.map((s) => config.forecasting.rescope[s]),
    firstSnapshot: windowStart + ((WEEKDAYS.indexOf(config.simulation.snapshot_weekday) - weekdayIndex(windowStart) + 7) % 7),
  };
}
