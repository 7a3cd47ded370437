/**
 * The deal figures of the report (funnel, win rates, sales cycle, pipeline by month, loss reasons), from the rows
 * of deals.csv. Pure; each makes one pass over the deals.
 */
import {quantile} from '../targets.js';
import type {CompanyDigest} from './company-figures.js';
import {countRows, monthIndex, monthLabel, ordered, type CountRow} from './figure-helpers.js';

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
  /** Days from created to close (open deals: age at the as-of date). */
  sales_cycle_days: number;
};

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
export function funnel(deals: readonly FigureDeal[], stages: readonly string[]): FunnelRow[] {
  const position = new Map(stages.map((s, i) => [s, i]));
  const lost = new Array<number>(stages.length).fill(0);
  const open = new Array<number>(stages.length).fill(0);
  let won = 0;
  for (const d of deals) {
    if (d.outcome === 'won') won++;
    else {
      const at = d.outcome === 'lost' ? d.lost_at_stage : d.stage;
      const i = position.get(at);
      if (i === undefined) throw new Error(`deal ${d.deal_id}: stage "${at}" is not one of ${stages.join(', ')}`);
      (d.outcome === 'lost' ? lost : open)[i]++;
    }
  }
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

function winRates(deals: readonly FigureDeal[], keyOf: (d: FigureDeal) => string, order: readonly string[]): WinRateRow[] {
  const groups = new Map<string, WinRateRow>();
  for (const d of deals) {
    const key = keyOf(d);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = {key, won: 0, lost: 0, open: 0, win_rate: null}));
    if (d.outcome === 'won') g.won++;
    else if (d.outcome === 'lost') g.lost++;
    else g.open++;
  }
  return ordered(groups.keys(), order).map((k) => {
    const g = groups.get(k)!;
    const closed = g.won + g.lost;
    return {...g, win_rate: closed ? g.won / closed : null};
  });
}

/** Win rate of closed deals by the company's ICP tier (tiers in the given order). */
export function winRateByIcpTier(deals: readonly FigureDeal[], companies: CompanyDigest, tiers: readonly string[]): WinRateRow[] {
  return winRates(deals, (d) => companies.tierOf(d.company_id) ?? 'unknown', tiers);
}

/** Win rate of closed deals by lead source, best first (ties by name). */
export function winRateByLeadSource(deals: readonly FigureDeal[]): WinRateRow[] {
  return winRates(deals, (d) => d.lead_source || 'unknown', []).sort((a, b) => (b.win_rate ?? -1) - (a.win_rate ?? -1) || (a.key < b.key ? -1 : 1));
}

/** Win rate of closed deals by segment (segments in the given order). */
export function winRateBySegment(deals: readonly FigureDeal[], segments: readonly string[]): WinRateRow[] {
  return winRates(deals, (d) => d.segment || 'unknown', segments);
}

/** Days from created to close (sales_cycle_days) of won deals, as a five-number summary per segment. */
export function cycleBySegment(deals: readonly FigureDeal[], segments: readonly string[]): CycleRow[] {
  const groups = new Map<string, number[]>();
  for (const d of deals) {
    if (d.outcome !== 'won') continue;
    const key = d.segment || 'unknown';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(d.sales_cycle_days);
  }
  return ordered(groups.keys(), segments).map((segment) => {
    const v = groups.get(segment)!.sort((a, b) => a - b);
    return {segment, deals: v.length, min: v[0], q1: quantile(v, 0.25), median: quantile(v, 0.5), q3: quantile(v, 0.75), max: v[v.length - 1]};
  });
}

/**
 * Pipeline created (deals and amount_arr by created month) and closed-won (won deals and their signed ARR,
 * closed_arr, by close month), for every month from the first deal to the as-of month (months without
 * deals are 0).
 */
export function pipelineByMonth(deals: readonly FigureDeal[], asOf: string): MonthRow[] {
  const last = monthIndex(asOf);
  let first = last;
  for (const d of deals) first = Math.min(first, monthIndex(d.created_date));
  const rows: MonthRow[] = [];
  for (let m = first; m <= last; m++) rows.push({month: monthLabel(m), deals_created: 0, pipeline_created_arr: 0, deals_won: 0, closed_won_arr: 0});
  for (const d of deals) {
    const c = rows[monthIndex(d.created_date) - first];
    if (c) {
      c.deals_created++;
      c.pipeline_created_arr += d.amount_arr;
    }
    if (d.outcome === 'won') {
      const w = rows[monthIndex(d.close_date) - first];
      if (w) {
        w.deals_won++;
        w.closed_won_arr += d.closed_arr ?? d.amount_arr;
      }
    }
  }
  return rows;
}

/** Lost deals by loss reason, largest first (ties by name). */
export function lossReasons(deals: readonly FigureDeal[]): CountRow[] {
  const m = new Map<string, number>();
  let n = 0;
  for (const d of deals) {
    if (d.outcome !== 'lost') continue;
    const reason = d.loss_reason || 'unknown';
    m.set(reason, (m.get(reason) ?? 0) + 1);
    n++;
  }
  return countRows(m, n);
}
