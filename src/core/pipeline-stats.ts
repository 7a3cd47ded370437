/**
 * Sales figures of the pipeline, computed from the rows of deals.csv, pipeline_snapshots.csv and reps.csv:
 * quota attainment per rep-quarter, pipeline coverage and slip rate per quarter. Pure: the dates are the
 * tables' ISO texts (YYYY-MM-DD), compared as texts; quarters are calendar quarters.
 *
 * The state is additive (see merge.ts): the deals stage feeds it company by company (worker threads each a
 * part, merged in order), the report feeds it the tables read back; both give the same figures.
 */
import {addInto} from './merge.js';
import {quarterEnd, quarterLabel, quarterOf, quarterStart} from './quarters.js';
import {checkTargets, median, medianFigure, ratio, round, shareFigure, type TargetCheck} from './targets.js';
import type {DealModelConfig} from '../schemas/deal-model.js';
import type {Deal} from '../schemas/deals.js';
import type {PipelineSnapshot, Rep} from '../schemas/history.js';

/** What the figures need of a rep (reps.csv or deal_model.yml reps). */
export type PipelineRep = Pick<Rep, 'name' | 'segment' | 'hire_date' | 'quarterly_quota_arr'>;
/** What the figures read of a deal (deals.csv; outcome won, lost or open). */
export type PipelineDeal = Pick<Deal, 'deal_id' | 'owner' | 'close_date' | 'closed_arr'> & {outcome: string};
/** What the figures read of a snapshot row. */
export type PipelineSnapshotRow = Pick<PipelineSnapshot, 'snapshot_date' | 'deal_id' | 'amount_arr' | 'expected_close_date'>;

export interface PipelineSetup {
  reps: readonly PipelineRep[];
  /**
   * The segments, in the order of quota_attainment.by_segment (deal_model.yml segments.names); by default the
   * reps' segments in the order they first appear (a reader of reps.csv without the config).
   */
  segments?: readonly string[];
  /** First day of the simulation window (YYYY-MM-DD): its first two quarters are ramp-up, not measured. */
  windowStart: string;
  /** The as-of date (YYYY-MM-DD): only quarters ended by then are measured. */
  asOf: string;
}

/** Quarters of the window not measured (the pipeline and the team's books are still filling up). */
export const RAMP_UP_QUARTERS = 2;

/**
 * The additive state (see Additive in merge.ts): integer dollar sums and counts, keyed by rep name, quarter
 * label or snapshot date.
 */
export type PipelineState = {
  /** closed_arr of won deals by owner, then by quarter of close_date. */
  repBookings: Record<string, Record<string, number>>;
  /** closed_arr of all won deals by quarter of close_date. */
  bookings: Record<string, number>;
  /**
   * By snapshot date, for the dates of a quarter's first week (and of the window's first week: see
   * firstWeekSnapshot), each seen even with nothing expected in its quarter: the deals open that day whose
   * expected_close_date falls in the same quarter: their amount_arr, their count, and how many of them were not
   * closed (won or lost) by the quarter's end.
   */
  snapshots: Record<string, {arr: number; deals: number; slipped: number}>;
  /** Rows of pipeline_snapshots.csv and of opportunity_history.csv seen. */
  snapshotRows: number;
  historyRows: number;
};

const emptyPipelineState = (): PipelineState => ({repBookings: {}, bookings: {}, snapshots: {}, snapshotRows: 0, historyRows: 0});

export interface QuarterPipeline {
  quarter: string;
  /** The quarter's first snapshot date: the first in its first week (null: none). */
  snapshot_date: string | null;
  /** amount_arr of the deals open that day expected to close in the quarter. */
  pipeline_arr: number;
  /** closed_arr of the deals won in the quarter. */
  bookings_arr: number;
  /** pipeline_arr / bookings_arr (null without bookings or without a snapshot). */
  coverage: number | null;
  /** Deals open at the first snapshot expected to close in the quarter, and those of them not closed by its end. */
  forecast_deals: number;
  slipped_deals: number;
  slip_rate: number | null;
  /** The quarter ended by the as-of date. */
  complete: boolean;
  /** Complete and past the window's ramp-up: counted in the medians. */
  measured: boolean;
}

export interface AttainmentGroup {
  rep_quarters: number;
  at_quota: number;
  /** Share of rep-quarters with bookings >= quota. */
  at_quota_share: number | null;
  /** Median of bookings / quota over the rep-quarters. */
  median_attainment: number | null;
}

export interface RepAttainment extends AttainmentGroup {
  name: string;
  segment: string;
  quarterly_quota_arr: number;
  /** closed_arr of the rep's won deals in the measured quarters. */
  bookings_arr: number;
}

export interface PipelineFigures {
  /**
   * Quota attainment: each rep's bookings (closed_arr of won deals owned, by quarter of close_date) over the
   * quarterly quota, for each quarter from the rep's first full quarter (starting on or after the hire date)
   * and past the window's ramp-up, to the last quarter ended by the as-of date.
   */
  quota_attainment: AttainmentGroup & {
    by_segment: Record<string, AttainmentGroup>;
    by_rep: RepAttainment[];
  };
  /** Median over the measured quarters of pipeline coverage and slip rate (see QuarterPipeline). */
  median_pipeline_coverage: number | null;
  median_slip_rate: number | null;
  /** Quarters of the window up to the as-of date's. */
  pipeline_quarters: QuarterPipeline[];
  /** Rows of pipeline_snapshots.csv and opportunity_history.csv. */
  snapshot_rows: number;
  history_rows: number;
}

/**
 * Accumulates the pipeline figures: `addDeal` for every deal (deals.csv), `addSnapshot` for every row of
 * pipeline_snapshots.csv with its deal's close_date at the as-of date ('' while open). `add` does both for a
 * company's simulation (its snapshot rows follow its deals).
 */
export class PipelineStats {
  private readonly s: PipelineState = emptyPipelineState();
  /** Quarter bounds of the snapshot dates seen (a cache: a few hundred dates). */
  private readonly bounds = new Map<string, {start: string; end: string}>();

  /** The last day of the window's first week (YYYY-MM-DD). */
  private readonly windowWeekEnd: string;

  constructor(private readonly setup: PipelineSetup) {
    this.windowWeekEnd = addDays(setup.windowStart, 6);
  }

  /**
   * Whether a snapshot date can be a quarter's first: in the first 7 days of a quarter, or of the window (the
   * snapshots are weekly). Only those dates are kept (a cheap test on every row of a table of millions).
   */
  private firstWeekSnapshot(date: string): boolean {
    const month = (date.charCodeAt(5) - 48) * 10 + (date.charCodeAt(6) - 48);
    const day = (date.charCodeAt(8) - 48) * 10 + (date.charCodeAt(9) - 48);
    if (month % 3 === 1 && day <= 7) return true;
    return date >= this.setup.windowStart && date <= this.windowWeekEnd;
  }

  addDeal(d: Pick<PipelineDeal, 'owner' | 'outcome' | 'close_date' | 'closed_arr'>): void {
    if (d.outcome !== 'won' || d.close_date === '') return;
    const q = quarterLabel(quarterOf(d.close_date));
    const arr = d.closed_arr ?? 0;
    const s = this.s;
    s.bookings[q] = (s.bookings[q] ?? 0) + arr;
    const rep = (s.repBookings[d.owner] ??= {});
    rep[q] = (rep[q] ?? 0) + arr;
  }

  /** A row of pipeline_snapshots.csv; `closeDate`: its deal's close_date ('' when still open at the as-of date). */
  addSnapshot(row: PipelineSnapshotRow, closeDate: string): void {
    const s = this.s;
    s.snapshotRows++;
    const date = row.snapshot_date;
    if (!this.firstWeekSnapshot(date)) return;
    let b = this.bounds.get(date);
    if (b === undefined) {
      const q = quarterOf(date);
      this.bounds.set(date, (b = {start: quarterStart(q), end: quarterEnd(q)}));
    }
    let e = s.snapshots[date];
    if (e === undefined) s.snapshots[date] = e = {arr: 0, deals: 0, slipped: 0};
    const expected = row.expected_close_date;
    if (expected < b.start || expected > b.end) return;
    e.arr += row.amount_arr;
    e.deals++;
    if (closeDate === '' || closeDate > b.end) e.slipped++;
  }

  /** A company's deals and snapshot rows (the rows follow the deals: each deal's weeks together). */
  add(sim: {deals: readonly PipelineDeal[]; snapshots: readonly PipelineSnapshotRow[]; history?: readonly unknown[]}): void {
    const deals = sim.deals;
    if (sim.history) this.s.historyRows += sim.history.length;
    for (const d of deals) this.addDeal(d);
    let k = 0;
    for (const row of sim.snapshots) {
      if (k >= deals.length || deals[k].deal_id !== row.deal_id) k = findDeal(deals, row.deal_id, k);
      this.addSnapshot(row, k < deals.length ? deals[k].close_date : '');
    }
  }

  /** The live state (plain data; see DealStats.state). */
  state(): PipelineState {
    return this.s;
  }

  /** Adds the state of the next part (parts merged in order). */
  merge(state: PipelineState): void {
    addInto(this.s, state);
  }

  figures(): PipelineFigures {
    return pipelineFigures(this.s, this.setup);
  }

  /** The figures' checks against deal_model.yml targets. */
  checks(targets: DealModelConfig['targets']): TargetCheck[] {
    return pipelineChecks(this.figures(), targets);
  }
}

/** The deal `id` among `deals`, looked up from `from` on, then from the start; deals.length when absent. */
function findDeal(deals: readonly PipelineDeal[], id: string, from: number): number {
  for (let i = from; i < deals.length; i++) if (deals[i].deal_id === id) return i;
  for (let i = 0; i < Math.min(from, deals.length); i++) if (deals[i].deal_id === id) return i;
  return deals.length;
}

/** The day `n` days after an ISO date (YYYY-MM-DD; UTC arithmetic, no clock). */
function addDays(iso: string, n: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

const roundOrNull = (x: number | null, digits: number) => (x === null ? null : round(x, digits));

/** The figures of a state (see PipelineFigures). */
function pipelineFigures(s: PipelineState, setup: PipelineSetup): PipelineFigures {
  const first = quarterOf(setup.windowStart);
  const current = quarterOf(setup.asOf);
  const measuredFrom = first + RAMP_UP_QUARTERS;
  // The first snapshot date of each quarter (the dates seen, in order).
  const firstSnapshot = new Map<number, string>();
  for (const date of Object.keys(s.snapshots).sort()) {
    const q = quarterOf(date);
    if (!firstSnapshot.has(q)) firstSnapshot.set(q, date);
  }
  const quarters: QuarterPipeline[] = [];
  for (let q = first; q <= current; q++) {
    const label = quarterLabel(q);
    const date = firstSnapshot.get(q) ?? null;
    const e = date === null ? {arr: 0, deals: 0, slipped: 0} : s.snapshots[date];
    const bookings = s.bookings[label] ?? 0;
    const complete = quarterEnd(q) <= setup.asOf;
    quarters.push({
      quarter: label,
      snapshot_date: date,
      pipeline_arr: e.arr,
      bookings_arr: bookings,
      coverage: date !== null && bookings > 0 ? round(e.arr / bookings, 2) : null,
      forecast_deals: e.deals,
      slipped_deals: e.slipped,
      slip_rate: ratio(e.slipped, e.deals),
      complete,
      measured: complete && q >= measuredFrom,
    });
  }
  const measured = quarters.filter((x) => x.measured);
  const values = (k: 'coverage' | 'slip_rate') => measured.map((x) => x[k]).filter((v): v is number => v !== null);
  return {
    quota_attainment: attainment(s, setup, measuredFrom, current),
    median_pipeline_coverage: roundOrNull(median(values('coverage')), 2),
    median_slip_rate: roundOrNull(median(values('slip_rate')), 4),
    pipeline_quarters: quarters,
    snapshot_rows: s.snapshotRows,
    history_rows: s.historyRows,
  };
}

/** The rep-quarters of each rep, and their attainment (see PipelineFigures.quota_attainment). */
function attainment(s: PipelineState, setup: PipelineSetup, measuredFrom: number, current: number): PipelineFigures['quota_attainment'] {
  const group = (ratios: number[]): AttainmentGroup => {
    const at = ratios.filter((r) => r >= 1).length;
    return {rep_quarters: ratios.length, at_quota: at, at_quota_share: ratio(at, ratios.length), median_attainment: roundOrNull(median(ratios), 4)};
  };
  const all: number[] = [];
  const segments = setup.segments ?? [...new Set(setup.reps.map((r) => r.segment))];
  const bySegment = Object.fromEntries(segments.map((g) => [g, [] as number[]]));
  const byRep: RepAttainment[] = [];
  for (const rep of setup.reps) {
    // The first quarter starting on or after the hire date.
    const hired = quarterOf(rep.hire_date);
    const from = Math.max(measuredFrom, quarterStart(hired) === rep.hire_date ? hired : hired + 1);
    const books = s.repBookings[rep.name] ?? {};
    const ratios: number[] = [];
    let total = 0;
    for (let q = from; q <= current && quarterEnd(q) <= setup.asOf; q++) {
      const b = books[quarterLabel(q)] ?? 0;
      total += b;
      ratios.push(rep.quarterly_quota_arr > 0 ? b / rep.quarterly_quota_arr : 0);
    }
    all.push(...ratios);
    bySegment[rep.segment]?.push(...ratios);
    byRep.push({name: rep.name, segment: rep.segment, quarterly_quota_arr: rep.quarterly_quota_arr, bookings_arr: total, ...group(ratios)});
  }
  return {
    ...group(all),
    by_segment: Object.fromEntries(segments.map((g) => [g, group(bySegment[g])])),
    by_rep: byRep,
  };
}

/** The pipeline figures of an object that has them among others (a deals summary). */
export function pickPipelineFigures(x: PipelineFigures): PipelineFigures {
  const {quota_attainment, median_pipeline_coverage, median_slip_rate, pipeline_quarters, snapshot_rows, history_rows} = x;
  return {quota_attainment, median_pipeline_coverage, median_slip_rate, pipeline_quarters, snapshot_rows, history_rows};
}

/** Checks of the pipeline figures against the targets quota_attainment_share, pipeline_coverage and slip_rate. */
export function pipelineChecks(f: PipelineFigures, targets: DealModelConfig['targets']): TargetCheck[] {
  const measured = f.pipeline_quarters.filter((q) => q.measured);
  const list = (k: 'coverage' | 'slip_rate') => measured.map((q) => q[k]).filter((v): v is number => v !== null);
  const qa = f.quota_attainment;
  return checkTargets(
    {
      quota_attainment_share: shareFigure(qa.at_quota, qa.rep_quarters),
      pipeline_coverage: {...medianFigure(list('coverage')), value: f.median_pipeline_coverage},
      slip_rate: {...medianFigure(list('slip_rate')), value: f.median_slip_rate},
    },
    targets,
  );
}
