/**
 * The figures behind the report's charts and the terminal summary, computed from the rows of the deal,
 * contract and invoice tables and from a digest of the companies (CompanyDigest: counts, and the few columns
 * of the companies with a deal or a contract; no row per company). Pure: no I/O, no clock. Every function
 * makes one pass over its rows (plus small sorts of the aggregates), so the report stays cheap on a million
 * companies.
 */

import type {PipelineFigures} from '../pipeline-stats.js';
import {median, round} from '../targets.js';
import {CompanyDigest, enrichmentSources, icpMix, techstackMix, type TechRow} from './company-figures.js';
import {
  arrBySizeBand,
  arrDistribution,
  firstTerms,
  mrrByMonth,
  type ArrBucket,
  type ArrBySizeRow,
  type FigureContract,
  type FigureInvoice,
  type MrrRow,
} from './contract-figures.js';
import {
  cycleBySegment,
  funnel,
  lossReasons,
  pipelineByMonth,
  winRateByIcpTier,
  winRateByLeadSource,
  winRateBySegment,
  type CycleRow,
  type FigureDeal,
  type FunnelRow,
  type MonthRow,
  type WinRateRow,
} from './deal-figures.js';
import type {CountRow} from './figure-helpers.js';

// The report's figures live in company-figures.ts, deal-figures.ts and contract-figures.ts; this module puts
// them together (computeFigures, summarize) and is where the stages and tests import them from.
export * from './company-figures.js';
export * from './contract-figures.js';
export * from './deal-figures.js';
export type {CountRow} from './figure-helpers.js';

/** Names and orders that come from the model, not from the rows. */
export interface FigureOptions {
  /** Open pipeline stages in order (the stage after the last one is closed-won). */
  stages: readonly string[];
  /** Deal segments in display order (others follow alphabetically). */
  segments: readonly string[];
  /** ICP tiers in display order. */
  icpTiers: readonly string[];
  /** Company size bands in display order. */
  sizeBands: readonly string[];
  /** The as-of date (YYYY-MM-DD): the last month of the time series. */
  asOf: string;
}

export interface ReportSummary {
  companies: number;
  icp_fit: number;
  /** icp_fit / companies (0 when there are no companies), 4 digits. Money figures are rounded to cents. */
  icp_share: number;
  /** Deals (opportunities) of any outcome. */
  opportunities: number;
  companies_with_opportunity: number;
  won: number;
  lost: number;
  open: number;
  /** won / (won + lost), 4 digits; null when no deal has closed. */
  win_rate: number | null;
  /** Sum of amount_arr of the open deals. */
  open_pipeline_arr: number;
  /** Sum of amount_arr x probability of the open deals. */
  weighted_pipeline_arr: number;
  /** Median days from created to close of the won deals; null when none was won. */
  median_cycle_days: number | null;
  /** Companies that are customers at the as-of date (unified.csv is_customer: a previous customer or a won deal). */
  customers: number;
  /** Companies with at least one contract (a won deal). */
  customers_with_contract: number;
  /** Companies with a contract active at the as-of date (not scheduled, not ended without renewal). */
  customers_with_active_contract: number;
  contracts: number;
  /** ARR of the contracts active at the as-of date. */
  arr: number;
  /** ARR of all contracts signed by the as-of date (active, scheduled and ended). */
  booked_arr: number;
  /** MRR in the as-of month from the invoices (see mrrByMonth). */
  mrr_as_of: number;
  /** Companies whose enrichment fell back to the rules (enrichment_source = rules_fallback). */
  enrichment_fallbacks: number;
  /**
   * Share of rep-quarters at or above quota, and the medians over the measured quarters of pipeline coverage and
   * slip rate (see core/pipeline-stats.ts); null without reps.csv and pipeline_snapshots.csv or without data.
   */
  quota_attainment_share: number | null;
  median_pipeline_coverage: number | null;
  median_slip_rate: number | null;
}

export interface ReportFigures {
  funnel: FunnelRow[];
  winRateByIcpTier: WinRateRow[];
  winRateByLeadSource: WinRateRow[];
  winRateBySegment: WinRateRow[];
  arrDistribution: ArrBucket[];
  arrBySizeBand: ArrBySizeRow[];
  cycleBySegment: CycleRow[];
  pipelineByMonth: MonthRow[];
  mrrByMonth: MrrRow[];
  lossReasons: CountRow[];
  icpMix: CountRow[];
  techstackMix: TechRow[];
  enrichmentSources: CountRow[];
  /** Quota attainment, pipeline coverage and slip rate (null: the dataset has no reps.csv or pipeline_snapshots.csv). */
  pipeline: PipelineFigures | null;
  summary: ReportSummary;
}

export interface FigureTables {
  /** The company figures' counts and the icp_tier / size_band of every company with a deal or a contract. */
  companies: CompanyDigest;
  deals: readonly FigureDeal[];
  contracts: readonly FigureContract[];
  invoices: readonly FigureInvoice[];
  /** The pipeline figures, computed from deals.csv, pipeline_snapshots.csv and reps.csv (or while simulating). */
  pipeline?: PipelineFigures | null;
}

/** The headline figures of the terminal summary. */
export function summarize(t: FigureTables, asOf: string): ReportSummary {
  const n = t.companies.companies;
  const icp = t.companies.icpFit;
  let won = 0;
  let lost = 0;
  let open = 0;
  let openArr = 0;
  let weighted = 0;
  const cycles: number[] = [];
  const withDeal = new Set<string>();
  for (const d of t.deals) {
    withDeal.add(d.company_id);
    if (d.outcome === 'won') {
      won++;
      cycles.push(d.sales_cycle_days);
    } else if (d.outcome === 'lost') lost++;
    else {
      open++;
      openArr += d.amount_arr;
      weighted += d.amount_arr * d.probability;
    }
  }
  let arr = 0;
  let booked = 0;
  const withContract = new Set<string>();
  const withActive = new Set<string>();
  for (const c of t.contracts) {
    if ((c.term_number ?? 1) === 1) booked += c.arr;
    if (c.contract_status === 'active') {
      arr += c.arr;
      withActive.add(c.company_id);
    }
    withContract.add(c.company_id);
  }
  const asOfMonth = asOf.slice(0, 7);
  return {
    companies: n,
    icp_fit: icp,
    icp_share: n ? round(icp / n, 4) : 0,
    opportunities: t.deals.length,
    companies_with_opportunity: withDeal.size,
    won,
    lost,
    open,
    win_rate: won + lost ? round(won / (won + lost), 4) : null,
    open_pipeline_arr: round(openArr, 2),
    weighted_pipeline_arr: round(weighted, 2),
    median_cycle_days: median(cycles),
    customers: t.companies.customers,
    customers_with_contract: withContract.size,
    customers_with_active_contract: withActive.size,
    contracts: firstTerms(t.contracts).length,
    arr: round(arr, 2),
    booked_arr: round(booked, 2),
    mrr_as_of: round(mrrByMonth(t.invoices, asOf).find((r) => r.month === asOfMonth)?.mrr ?? 0, 2),
    enrichment_fallbacks: t.companies.sourceCounts().get('rules_fallback') ?? 0,
    quota_attainment_share: t.pipeline?.quota_attainment.at_quota_share ?? null,
    median_pipeline_coverage: t.pipeline?.median_pipeline_coverage ?? null,
    median_slip_rate: t.pipeline?.median_slip_rate ?? null,
  };
}

/** Every chart's figures and the summary. */
export function computeFigures(t: FigureTables, o: FigureOptions): ReportFigures {
  return {
    funnel: funnel(t.deals, o.stages),
    winRateByIcpTier: winRateByIcpTier(t.deals, t.companies, o.icpTiers),
    winRateByLeadSource: winRateByLeadSource(t.deals),
    winRateBySegment: winRateBySegment(t.deals, o.segments),
    arrDistribution: arrDistribution(firstTerms(t.contracts)),
    arrBySizeBand: arrBySizeBand(firstTerms(t.contracts), t.companies, o.sizeBands),
    cycleBySegment: cycleBySegment(t.deals, o.segments),
    pipelineByMonth: pipelineByMonth(t.deals, o.asOf),
    mrrByMonth: mrrByMonth(t.invoices, o.asOf),
    lossReasons: lossReasons(t.deals),
    icpMix: icpMix(t.companies, o.icpTiers),
    techstackMix: techstackMix(t.companies),
    enrichmentSources: enrichmentSources(t.companies),
    pipeline: t.pipeline ?? null,
    summary: summarize(t, o.asOf),
  };
}
