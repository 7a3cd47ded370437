/**
 * The billing summary (billing_summary.json): BillingStats accumulates it company by company from their billing
 * (billing.ts) and works out its figures and target checks. Pure.
 */
import type {DayNumber} from './calendar.js';
import type {BillingModel, CompanyBilling} from './billing.js';
import {addInto} from './merge.js';
import {quarterLabel, quarterOf} from './quarters.js';
import {checkTargets, median, ratio, round, shareFigure, targetWarnings, type Figure, type TargetCheck} from './targets.js';
import type {BillingFrequency, ContractStatus} from './vocabulary.js';
import type {Contract, Invoice} from '../schemas/deals.js';
import type {ArrMovement} from '../schemas/retention.js';

/** Trailing-12-month retention of a group of customers (company level). */
export interface RetentionFigures {
  /** Companies with ARR > 0 a year before the as-of date (the base). */
  customers: number;
  /** Their ARR then and at the as-of date (USD). */
  arr_then: number;
  arr_now: number;
  /** Net revenue retention: arr_now / arr_then (expansion deals and uplifts included). */
  nrr: number | null;
  /** Gross revenue retention: sum of min(ARR now, ARR then) / arr_then (no expansion counted). */
  grr: number | null;
  /** Logo churn: share of the base with no ARR at the as-of date. */
  logo_churn: number | null;
}

/** One calendar quarter of the ARR bridge: starting ARR + new + expansion - contraction - churn = ending ARR. */
export interface BridgeQuarter {
  quarter: string;
  starting_arr: number;
  new: number;
  expansion: number;
  /** ARR lost to downsells (a positive number). */
  contraction: number;
  /** ARR lost to churn (a positive number). */
  churn: number;
  ending_arr: number;
}

export interface BillingFigures {
  /** Contracts (first terms: one per won deal). */
  contracts: number;
  /** Rows of billing.csv: every term. */
  contract_terms_listed: number;
  invoices: number;
  arr_movements: number;
  billing_mix: Record<BillingFrequency, number>;
  monthly_share: number | null;
  monthly_share_small_buyers: number | null;
  small_buyers: number;
  /**
   * For each segment with a target in deal_model.yml targets.annual_share_by_segment (enterprise for the shipped
   * file), in the order of the segments: annual_share_<segment> = the share of its contracts billed annually,
   * and <segment>_contracts = its contracts.
   */
  [segmentFigure: `annual_share_${string}` | `${string}_contracts`]: number | null;
  median_contract_term_months: number | null;
  mean_contract_term_months: number | null;
  contract_terms: Record<string, number>;
  plans: Record<string, number>;
  /** Terms by status at the as-of date. */
  contract_status: Record<ContractStatus, number>;
  /** Renewal terms started by the as-of date (rows with term_number > 1), and of them downsells and uplifts. */
  renewals: number;
  downsells: number;
  uplifts: number;
  /** Contracts not renewed at a term end by the as-of date. */
  churned_contracts: number;
  /** ARR signed (first terms). */
  total_arr: number;
  /** ARR of the terms active at the as-of date. */
  active_arr: number;
  invoiced_amount: number;
  /** Day a year before the as-of date: the base of the trailing-12-month retention figures. */
  retention_base_date: string;
  retention: RetentionFigures;
  /** By segment, in the config's order. */
  retention_by_segment: Record<string, RetentionFigures>;
  /** Customers above / at or below targets.large_contract_arr of ARR a year before the as-of date. */
  retention_by_acv: {large: RetentionFigures; small: RetentionFigures};
  large_contract_arr: number;
  /** The ARR bridge per calendar quarter from the window start to the as-of date (the last one partial). */
  arr_bridge: BridgeQuarter[];
}

/**
 * Additive counts of a retention group: integer dollars; and, for the figures' sampling intervals, sums of squares
 * and products of each customer's ARR in whole hundreds of dollars (integers: exact whatever the split).
 */
type RetentionState = {
  customers: number;
  then: number;
  now: number;
  kept: number;
  churned: number;
  tt: number;
  nn: number;
  tn: number;
  kk: number;
  tk: number;
};
/** A retention group: all, large, small (by targets.large_contract_arr) or segment:<name>. */
type RetentionGroup = 'all' | 'large' | 'small' | `segment:${string}`;

/**
 * Everything the billing summary needs, as plain numbers, number lists and records (see Additive in merge.ts):
 * structured-clone-safe, and additive, so the states of contiguous parts merge into exactly the state of one
 * accumulator that saw every company in order.
 */
export type BillingState = {
  contracts: number;
  rows: number;
  invoices: number;
  movements: number;
  mix: Record<BillingFrequency, number>;
  small: number;
  smallMonthly: number;
  /** First terms of each segment's contracts, and of them those billed annually. */
  bySegment: Record<string, {contracts: number; annual: number}>;
  /** contract_term_months of each contract (whole months: their sum is exact). */
  terms: number[];
  termCounts: Record<string, number>;
  plans: Record<string, number>;
  status: Record<ContractStatus, number>;
  renewals: number;
  downsells: number;
  uplifts: number;
  /** Sums of arr (integer dollars). */
  totalArr: number;
  activeArr: number;
  /** Sum of invoice amounts in integer cents (amounts have 2 decimals): exact whatever the split. */
  invoicedCents: number;
  retention: Record<RetentionGroup, RetentionState>;
  /** Per quarter label (2025-Q1): ARR deltas by movement type (integer dollars). */
  bridge: Record<string, Record<'new' | 'expansion' | 'contraction' | 'churn', number>>;
};

/**
 * Accumulates the billing summary company by company (addCompany: each company's terms, invoices and ARR
 * movements). Parts of the companies can be accumulated apart (worker threads) and merged: `merge(other.state())`,
 * in part order.
 */
export class BillingStats {
  private readonly s: BillingState = {
    contracts: 0,
    rows: 0,
    invoices: 0,
    movements: 0,
    mix: {monthly: 0, annual: 0},
    small: 0,
    smallMonthly: 0,
    bySegment: {},
    terms: [],
    termCounts: {},
    plans: {},
    status: {scheduled: 0, active: 0, renewed: 0, churned: 0},
    renewals: 0,
    downsells: 0,
    uplifts: 0,
    totalArr: 0,
    activeArr: 0,
    invoicedCents: 0,
    retention: {} as Record<RetentionGroup, RetentionState>,
    bridge: {},
  };
  /** The as-of date and the retention base date (a year before), as ISO text (movement dates compare as text). */
  private readonly asOfIso: string;
  private readonly baseIso: string;

  constructor(
    private readonly model: BillingModel,
    private readonly asOf: DayNumber,
  ) {
    for (const p of model.deal.config.billing.plans) this.s.plans[p.name] = 0;
    for (const g of model.deal.segments) this.s.bySegment[g] = {contracts: 0, annual: 0};
    const groups: RetentionGroup[] = ['all', ...model.deal.segments.map((g) => `segment:${g}` as const), 'large', 'small'];
    for (const g of groups) this.s.retention[g] = {customers: 0, then: 0, now: 0, kept: 0, churned: 0, tt: 0, nn: 0, tn: 0, kk: 0, tk: 0};
    const cal = model.deal.calendar;
    this.asOfIso = cal.iso(asOf);
    this.baseIso = cal.iso(cal.addMonths(asOf, -12));
  }

  /** A company's billing (billCompany): its terms, invoices and movements. */
  addBilled(b: CompanyBilling): void {
    for (const c of b.terms) this.add(c);
    const s = this.s;
    s.invoices += b.invoices.length;
    for (const i of b.invoices) s.invoicedCents += Math.round(i.amount * 100);
    this.addCompany(b.movements);
  }

  /** A contract term (a row of billing.csv), and its invoices when given. */
  add(contract: Contract, invoices: readonly Invoice[] = []): void {
    const s = this.s;
    s.rows++;
    s.status[contract.contract_status]++;
    s.plans[contract.plan] = (s.plans[contract.plan] ?? 0) + 1;
    if (contract.contract_status === 'active') s.activeArr += contract.arr;
    s.invoices += invoices.length;
    for (const i of invoices) s.invoicedCents += Math.round(i.amount * 100);
    if (contract.term_number > 1) {
      s.renewals++;
      return;
    }
    s.contracts++;
    s.mix[contract.billing_frequency]++;
    if (contract.arr <= this.model.deal.config.targets.small_buyer_arr) {
      s.small++;
      if (contract.billing_frequency === 'monthly') s.smallMonthly++;
    }
    const bySegment = s.bySegment[contract.segment];
    bySegment.contracts++;
    if (contract.billing_frequency === 'annual') bySegment.annual++;
    s.terms.push(contract.contract_term_months);
    s.termCounts[contract.contract_term_months] = (s.termCounts[contract.contract_term_months] ?? 0) + 1;
    s.totalArr += contract.arr;
  }

  /**
   * All the ARR movements of one company (every contract's, any order): the bridge, and the company's ARR a
   * year before the as-of date and at it for the retention figures.
   */
  addCompany(movements: readonly ArrMovement[]): void {
    if (movements.length === 0) return;
    const s = this.s;
    let then = 0;
    let now = 0;
    for (const m of movements) {
      s.movements++;
      if (m.movement_date <= this.baseIso) then += m.arr_delta;
      if (m.movement_date <= this.asOfIso) now += m.arr_delta;
      if (m.movement_type === 'renewal') continue;
      if (m.movement_type === 'contraction') s.downsells++;
      else if (m.movement_type === 'expansion' && m.arr_before > 0) s.uplifts++;
      const q = quarterLabel(quarterOf(m.movement_date));
      const b = (s.bridge[q] ??= {new: 0, expansion: 0, contraction: 0, churn: 0});
      b[m.movement_type] += m.arr_delta;
    }
    if (then <= 0) return;
    const large = then > this.model.deal.config.targets.large_contract_arr;
    for (const g of ['all', `segment:${movements[0].segment}`, large ? 'large' : 'small'] as const) {
      const r = s.retention[g];
      r.customers++;
      r.then += then;
      r.now += now;
      r.kept += Math.min(then, now);
      if (now <= 0) r.churned++;
      const [t, n, k] = [Math.round(then / 100), Math.round(now / 100), Math.round(Math.min(then, now) / 100)];
      r.tt += t * t;
      r.nn += n * n;
      r.tn += t * n;
      r.kk += k * k;
      r.tk += t * k;
    }
  }

  /**
   * The accumulated state: plain data (no model), safe to post to another thread. It is the live state, not a
   * copy: post it, or merge it, before adding more contracts to this accumulator.
   */
  state(): BillingState {
    return this.s;
  }

  /** Adds the state of the next part of the companies (parts merged in order: 0, then 1, ...). */
  merge(state: BillingState): void {
    addInto(this.s, state);
  }

  /** The segments whose annual billing share is a target (targets.annual_share_by_segment), in the segments' order. */
  annualShareSegments(): string[] {
    const targets = this.model.deal.config.targets.annual_share_by_segment ?? {};
    return this.model.deal.segments.filter((g) => g in targets);
  }

  private retentionOf(g: RetentionGroup): RetentionFigures {
    const r = this.s.retention[g];
    return {
      customers: r.customers,
      arr_then: r.then,
      arr_now: r.now,
      nrr: ratio(r.now, r.then),
      grr: ratio(r.kept, r.then),
      logo_churn: ratio(r.churned, r.customers),
    };
  }

  /** The bridge's quarters: every quarter from the window start's to the as-of date's, and any other seen. */
  private bridge(): BridgeQuarter[] {
    const cal = this.model.deal.calendar;
    const labels = new Set<string>();
    const from = cal.day(this.model.deal.config.simulation.window_start);
    if (from !== undefined && from <= this.asOf) {
      for (let d = cal.quarterStart(from); d <= this.asOf; d = cal.addMonths(d, 3)) labels.add(cal.quarterLabel(d));
    }
    for (const q of Object.keys(this.s.bridge)) labels.add(q);
    let arr = 0;
    return [...labels].sort().map((quarter) => {
      const b = this.s.bridge[quarter] ?? {new: 0, expansion: 0, contraction: 0, churn: 0};
      const starting = arr;
      arr += b.new + b.expansion + b.contraction + b.churn;
      return {quarter, starting_arr: starting, new: b.new, expansion: b.expansion, contraction: -b.contraction, churn: -b.churn, ending_arr: arr};
    });
  }

  figures(): BillingFigures {
    const s = this.s;
    return {
      contracts: s.contracts,
      contract_terms_listed: s.rows,
      invoices: s.invoices,
      arr_movements: s.movements,
      billing_mix: {...s.mix},
      monthly_share: ratio(s.mix.monthly, s.contracts),
      monthly_share_small_buyers: ratio(s.smallMonthly, s.small),
      small_buyers: s.small,
      ...Object.fromEntries(
        this.annualShareSegments().flatMap((g) => [
          [`annual_share_${g}`, ratio(s.bySegment[g].annual, s.bySegment[g].contracts)],
          [`${g}_contracts`, s.bySegment[g].contracts],
        ]),
      ),
      median_contract_term_months: median(s.terms),
      mean_contract_term_months: s.terms.length ? round(s.terms.reduce((a, b) => a + b, 0) / s.terms.length, 2) : null,
      contract_terms: {...s.termCounts},
      plans: {...s.plans},
      contract_status: {...s.status},
      renewals: s.renewals,
      downsells: s.downsells,
      uplifts: s.uplifts,
      churned_contracts: s.status.churned,
      total_arr: s.totalArr,
      active_arr: s.activeArr,
      invoiced_amount: s.invoicedCents / 100,
      retention_base_date: this.baseIso,
      retention: this.retentionOf('all'),
      retention_by_segment: Object.fromEntries(this.model.deal.segments.map((g) => [g, this.retentionOf(`segment:${g}`)])),
      retention_by_acv: {large: this.retentionOf('large'), small: this.retentionOf('small')},
      large_contract_arr: this.model.deal.config.targets.large_contract_arr,
      arr_bridge: this.bridge(),
    };
  }

  summary(): {figures: BillingFigures; checks: TargetCheck[]; warnings: string[]} {
    const s = this.s;
    const f = this.figures();
    // A ratio of sums over customers, with its 95% interval by the delta method (a few big customers make it noisy).
    const r = (g: RetentionGroup, net: boolean): Figure => {
      const x = s.retention[g];
      const top = net ? x.now : x.kept;
      if (x.then <= 0) return {value: null, n: x.customers};
      const R = top / x.then;
      const [yy, ty] = net ? [x.nn, x.tn] : [x.kk, x.tk];
      const sd = Math.sqrt(Math.max(0, yy - 2 * R * ty + R * R * x.tt)) / (x.then / 100);
      return {value: round(R, 4), n: x.customers, interval: [R - 1.96 * sd, R + 1.96 * sd]};
    };
    const checks = checkTargets(
      {
        monthly_share_small_buyers: shareFigure(s.smallMonthly, s.small),
        ...Object.fromEntries(
          this.annualShareSegments().map((g) => [`annual_share_${g}`, shareFigure(s.bySegment[g].annual, s.bySegment[g].contracts)]),
        ),
        mean_contract_term_months: {value: f.mean_contract_term_months, n: f.contracts},
        grr: r('all', false),
        ...Object.fromEntries(this.model.deal.segments.map((g) => [`grr_${g}`, r(`segment:${g}`, false)])),
        nrr: r('all', true),
        nrr_large: r('large', true),
      },
      this.model.deal.config.targets,
    );
    return {figures: f, checks, warnings: targetWarnings(checks)};
  }
}
