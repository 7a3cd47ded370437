/**
 * The deal figures of the report (funnel, win rates, sales cycle, pipeline by month, loss reasons), from the rows
 * of deals.csv. Pure. Each figure is an accumulator fed one deal at a time (the report streams deals.csv into
 * them: no row is kept), and a function of an array of deals that feeds one.
 */
import {quantile} from '../targets.js';
import type {CompanyLookup} from './company-figures.js';
import {cents, countRows, feed, monthIndex, monthLabel, ordered, type CountRow} from './figure-helpers.js';

/** The deal columns the report reads (a subset of data/raw/deals.csv). */
export type FigureDeal = {
  deal_id: string;
  company_id: string;
  lead_source: string;
  segment: string;
  created_date: string;
  stage: string;
  close_date: string;
  outcome: string;
  loss_reason: string;
  lost_at_stage: string;
  amount_arr: number;
  /** Signed ARR of a won deal (amount_arr less the discount); null otherwise. */
  closed_arr: number | null;
  probability: number;
  /** Days from created to close (null for open deals: see age_days). */
  sales_cycle_days: number | null;
};

// What each accumulator holds, as plain data (a part of the deals fed apart, e.g. on a worker thread, is merged
// into another accumulator). Sums of money are kept in whole cents, so that the parts add up to the same figures
// in any order and however the deals were split (a sum of cents is exact in a double up to 2^53).

/** See FunnelCounts. */
export interface FunnelState {
  won: number;
  lost: number[];
  open: number[];
}
/** See WinRates: [key, won, lost, open] per group. */
export type WinRateState = Array<[string, number, number, number]>;
/** See CycleTimes: the won deals' days per segment. */
export type CycleState = Array<[string, number[]]>;
/** See MonthlyPipeline: [month index, deals created, their cents, deals won, their cents] per month. */
export interface MonthlyPipelineState {
  first: number;
  months: Array<[number, number, number, number, number]>;
}
/** See LossReasonCounts: lost deals per reason. */
export type CountState = Array<[string, number]>;

export interface FunnelRow {
  stage: string;
  /** Deals that reached this stage. */
  reached: number;
  /** Deals that went on to the next stage (for the last open stage: won). */
  advanced: number;
  /** Deals lost at this stage (leakage). */
  lost: number;
  /** Deals still open at this stage on the as-of date. */
  open: number;
  /** advanced / reached; null when no deal reached the stage. */
  conversion: number | null;
}

export interface WinRateRow {
  key: string;
  won: number;
  lost: number;
  open: number;
  /** won / (won + lost); null when no deal of the group has closed. */
  win_rate: number | null;
}

export interface CycleRow {
  segment: string;
  deals: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface MonthRow {
  /** YYYY-MM */
  month: string;
  deals_created: number;
  pipeline_created_arr: number;
  deals_won: number;
  /** Signed ARR (closed_arr) of the deals won in the month. */
  closed_won_arr: number;
}

/**
 * Deals reaching each stage, and where the others stopped. A deal reached every stage up to the one it
 * stopped at: its lost_at_stage when lost, its current stage when open, all of them when won.
 */
export class FunnelCounts {
  private readonly position: Map<string, number>;
  private readonly lost: number[];
  private readonly open: number[];
  private won = 0;

  constructor(private readonly stages: readonly string[]) {
    this.position = new Map(stages.map((s, i) => [s, i]));
    this.lost = new Array<number>(stages.length).fill(0);
    this.open = new Array<number>(stages.length).fill(0);
  }

  add(d: FigureDeal): void {
    if (d.outcome === 'won') this.won++;
    else {
      const at = d.outcome === 'lost' ? d.lost_at_stage : d.stage;
      const i = this.position.get(at);
      if (i === undefined) throw new Error(`deal ${d.deal_id}: stage "${at}" is not one of ${this.stages.join(', ')}`);
      (d.outcome === 'lost' ? this.lost : this.open)[i]++;
    }
  }

  state(): FunnelState {
    return {won: this.won, lost: [...this.lost], open: [...this.open]};
  }

  /** Adds the counts of another part of the deals (stages in the same order). */
  merge(s: FunnelState): void {
    this.won += s.won;
    for (let i = 0; i < this.lost.length; i++) {
      this.lost[i] += s.lost[i];
      this.open[i] += s.open[i];
    }
  }

  rows(): FunnelRow[] {
    const {stages, lost, open, won} = this;
    const rows: FunnelRow[] = [];
    let advanced = won;
    for (let i = stages.length - 1; i >= 0; i--) {
      const reached = advanced + lost[i] + open[i];
      rows.push({stage: stages[i], reached, advanced, lost: lost[i], open: open[i], conversion: reached ? advanced / reached : null});
      advanced = reached;
    }
    rows.reverse();
    rows.push({stage: 'closed_won', reached: won, advanced: won, lost: 0, open: 0, conversion: null});
    return rows;
  }
}

/** Deals reaching each stage (see FunnelCounts). */
export function funnel(deals: readonly FigureDeal[], stages: readonly string[]): FunnelRow[] {
  return feed(new FunnelCounts(stages), deals).rows();
}

/** Won, lost and open deals by a key of the deal (see rows for the order). */
export class WinRates {
  private readonly groups = new Map<string, WinRateRow>();

  constructor(private readonly keyOf: (d: FigureDeal) => string) {}

  add(d: FigureDeal): void {
    const key = this.keyOf(d);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = {key, won: 0, lost: 0, open: 0, win_rate: null}));
    if (d.outcome === 'won') g.won++;
    else if (d.outcome === 'lost') g.lost++;
    else g.open++;
  }

  state(): WinRateState {
    return [...this.groups.values()].map((g) => [g.key, g.won, g.lost, g.open]);
  }

  merge(s: WinRateState): void {
    for (const [key, won, lost, open] of s) {
      const g = this.groups.get(key);
      if (g) {
        g.won += won;
        g.lost += lost;
        g.open += open;
      } else this.groups.set(key, {key, won, lost, open, win_rate: null});
    }
  }

  /** The groups, the keys of `order` first (in its order), then the others alphabetically. */
  rows(order: readonly string[]): WinRateRow[] {
    return ordered(this.groups.keys(), order).map((k) => {
      const g = this.groups.get(k)!;
      const closed = g.won + g.lost;
      return {...g, win_rate: closed ? g.won / closed : null};
    });
  }
}

/** The key of winRateByIcpTier: the company's ICP tier. */
export const icpTierKey =
  (companies: CompanyLookup) =>
  (d: FigureDeal): string =>
    companies.tierOf(d.company_id) ?? 'unknown';
/** The key of winRateByLeadSource. */
export const leadSourceKey = (d: FigureDeal): string => d.lead_source || 'unknown';
/** The key of winRateBySegment and cycleBySegment. */
export const segmentKey = (d: FigureDeal): string => d.segment || 'unknown';

/** Lead-source rows best first (ties by name). */
export const byWinRate = (rows: WinRateRow[]): WinRateRow[] =>
  rows.sort((a, b) => (b.win_rate ?? -1) - (a.win_rate ?? -1) || (a.key < b.key ? -1 : 1));

/** Win rate of closed deals by the company's ICP tier (tiers in the given order). */
export function winRateByIcpTier(deals: readonly FigureDeal[], companies: CompanyLookup, tiers: readonly string[]): WinRateRow[] {
  return feed(new WinRates(icpTierKey(companies)), deals).rows(tiers);
}

/** Win rate of closed deals by lead source, best first (ties by name). */
export function winRateByLeadSource(deals: readonly FigureDeal[]): WinRateRow[] {
  return byWinRate(feed(new WinRates(leadSourceKey), deals).rows([]));
}

/** Win rate of closed deals by segment (segments in the given order). */
export function winRateBySegment(deals: readonly FigureDeal[], segments: readonly string[]): WinRateRow[] {
  return feed(new WinRates(segmentKey), deals).rows(segments);
}

/** Days from created to close (sales_cycle_days) of won deals, by segment: only the won deals' days are kept. */
export class CycleTimes {
  private readonly groups = new Map<string, number[]>();

  add(d: FigureDeal): void {
    if (d.outcome !== 'won' || d.sales_cycle_days === null) return;
    const key = segmentKey(d);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = []));
    g.push(d.sales_cycle_days);
  }

  state(): CycleState {
    return [...this.groups].map(([segment, days]) => [segment, [...days]]);
  }

  merge(s: CycleState): void {
    for (const [segment, days] of s) {
      const g = this.groups.get(segment);
      if (g) for (const d of days) g.push(d);
      else this.groups.set(segment, [...days]);
    }
  }

  /** A five-number summary per segment (segments in the given order). */
  rows(segments: readonly string[]): CycleRow[] {
    return ordered(this.groups.keys(), segments).map((segment) => {
      const v = [...this.groups.get(segment)!].sort((a, b) => a - b);
      return {segment, deals: v.length, min: v[0], q1: quantile(v, 0.25), median: quantile(v, 0.5), q3: quantile(v, 0.75), max: v[v.length - 1]};
    });
  }
}

/** Days from created to close (sales_cycle_days) of won deals, as a five-number summary per segment. */
export function cycleBySegment(deals: readonly FigureDeal[], segments: readonly string[]): CycleRow[] {
  return feed(new CycleTimes(), deals).rows(segments);
}

/** Pipeline created and closed-won by month (see pipelineByMonth), for every month a deal touches. */
export class MonthlyPipeline {
  /** Month index -> deals created, their amount_arr in cents, deals won, their closed_arr in cents. */
  private readonly months = new Map<number, [number, number, number, number]>();
  private first = Number.POSITIVE_INFINITY;

  private month(m: number): [number, number, number, number] {
    let row = this.months.get(m);
    if (row === undefined) this.months.set(m, (row = [0, 0, 0, 0]));
    return row;
  }

  add(d: FigureDeal): void {
    const created = monthIndex(d.created_date);
    this.first = Math.min(this.first, created);
    const c = this.month(created);
    c[0]++;
    c[1] += cents(d.amount_arr);
    if (d.outcome === 'won') {
      const w = this.month(monthIndex(d.close_date));
      w[2]++;
      w[3] += cents(d.closed_arr ?? d.amount_arr);
    }
  }

  state(): MonthlyPipelineState {
    return {first: this.first, months: [...this.months].map(([m, row]) => [m, ...row])};
  }

  merge(s: MonthlyPipelineState): void {
    this.first = Math.min(this.first, s.first);
    for (const [m, ...sums] of s.months) {
      const row = this.month(m);
      for (let i = 0; i < 4; i++) row[i] += sums[i];
    }
  }

  /** Every month from the first deal's to the as-of month (months without deals are 0; later ones left out). */
  rows(asOf: string): MonthRow[] {
    const last = monthIndex(asOf);
    const first = Math.min(this.first, last);
    const rows: MonthRow[] = [];
    for (let m = first; m <= last; m++) {
      const [created, createdCents, won, wonCents] = this.months.get(m) ?? [0, 0, 0, 0];
      rows.push({
        month: monthLabel(m),
        deals_created: created,
        pipeline_created_arr: createdCents / 100,
        deals_won: won,
        closed_won_arr: wonCents / 100,
      });
    }
    return rows;
  }
}

/**
 * Pipeline created (deals and amount_arr by created month) and closed-won (won deals and their signed ARR,
 * closed_arr, by close month), for every month from the first deal to the as-of month (months without
 * deals are 0).
 */
export function pipelineByMonth(deals: readonly FigureDeal[], asOf: string): MonthRow[] {
  return feed(new MonthlyPipeline(), deals).rows(asOf);
}

/** Lost deals by loss reason. */
export class LossReasonCounts {
  private readonly counts = new Map<string, number>();
  private n = 0;

  add(d: FigureDeal): void {
    if (d.outcome !== 'lost') return;
    const reason = d.loss_reason || 'unknown';
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    this.n++;
  }

  state(): CountState {
    return [...this.counts];
  }

  merge(s: CountState): void {
    for (const [reason, n] of s) {
      this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
      this.n += n;
    }
  }

  /** Largest first (ties by name). */
  rows(): CountRow[] {
    return countRows(this.counts, this.n);
  }
}

/** Lost deals by loss reason, largest first (ties by name). */
export function lossReasons(deals: readonly FigureDeal[]): CountRow[] {
  return feed(new LossReasonCounts(), deals).rows();
}
