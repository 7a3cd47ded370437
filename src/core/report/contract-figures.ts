/**
 * The contract and invoice figures of the report (ARR distribution, ARR by size band, MRR by month), from the rows
 * of billing.csv and invoices.csv. Pure. As the deal figures: accumulators fed one row at a time (the report
 * streams the tables into them), and functions of arrays of rows that feed one.
 */
import {median} from '../targets.js';
import type {CompanyLookup} from './company-figures.js';
import {cents, feed, monthIndex, monthLabel, ordered} from './figure-helpers.js';

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

/** The invoice columns the report reads (a subset of data/raw/invoices.csv). */
export type FigureInvoice = {
  /** First day of the billing period. */
  period_start: string;
  /** Months the period covers. */
  period_months: number;
  amount: number;
};

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

export interface MrrRow {
  month: string;
  mrr: number;
}

/** ARR buckets of the distribution chart, in USD (the published ACV spreads use these thresholds). */
const ARR_BUCKETS: ReadonlyArray<{label: string; min: number; max: number | null}> = [
  {label: '< $5K', min: 0, max: 5_000},
  {label: '$5K-10K', min: 5_000, max: 10_000},
  {label: '$10K-25K', min: 10_000, max: 25_000},
  {label: '$25K-50K', min: 25_000, max: 50_000},
  {label: '$50K-100K', min: 50_000, max: 100_000},
  {label: '$100K-250K', min: 100_000, max: 250_000},
  {label: '>= $250K', min: 250_000, max: null},
];

/** Contracts per ARR bucket (see arrDistribution). */
export class ArrBuckets {
  private readonly counts = new Array<number>(ARR_BUCKETS.length).fill(0);
  private n = 0;

  add(c: Pick<FigureContract, 'arr'>): void {
    let i = ARR_BUCKETS.length - 1;
    while (i > 0 && c.arr < ARR_BUCKETS[i].min) i--;
    this.counts[i]++;
    this.n++;
  }

  state(): number[] {
    return [...this.counts];
  }

  merge(counts: readonly number[]): void {
    for (let i = 0; i < this.counts.length; i++) {
      this.counts[i] += counts[i];
      this.n += counts[i];
    }
  }

  rows(): ArrBucket[] {
    const {counts, n} = this;
    return ARR_BUCKETS.map((b, i) => ({...b, contracts: counts[i], share: n ? counts[i] / n : 0}));
  }
}

/** Contracts per ARR bucket. */
export function arrDistribution(contracts: readonly FigureContract[]): ArrBucket[] {
  return feed(new ArrBuckets(), contracts).rows();
}

/** Contract ARR by the company's size band (see arrBySizeBand): the contracts' ARR is kept, per band. */
export class ArrBySize {
  private readonly groups = new Map<string, number[]>();

  constructor(private readonly companies: CompanyLookup) {}

  add(c: FigureContract): void {
    const band = this.companies.sizeBandOf(c.company_id) ?? 'unknown';
    let g = this.groups.get(band);
    if (!g) this.groups.set(band, (g = []));
    g.push(c.arr);
  }

  /** The ARR of the first terms per size band. */
  state(): Array<[string, number[]]> {
    return [...this.groups].map(([band, values]) => [band, [...values]]);
  }

  merge(s: ReadonlyArray<[string, readonly number[]]>): void {
    for (const [band, values] of s) {
      const g = this.groups.get(band);
      if (g) for (const v of values) g.push(v);
      else this.groups.set(band, [...values]);
    }
  }

  rows(bands: readonly string[]): ArrBySizeRow[] {
    return ordered(this.groups.keys(), bands).map((band) => {
      const values = this.groups.get(band)!;
      let total = 0;
      for (const v of values) total += cents(v);
      return {size_band: band, contracts: values.length, total_arr: total / 100, median_arr: median(values)!};
    });
  }
}

/** Contract ARR by the company's size band: count, total and median (bands in the given order). */
export function arrBySizeBand(contracts: readonly FigureContract[], companies: CompanyLookup, bands: readonly string[]): ArrBySizeRow[] {
  return feed(new ArrBySize(companies), contracts).rows(bands);
}

/** Monthly recurring revenue by month (see mrrByMonth), for every month an invoice covers. */
export class MonthlyRevenue {
  /**
   * Month index -> the invoices covering it: the months of their periods -> the sum of their amounts in cents
   * (each invoice adds its amount over its months to each: the sums are exact, the shares taken at the end).
   */
  private readonly months = new Map<number, Map<number, number>>();
  private first = Number.POSITIVE_INFINITY;
  private n = 0;

  add(inv: FigureInvoice): void {
    const months = Math.max(1, Math.round(inv.period_months));
    const start = monthIndex(inv.period_start);
    this.first = Math.min(this.first, start);
    this.n++;
    const amount = cents(inv.amount);
    for (let k = 0; k < months; k++) this.addTo(start + k, months, amount);
  }

  private addTo(month: number, periodMonths: number, amount: number): void {
    let m = this.months.get(month);
    if (m === undefined) this.months.set(month, (m = new Map()));
    m.set(periodMonths, (m.get(periodMonths) ?? 0) + amount);
  }

  /** [month index, [period months, cents][]] per month, the first month and the invoices. */
  state(): MonthlyRevenueState {
    return {first: this.first, n: this.n, months: [...this.months].map(([month, sums]) => [month, [...sums]])};
  }

  merge(s: MonthlyRevenueState): void {
    this.first = Math.min(this.first, s.first);
    this.n += s.n;
    for (const [month, sums] of s.months) for (const [periodMonths, amount] of sums) this.addTo(month, periodMonths, amount);
  }

  /** The MRR of a month: each period length's share, shortest period first. */
  private mrr(month: number): number {
    const m = this.months.get(month);
    if (m === undefined) return 0;
    let mrr = 0;
    for (const k of [...m.keys()].sort((a, b) => a - b)) mrr += m.get(k)! / k;
    return mrr / 100;
  }

  /** From the first invoiced month to the as-of month (none without invoices). */
  rows(asOf: string): MrrRow[] {
    if (this.n === 0) return [];
    const last = monthIndex(asOf);
    const first = Math.min(this.first, last);
    const rows: MrrRow[] = [];
    for (let m = first; m <= last; m++) rows.push({month: monthLabel(m), mrr: this.mrr(m)});
    return rows;
  }
}

/** See MonthlyRevenue.state. */
export interface MonthlyRevenueState {
  first: number;
  n: number;
  months: Array<[number, Array<[number, number]>]>;
}

/**
 * Monthly recurring revenue by month from the invoices: each invoice's amount is spread evenly over the
 * months its period covers (an annual invoice adds a twelfth to each of its twelve months). From the
 * first invoiced month to the as-of month; months after the as-of date are left out.
 */
export function mrrByMonth(invoices: readonly FigureInvoice[], asOf: string): MrrRow[] {
  return feed(new MonthlyRevenue(), invoices).rows(asOf);
}
