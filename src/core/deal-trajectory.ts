/**
 * One deal's trajectory (its whole simulated life: stage entries, outcome, field changes) and how it is observed at
 * an as-of date: its deals.csv row, its opportunity_history.csv rows and its pipeline_snapshots.csv rows.
 */
import {Calendar, type DayNumber} from './calendar.js';
import {DEAL_STAGES, DEAL_TYPES, FORECAST_CATEGORIES, HISTORY_FIELDS, STAGE_VALUES, LOSS_REASONS} from './vocabulary.js';
import type {Deal} from '../schemas/deals.js';
import type {OpportunityChange, PipelineSnapshot} from '../schemas/history.js';
import {N_STAGES, type DealCompany, type DealModel} from './deal-model.js';

/** Fields of a deal whose changes are recorded (HISTORY_FIELDS, same order). */
export const F_STAGE = 0;
export const F_AMOUNT = 1;
export const F_EXPECTED = 2;
export const F_CATEGORY = 3;
/** Stage values past the open stages (STAGE_VALUES indices). */
export const CLOSED_WON = N_STAGES;
export const CLOSED_LOST = N_STAGES + 1;
/** Forecast category of each stage value (open stages from config; closed, omitted). */
export const CAT_CLOSED = FORECAST_CATEGORIES.indexOf('closed');
export const CAT_OMITTED = FORECAST_CATEGORIES.indexOf('omitted');
/** Pushes of one deal's expected close date are capped (a deal lingering for years is pushed at most this often). */
export const MAX_PUSHES = 40;

/** The whole life of one deal as simulated, before it is observed at an as-of date. */
export interface Trajectory {
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

/** The deal's changes up to the as-of date, as opportunity_history.csv rows. */
export function changes(t: Trajectory, model: DealModel, asOf: DayNumber, out: OpportunityChange[]): void {
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
    case F_STAGE:
      return STAGE_VALUES[value];
    case F_AMOUNT:
      return String(value);
    case F_EXPECTED:
      return cal.iso(value);
    default:
      return FORECAST_CATEGORIES[value];
  }
}

/**
 * The deal on every snapshot day it is open up to the as-of date (created on or before the day, closing after it),
 * as it stood that day: pipeline_snapshots.csv rows.
 */
export function weeks(t: Trajectory, model: DealModel, asOf: DayNumber, out: PipelineSnapshot[]): void {
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

export function observe(
  t: Trajectory,
  company: DealCompany,
  model: DealModel,
  owner: string,
  seg: number,
  source: number,
  asOf: DayNumber,
  asOfIso: string,
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
