/**
 * The figures behind the report's charts and the terminal summary, computed from the rows of the deal,
 * contract and invoice tables and from a digest of the companies (CompanyDigest: counts, and the few columns
 * of the companies with a deal or a contract; no row per company). Pure: no I/O, no clock. Every function
 * makes one pass over its rows (plus small sorts of the aggregates), so the report stays cheap on a million
 * companies.
 */

import type {PipelineFigures} from '../pipeline-stats.js';

/** The company columns the report reads (a subset of data/raw/companies.csv). */
export type FigureCompany = {
  company_id: string;
  icp_fit: boolean;
  icp_tier: string;
  size_band: string;
  uses_x12: boolean;
  uses_clearinghouse: boolean;
  uses_fhir: boolean;
  uses_hl7: boolean;
  enrichment_source: string;
};

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

/** The contract columns the report reads (a subset of data/raw/billing.csv). */
export type FigureContract = {
  billing_id: string;
  deal_id: string;
  company_id: string;
  arr: number;
  /** The term at the as-of date: scheduled, active, renewed or churned. */
  contract_status: string;
  /** 1 for a contract's first term, 2 for its first renewal, ... (billing.csv has a row per term); absent: 1. */
  term_number?: number;
};

/** The first terms: one per contract (won deal). */
const firstTerms = (contracts: readonly FigureContract[]) => contracts.filter((c) => (c.term_number ?? 1) === 1);

/** The invoice columns the report reads (a subset of data/raw/invoices.csv). */
export type FigureInvoice = {
  /** First day of the billing period. */
  period_start: string;
  /** Months the period covers. */
  period_months: number;
  amount: number;
};

/** The unified columns the report reads (a subset of data/final/unified.csv). */
export type FigureUnified = {
  company_id: string;
  is_customer: boolean;
};

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

export interface ArrBucket {
  label: string;
  /** Inclusive lower bound in USD. */
  min: number;
  /** Exclusive upper bound in USD (null: no upper bound). */
  max: number | null;
  contracts: number;
  share: number;
}

export interface ArrBySizeRow {
  size_band: string;
  contracts: number;
  total_arr: number;
  median_arr: number;
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

export interface MrrRow {
  month: string;
  mrr: number;
}

export interface CountRow {
  key: string;
  count: number;
  share: number;
}

export interface TechRow {
  technology: string;
  icp_fit: number;
  not_icp_fit: number;
  total: number;
  share: number;
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

// ---------------------------------------------------------------------------------------------- company digest

/**
 * A CompanyDigest's content as plain data (numbers, strings, arrays of them): it survives structuredClone /
 * postMessage, so worker threads can each digest a part of the companies and post their states to be merged.
 */
export interface CompanyDigestState {
  /** Companies added. */
  companies: number;
  /** Of which icp_fit. */
  icp_fit: number;
  /** Of which customers (see CompanyDigest.add). */
  customers: number;
  /** [icp_tier, companies] pairs, one per tier seen. */
  tiers: Array<[string, number]>;
  /** [enrichment_source, companies] pairs, one per source seen. */
  sources: Array<[string, number]>;
  /** Per TECHNOLOGIES entry (same order): companies using it that are ICP fit. */
  tech_icp_fit: number[];
  /** Per TECHNOLOGIES entry: companies using it that are not ICP fit. */
  tech_not_icp_fit: number[];
  /** The distinct [icp_tier, size_band] pairs of the kept companies. */
  labels: Array<[string, string]>;
  /** The kept companies' ids, and (same index) the index in `labels` of their icp_tier and size_band. */
  kept_ids: string[];
  kept_labels: number[];
}

/**
 * What the report needs of companies.csv, without holding a row per company: the counts behind icpMix,
 * techstackMix, enrichmentSources and the summary (companies, ICP fit, customers, enrichment fallbacks), and
 * the icp_tier and size_band of the companies the deal and contract figures look up (winRateByIcpTier,
 * arrBySizeBand). Its memory grows with the kept companies only (those with a deal or a contract), not with
 * the companies.
 *
 * Parts of the companies can be digested apart (e.g. in worker threads) and merged, in any order, into one
 * digest whose figures are those of one digest that saw every company. Company ids are unique in
 * companies.csv; were one kept twice, the icp_tier and size_band added (or merged) last would be used.
 */
export class CompanyDigest {
  private companyCount = 0;
  private icpFitCount = 0;
  private customerCount = 0;
  private readonly tiers = new Map<string, number>();
  private readonly sources = new Map<string, number>();
  private readonly techFit = TECHNOLOGIES.map(() => 0);
  private readonly techNotFit = TECHNOLOGIES.map(() => 0);
  private readonly labels: Array<[string, string]> = [];
  /** icp_tier -> size_band -> index in labels. */
  private readonly labelIndex = new Map<string, Map<string, number>>();
  /** company_id -> index in labels. */
  private readonly kept = new Map<string, number>();

  /**
   * Adds one company (one row of companies.csv; call it once for every row, companies without a deal
   * included: they count in the company figures).
   * @param keep remember the company's icp_tier and size_band. It must be true for every company that has
   *   at least one deal in deals.csv or one contract in billing.csv (a contract is for a won deal of the same
   *   company, so "has a deal" is enough for tables written by this tool); it may be true for others (it only
   *   costs memory). A deal or contract of a company not kept counts under the tier / band 'unknown'.
   * @param customer the company is a customer at the as-of date: unified.csv's is_customer for the company
   *   (the same on all its rows: a previous customer or a won deal by the as-of date); false for a company
   *   that has no row in unified.csv (e.g. past --limit).
   */
  add(c: FigureCompany, keep: boolean, customer: boolean): void {
    this.companyCount++;
    if (c.icp_fit) this.icpFitCount++;
    if (customer) this.customerCount++;
    this.tiers.set(c.icp_tier, (this.tiers.get(c.icp_tier) ?? 0) + 1);
    this.sources.set(c.enrichment_source, (this.sources.get(c.enrichment_source) ?? 0) + 1);
    const tech = c.icp_fit ? this.techFit : this.techNotFit;
    for (let i = 0; i < TECHNOLOGIES.length; i++) if (c[TECHNOLOGIES[i].flag]) tech[i]++;
    if (keep) this.kept.set(c.company_id, this.label(c.icp_tier, c.size_band));
  }

  private label(tier: string, band: string): number {
    let bands = this.labelIndex.get(tier);
    if (bands === undefined) this.labelIndex.set(tier, (bands = new Map()));
    let i = bands.get(band);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push([tier, band]);
      bands.set(band, i);
    }
    return i;
  }

  /** A copy of the content as plain data (see CompanyDigestState). */
  state(): CompanyDigestState {
    const ids: string[] = [];
    const labels: number[] = [];
    for (const [id, label] of this.kept) {
      ids.push(id);
      labels.push(label);
    }
    return {
      companies: this.companyCount,
      icp_fit: this.icpFitCount,
      customers: this.customerCount,
      tiers: [...this.tiers],
      sources: [...this.sources],
      tech_icp_fit: [...this.techFit],
      tech_not_icp_fit: [...this.techNotFit],
      labels: this.labels.map(([t, b]) => [t, b]),
      kept_ids: ids,
      kept_labels: labels,
    };
  }

  /** Adds the companies of another digest's state (another part of the companies). */
  merge(s: CompanyDigestState): void {
    if (s.tech_icp_fit.length !== TECHNOLOGIES.length || s.tech_not_icp_fit.length !== TECHNOLOGIES.length || s.kept_ids.length !== s.kept_labels.length) {
      throw new TypeError('CompanyDigest.merge: not a CompanyDigestState of this version');
    }
    this.companyCount += s.companies;
    this.icpFitCount += s.icp_fit;
    this.customerCount += s.customers;
    for (const [k, n] of s.tiers) this.tiers.set(k, (this.tiers.get(k) ?? 0) + n);
    for (const [k, n] of s.sources) this.sources.set(k, (this.sources.get(k) ?? 0) + n);
    for (let i = 0; i < TECHNOLOGIES.length; i++) {
      this.techFit[i] += s.tech_icp_fit[i];
      this.techNotFit[i] += s.tech_not_icp_fit[i];
    }
    const remap = s.labels.map(([t, b]) => this.label(t, b));
    for (let i = 0; i < s.kept_ids.length; i++) this.kept.set(s.kept_ids[i], remap[s.kept_labels[i]]);
  }

  /** A digest of the given state(s), merged. */
  static of(...states: CompanyDigestState[]): CompanyDigest {
    const d = new CompanyDigest();
    for (const s of states) d.merge(s);
    return d;
  }

  /** Companies added. */
  get companies(): number {
    return this.companyCount;
  }

  /** Companies with icp_fit. */
  get icpFit(): number {
    return this.icpFitCount;
  }

  /** Companies that are customers. */
  get customers(): number {
    return this.customerCount;
  }

  /** Companies per icp_tier. */
  tierCounts(): ReadonlyMap<string, number> {
    return this.tiers;
  }

  /** Companies per enrichment_source. */
  sourceCounts(): ReadonlyMap<string, number> {
    return this.sources;
  }

  /** Companies using TECHNOLOGIES[i], ICP fit or not. */
  techCounts(i: number): {icp_fit: number; not_icp_fit: number} {
    return {icp_fit: this.techFit[i], not_icp_fit: this.techNotFit[i]};
  }

  /** The icp_tier of a kept company (undefined when it was not kept). */
  tierOf(companyId: string): string | undefined {
    const i = this.kept.get(companyId);
    return i === undefined ? undefined : this.labels[i][0];
  }

  /** The size_band of a kept company (undefined when it was not kept). */
  sizeBandOf(companyId: string): string | undefined {
    const i = this.kept.get(companyId);
    return i === undefined ? undefined : this.labels[i][1];
  }

  /** Kept companies. */
  get keptCount(): number {
    return this.kept.size;
  }
}

/**
 * The digest of companies held as rows (tests, small tables): `customer` is true for the companies with an
 * is_customer row in `unified`; `keep` (default: every company) picks the companies to keep.
 */
export function digestOf(companies: readonly FigureCompany[], unified: readonly FigureUnified[], keep?: ReadonlySet<string>): CompanyDigest {
  const customers = new Set<string>();
  for (const u of unified) if (u.is_customer) customers.add(u.company_id);
  const d = new CompanyDigest();
  for (const c of companies) d.add(c, keep ? keep.has(c.company_id) : true, customers.has(c.company_id));
  return d;
}

// ---------------------------------------------------------------------------------------------- helpers

/** Months since year 0 of a YYYY-MM[-DD] date. */
function monthIndex(date: string): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

function monthLabel(index: number): string {
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}`;
}

/** The quantile of sorted numbers with linear interpolation between closest ranks (numpy's default). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return quantile(values, 0.5);
}

/** Known keys first in the given order, then the others alphabetically. */
function ordered(keys: Iterable<string>, order: readonly string[]): string[] {
  const present = new Set(keys);
  const known = new Set(order);
  const rest = [...present].filter((k) => !known.has(k)).sort();
  return [...order.filter((k) => present.has(k)), ...rest];
}

// ---------------------------------------------------------------------------------------------- figures

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
  return winRates(deals, (d) => d.lead_source || 'unknown', []).sort(
    (a, b) => (b.win_rate ?? -1) - (a.win_rate ?? -1) || (a.key < b.key ? -1 : 1),
  );
}

/** Win rate of closed deals by segment (segments in the given order). */
export function winRateBySegment(deals: readonly FigureDeal[], segments: readonly string[]): WinRateRow[] {
  return winRates(deals, (d) => d.segment || 'unknown', segments);
}

/** ARR buckets of the distribution chart, in USD (the published ACV spreads use these thresholds). */
export const ARR_BUCKETS: ReadonlyArray<{label: string; min: number; max: number | null}> = [
  {label: '< $5K', min: 0, max: 5_000},
  {label: '$5K-10K', min: 5_000, max: 10_000},
  {label: '$10K-25K', min: 10_000, max: 25_000},
  {label: '$25K-50K', min: 25_000, max: 50_000},
  {label: '$50K-100K', min: 50_000, max: 100_000},
  {label: '$100K-250K', min: 100_000, max: 250_000},
  {label: '>= $250K', min: 250_000, max: null},
];

/** Contracts per ARR bucket. */
export function arrDistribution(contracts: readonly FigureContract[]): ArrBucket[] {
  const counts = new Array<number>(ARR_BUCKETS.length).fill(0);
  for (const c of contracts) {
    let i = ARR_BUCKETS.length - 1;
    while (i > 0 && c.arr < ARR_BUCKETS[i].min) i--;
    counts[i]++;
  }
  const n = contracts.length;
  return ARR_BUCKETS.map((b, i) => ({...b, contracts: counts[i], share: n ? counts[i] / n : 0}));
}

/** Contract ARR by the company's size band: count, total and median (bands in the given order). */
export function arrBySizeBand(contracts: readonly FigureContract[], companies: CompanyDigest, bands: readonly string[]): ArrBySizeRow[] {
  const groups = new Map<string, number[]>();
  for (const c of contracts) {
    const band = companies.sizeBandOf(c.company_id) ?? 'unknown';
    let g = groups.get(band);
    if (!g) groups.set(band, (g = []));
    g.push(c.arr);
  }
  return ordered(groups.keys(), bands).map((band) => {
    const values = groups.get(band)!;
    let total = 0;
    for (const v of values) total += v;
    return {size_band: band, contracts: values.length, total_arr: total, median_arr: median(values)!};
  });
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

/**
 * Monthly recurring revenue by month from the invoices: each invoice's amount is spread evenly over the
 * months its period covers (an annual invoice adds a twelfth to each of its twelve months). From the
 * first invoiced month to the as-of month; months after the as-of date are left out.
 */
export function mrrByMonth(invoices: readonly FigureInvoice[], asOf: string): MrrRow[] {
  const last = monthIndex(asOf);
  if (invoices.length === 0) return [];
  let first = last;
  for (const inv of invoices) first = Math.min(first, monthIndex(inv.period_start));
  const mrr = new Array<number>(last - first + 1).fill(0);
  for (const inv of invoices) {
    const months = Math.max(1, Math.round(inv.period_months));
    const start = monthIndex(inv.period_start) - first;
    const perMonth = inv.amount / months;
    for (let k = 0; k < months && start + k < mrr.length; k++) if (start + k >= 0) mrr[start + k] += perMonth;
  }
  return mrr.map((v, i) => ({month: monthLabel(first + i), mrr: v}));
}

function counts(keys: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

function* lostReasons(deals: readonly FigureDeal[]): Generator<string> {
  for (const d of deals) if (d.outcome === 'lost') yield d.loss_reason || 'unknown';
}

/** Lost deals by loss reason, largest first (ties by name). */
export function lossReasons(deals: readonly FigureDeal[]): CountRow[] {
  const m = counts(lostReasons(deals));
  let n = 0;
  for (const v of m.values()) n += v;
  return [...m].map(([key, count]) => ({key, count, share: count / n})).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

/** Companies by ICP tier (tiers in the given order). */
export function icpMix(companies: CompanyDigest, tiers: readonly string[]): CountRow[] {
  const m = companies.tierCounts();
  const n = companies.companies;
  return ordered(m.keys(), tiers).map((key) => ({key, count: m.get(key)!, share: m.get(key)! / n}));
}

export const TECHNOLOGIES = [
  {technology: 'X12 EDI', flag: 'uses_x12'},
  {technology: 'Clearinghouse', flag: 'uses_clearinghouse'},
  {technology: 'FHIR', flag: 'uses_fhir'},
  {technology: 'HL7 v2', flag: 'uses_hl7'},
] as const;

/** Companies using each technology, split by ICP fit; share of all companies. */
export function techstackMix(companies: CompanyDigest): TechRow[] {
  const n = companies.companies;
  return TECHNOLOGIES.map((t, i) => {
    const {icp_fit, not_icp_fit} = companies.techCounts(i);
    const total = icp_fit + not_icp_fit;
    return {technology: t.technology, icp_fit, not_icp_fit, total, share: n ? total / n : 0};
  });
}

/** Companies by enrichment_source (rules, openai, rules_fallback), largest first. */
export function enrichmentSources(companies: CompanyDigest): CountRow[] {
  const m = companies.sourceCounts();
  const n = companies.companies;
  return [...m].map(([key, count]) => ({key, count, share: count / n})).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
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
