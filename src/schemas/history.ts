import {z} from './zod.js';
import {DEAL_STAGES, FORECAST_CATEGORIES, HISTORY_FIELDS, type OpenVocabulary} from '../core/vocabulary.js';
import {col} from './columns.js';

/** data/raw/opportunity_history.csv: one row per change of a tracked field of a deal (a CRM's field history). */
export const OpportunityChangeSchema = z
  .object({
    deal_id: col.id('The deal (deals.csv; its company_id is there).'),
    sequence: col.int("1, 2, ... in the order of the deal's changes (several changes on one day keep their order)."),
    changed_date: col.date('Day of the change (never after the as-of date).'),
    field: col.oneOf(HISTORY_FIELDS, 'The deals.csv column that changed: stage, amount_arr, expected_close_date or forecast_category.'),
    old_value: col.text('Value before the change; empty on the rows that set each field when the deal is created.'),
    new_value: col.text("Value after the change. Replaying a deal's rows in sequence gives its row of deals.csv."),
  })
  .describe(
    "data/raw/opportunity_history.csv: one row per change of a deal's stage, amount, expected close date or forecast category, up to the as-of date.",
  );
export type OpportunityChange = z.infer<typeof OpportunityChangeSchema>;

/** data/raw/pipeline_snapshots.csv: every deal open on each weekly snapshot date, as it stood that day. */
export const PipelineSnapshotSchema = z
  .object({
    snapshot_date: col.date('The snapshot day (deal_model.yml simulation.snapshot_weekday, every week of the window up to the as-of date).'),
    deal_id: col.id('The deal (deals.csv): open on the snapshot day.'),
    stage: col.oneOf(DEAL_STAGES, 'Stage on the snapshot day.'),
    amount_arr: col.int('ARR (USD) of the deal on the snapshot day.'),
    expected_close_date: col.date('Expected close date on the snapshot day.'),
    forecast_category: col.oneOf(FORECAST_CATEGORIES, 'Forecast category on the snapshot day (pipeline, best_case or commit).'),
    probability: col.prob("The stage's forecast probability (deal_model.yml stages.*.forecast_probability)."),
  })
  .describe(
    "data/raw/pipeline_snapshots.csv: one row per deal open on each weekly snapshot date, as it stood that day; rows follow the deals (each deal's weeks together).",
  );
export type PipelineSnapshot = z.infer<typeof PipelineSnapshotSchema>;

/** data/raw/reps.csv: the sales team, as configured. */
export const repSchema = (v: OpenVocabulary) =>
  z
    .object({
      rep_id: col.id('Stable rep ID: rep_ + 16 hex digits of SHA-256 of the name.'),
      name: col.text("The rep's name (deals.csv and leads.csv owner)."),
      segment: col.open('segments', v, 'The segment the rep sells to (deal_model.yml segments.names).'),
      hire_date: col.date('First day the rep owns new companies.'),
      quarterly_quota_arr: col.int('Quota per calendar quarter: closed ARR (USD) of won deals.'),
    })
    .describe('data/raw/reps.csv: one row per sales rep (deal_model.yml reps), with segment, hire date and quarterly quota.');
export type Rep = z.infer<ReturnType<typeof repSchema>>;
