/**
 * The figures behind the report's charts and the terminal summary, computed from the rows of the deal,
 * contract and invoice tables and from a digest of the companies (CompanyDigest: counts, and the few columns
 * of the companies with a deal or a contract; no row per company). Pure: no I/O, no clock. The rows are fed
 * one at a time (FigureBuilder: the report streams the tables, it keeps no row; computeFigures feeds arrays),
 * into accumulators that keep counts and sums, and the values medians need (the won deals' cycle days, the
 * first terms' ARR), so the report stays cheap on a million companies.
 */

import type {PipelineFigures} from '../pipeline-stats.js';
import {median, ratio, round} from '../targets.js';
import {
  CompanyDigest,
  CurrentCompany,
  enrichmentSources,
  icpMix,
  techstackMix,
  type CompanyLookup,
  type FigureCompany,
  type TechRow,
} from './company-figures.js';
import {
  ArrBuckets,
  ArrBySize,
  MonthlyRevenue,
  type MonthlyRevenueState,
  type ArrBucket,
  type ArrBySizeRow,
  type FigureContract,
  type FigureInvoice,
  type MrrRow,
} from './contract-figures.js';
import {
  byWinRate,
  CycleTimes,
  FunnelCounts,
  icpTierKey,
  leadSourceKey,
  LossReasonCounts,
  MonthlyPipeline,
  segmentKey,
  WinRates,
  type CountState,
  type CycleRow,
  type CycleState,
  type FigureDeal,
  type FunnelState,
  type MonthlyPipelineState,
  type WinRateState,
  type FunnelRow,
  type MonthRow,
  type WinRateRow,
} from './deal-figures.js';
import {cents, feed, type CountRow} from './figure-helpers.js';

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
  /** icp_fit / companies (null when there are no companies, as win_rate without closed deals), 4 digits. Money figures are rounded to cents. */
  icp_share: number | null;
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

/** The summary's figures of the deals (see ReportSummary). */
class DealTotals {
  opportunities = 0;
  won = 0;
  lost = 0;
  open = 0;
  /** Sums of the open deals' amount_arr and amount_arr x probability, in cents (see FigureState). */
  openCents = 0;
  weightedCents = 0;
  /** sales_cycle_days of the won deals. */
  readonly cycles: number[] = [];
  private readonly companies: {add(companyId: string): void; readonly size: number};
  /** Companies with a deal in the parts merged in (each part has companies of its own). */
  private mergedCompanies = 0;

  constructor(lookup: CompanyLookup) {
    this.companies = lookup.distinct();
  }

  add(d: FigureDeal): void {
    this.opportunities++;
    this.companies.add(d.company_id);
    if (d.outcome === 'won') {
      this.won++;
      if (d.sales_cycle_days !== null) this.cycles.push(d.sales_cycle_days);
    } else if (d.outcome === 'lost') this.lost++;
    else {
      this.open++;
      this.openCents += cents(d.amount_arr);
      this.weightedCents += cents(d.amount_arr * d.probability);
    }
  }

  get companyCount(): number {
    return this.companies.size + this.mergedCompanies;
  }

  state(): DealTotalsState {
    const {opportunities, won, lost, open, openCents, weightedCents} = this;
    return {opportunities, won, lost, open, openCents, weightedCents, cycles: [...this.cycles], companies: this.companyCount};
  }

  merge(s: DealTotalsState): void {
    this.opportunities += s.opportunities;
    this.won += s.won;
    this.lost += s.lost;
    this.open += s.open;
    this.openCents += s.openCents;
    this.weightedCents += s.weightedCents;
    for (const c of s.cycles) this.cycles.push(c);
    this.mergedCompanies += s.companies;
  }
}

/** The summary's figures of the contracts (see ReportSummary). */
class ContractTotals {
  contracts = 0;
  /** ARR of the active terms and of the first terms, in cents (see FigureState). */
  arrCents = 0;
  bookedCents = 0;
  private readonly withContract: {add(companyId: string): void; readonly size: number};
  private readonly withActive: {add(companyId: string): void; readonly size: number};
  /** Companies with a contract, and with an active one, in the parts merged in. */
  private merged = {withContract: 0, withActive: 0};

  constructor(lookup: CompanyLookup) {
    this.withContract = lookup.distinct();
    this.withActive = lookup.distinct();
  }

  add(c: FigureContract): void {
    if ((c.term_number ?? 1) === 1) {
      this.contracts++;
      this.bookedCents += cents(c.arr);
    }
    if (c.contract_status === 'active') {
      this.arrCents += cents(c.arr);
      this.withActive.add(c.company_id);
    }
    this.withContract.add(c.company_id);
  }

  get companiesWithContract(): number {
    return this.withContract.size + this.merged.withContract;
  }

  get companiesWithActive(): number {
    return this.withActive.size + this.merged.withActive;
  }

  state(): ContractTotalsState {
    const {contracts, arrCents, bookedCents} = this;
    return {contracts, arrCents, bookedCents, withContract: this.companiesWithContract, withActive: this.companiesWithActive};
  }

  merge(s: ContractTotalsState): void {
    this.contracts += s.contracts;
    this.arrCents += s.arrCents;
    this.bookedCents += s.bookedCents;
    this.merged.withContract += s.withContract;
    this.merged.withActive += s.withActive;
  }
}

interface DealTotalsState {
  opportunities: number;
  won: number;
  lost: number;
  open: number;
  openCents: number;
  weightedCents: number;
  cycles: number[];
  companies: number;
}

interface ContractTotalsState {
  contracts: number;
  arrCents: number;
  bookedCents: number;
  withContract: number;
  withActive: number;
}

/**
 * A FigureBuilder's accumulators as plain data (it survives structuredClone / postMessage): parts of the rows fed
 * apart (`run`'s worker threads, a company at a time) are merged into one builder, in any order, to the figures
 * of one builder fed every row. Sums of money are kept in whole cents, which add up exactly (up to 2^53 cents)
 * whatever the order; counts are added; the values medians need are gathered.
 */
export interface FigureState {
  funnel: FunnelState;
  byTier: WinRateState;
  bySource: WinRateState;
  bySegment: WinRateState;
  cycles: CycleState;
  months: MonthlyPipelineState;
  losses: CountState;
  dealTotals: DealTotalsState;
  buckets: number[];
  bySize: Array<[string, number[]]>;
  contractTotals: ContractTotalsState;
  revenue: MonthlyRevenueState;
  contracts: number;
  invoices: number;
  firstCreated: string | undefined;
}

function summary(
  companies: CompanyDigest,
  d: DealTotals,
  c: ContractTotals,
  mrr: readonly MrrRow[],
  asOf: string,
  pipeline: PipelineFigures | null,
): ReportSummary {
  const n = companies.companies;
  const icp = companies.icpFit;
  const asOfMonth = asOf.slice(0, 7);
  return {
    companies: n,
    icp_fit: icp,
    icp_share: ratio(icp, n),
    opportunities: d.opportunities,
    companies_with_opportunity: d.companyCount,
    won: d.won,
    lost: d.lost,
    open: d.open,
    win_rate: d.won + d.lost ? round(d.won / (d.won + d.lost), 4) : null,
    open_pipeline_arr: round(d.openCents / 100, 2),
    weighted_pipeline_arr: round(d.weightedCents / 100, 2),
    median_cycle_days: median(d.cycles),
    customers: companies.customers,
    customers_with_contract: c.companiesWithContract,
    customers_with_active_contract: c.companiesWithActive,
    contracts: c.contracts,
    arr: round(c.arrCents / 100, 2),
    booked_arr: round(c.bookedCents / 100, 2),
    mrr_as_of: round(mrr.find((r) => r.month === asOfMonth)?.mrr ?? 0, 2),
    enrichment_fallbacks: companies.sourceCounts().get('rules_fallback') ?? 0,
    quota_attainment_share: pipeline?.quota_attainment.at_quota_share ?? null,
    median_pipeline_coverage: pipeline?.median_pipeline_coverage ?? null,
    median_slip_rate: pipeline?.median_slip_rate ?? null,
  };
}

/** The headline figures of the terminal summary. */
export function summarize(t: FigureTables, asOf: string): ReportSummary {
  const d = feed(new DealTotals(t.companies), t.deals);
  const c = feed(new ContractTotals(t.companies), t.contracts);
  const mrr = feed(new MonthlyRevenue(), t.invoices).rows(asOf);
  return summary(t.companies, d, c, mrr, asOf, t.pipeline ?? null);
}

/**
 * Every chart's figures and the summary, from rows fed one at a time (deals, contracts and invoices in any
 * interleaving; each table's rows in its order): what the report streams the tables into. The digest must not
 * change while rows are fed.
 */
export class FigureBuilder {
  private readonly funnel: FunnelCounts;
  private readonly byTier: WinRates;
  private readonly bySource = new WinRates(leadSourceKey);
  private readonly bySegment = new WinRates(segmentKey);
  private readonly cycles = new CycleTimes();
  private readonly months = new MonthlyPipeline();
  private readonly losses = new LossReasonCounts();
  private readonly dealTotals: DealTotals;
  private readonly buckets = new ArrBuckets();
  private readonly bySize: ArrBySize;
  private readonly contractTotals: ContractTotals;
  private readonly revenue = new MonthlyRevenue();
  /** Rows fed. */
  contracts = 0;
  invoices = 0;
  /** The earliest created_date of the deals (undefined: none). */
  firstCreated: string | undefined;

  /**
   * @param companies the companies' counts (the company figures), and where a deal's or contract's company is
   *   looked up unless `lookup` is given.
   * @param lookup where a company is looked up (see CompanyLookup; addCompany needs a CurrentCompany).
   */
  constructor(
    readonly companies: CompanyDigest,
    private readonly o: Omit<FigureOptions, 'asOf'>,
    private readonly lookup: CompanyLookup = companies,
  ) {
    this.funnel = new FunnelCounts(o.stages);
    this.byTier = new WinRates(icpTierKey(lookup));
    this.dealTotals = new DealTotals(lookup);
    this.bySize = new ArrBySize(lookup);
    this.contractTotals = new ContractTotals(lookup);
  }

  /**
   * A builder of a part of the rows, fed a company at a time (addCompany) for its state only: the display orders
   * are those of the builder it is merged into. `stages`: the model's open stages, in order.
   */
  static part(stages: readonly string[]): FigureBuilder {
    return new FigureBuilder(new CompanyDigest(), {stages, segments: [], icpTiers: [], sizeBands: []}, new CurrentCompany());
  }

  /**
   * Feeds one company's deals, contracts and invoices, as they are made (each company once, its rows together):
   * the builder must look companies up in a CurrentCompany.
   */
  addCompany(
    company: Pick<FigureCompany, 'company_id' | 'icp_tier' | 'size_band'>,
    deals: readonly FigureDeal[],
    contracts: readonly FigureContract[],
    invoices: readonly FigureInvoice[],
  ): void {
    if (!(this.lookup instanceof CurrentCompany)) throw new Error('FigureBuilder.addCompany: the builder looks companies up in a CompanyDigest');
    this.lookup.set(company);
    for (const d of deals) this.addDeal(d);
    for (const c of contracts) this.addContract(c);
    for (const inv of invoices) this.addInvoice(inv);
  }

  /** The accumulators as plain data (see FigureState). */
  state(): FigureState {
    return {
      funnel: this.funnel.state(),
      byTier: this.byTier.state(),
      bySource: this.bySource.state(),
      bySegment: this.bySegment.state(),
      cycles: this.cycles.state(),
      months: this.months.state(),
      losses: this.losses.state(),
      dealTotals: this.dealTotals.state(),
      buckets: this.buckets.state(),
      bySize: this.bySize.state(),
      contractTotals: this.contractTotals.state(),
      revenue: this.revenue.state(),
      contracts: this.contracts,
      invoices: this.invoices,
      firstCreated: this.firstCreated,
    };
  }

  /** Adds the rows of another part, fed apart (another builder's state; its companies are not in this one's). */
  merge(s: FigureState): void {
    this.funnel.merge(s.funnel);
    this.byTier.merge(s.byTier);
    this.bySource.merge(s.bySource);
    this.bySegment.merge(s.bySegment);
    this.cycles.merge(s.cycles);
    this.months.merge(s.months);
    this.losses.merge(s.losses);
    this.dealTotals.merge(s.dealTotals);
    this.buckets.merge(s.buckets);
    this.bySize.merge(s.bySize);
    this.contractTotals.merge(s.contractTotals);
    this.revenue.merge(s.revenue);
    this.contracts += s.contracts;
    this.invoices += s.invoices;
    if (s.firstCreated !== undefined && (this.firstCreated === undefined || s.firstCreated < this.firstCreated)) this.firstCreated = s.firstCreated;
  }

  /** Deals fed. */
  get deals(): number {
    return this.dealTotals.opportunities;
  }

  addDeal(d: FigureDeal): void {
    this.funnel.add(d);
    this.byTier.add(d);
    this.bySource.add(d);
    this.bySegment.add(d);
    this.cycles.add(d);
    this.months.add(d);
    this.losses.add(d);
    this.dealTotals.add(d);
    if (this.firstCreated === undefined || d.created_date < this.firstCreated) this.firstCreated = d.created_date;
  }

  addContract(c: FigureContract): void {
    this.contracts++;
    if ((c.term_number ?? 1) === 1) {
      this.buckets.add(c);
      this.bySize.add(c);
    }
    this.contractTotals.add(c);
  }

  addInvoice(inv: FigureInvoice): void {
    this.invoices++;
    this.revenue.add(inv);
  }

  /** The figures of the rows fed so far; `asOf`: the last month of the time series. */
  figures(asOf: string, pipeline: PipelineFigures | null = null): ReportFigures {
    const o = this.o;
    const mrr = this.revenue.rows(asOf);
    return {
      funnel: this.funnel.rows(),
      winRateByIcpTier: this.byTier.rows(o.icpTiers),
      winRateByLeadSource: byWinRate(this.bySource.rows([])),
      winRateBySegment: this.bySegment.rows(o.segments),
      arrDistribution: this.buckets.rows(),
      arrBySizeBand: this.bySize.rows(o.sizeBands),
      cycleBySegment: this.cycles.rows(o.segments),
      pipelineByMonth: this.months.rows(asOf),
      mrrByMonth: mrr,
      lossReasons: this.losses.rows(),
      icpMix: icpMix(this.companies, o.icpTiers),
      techstackMix: techstackMix(this.companies),
      enrichmentSources: enrichmentSources(this.companies),
      pipeline,
      summary: summary(this.companies, this.dealTotals, this.contractTotals, mrr, asOf, pipeline),
    };
  }
}

/** Every chart's figures and the summary, from arrays of rows (see FigureBuilder). */
export function computeFigures(t: FigureTables, o: FigureOptions): ReportFigures {
  const b = new FigureBuilder(t.companies, o);
  for (const d of t.deals) b.addDeal(d);
  for (const c of t.contracts) b.addContract(c);
  for (const inv of t.invoices) b.addInvoice(inv);
  return b.figures(o.asOf, t.pipeline ?? null);
}
