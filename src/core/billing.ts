import type {DayNumber} from './calendar.js';
import type {DealModel} from './deals.js';
import {stableId} from './hash.js';
import {addInto} from './merge.js';
import {bernoulli, cumulative, lognormal, logistic, streamFor, uniform, weightedIndex} from './random.js';
import {checkTargets, median, ratio, round, shareFigure, targetWarnings, type Figure, type TargetCheck} from './targets.js';
import {SEGMENTS, type ArrMovementType, type BillingFrequency, type ContractStatus, type Segment} from './vocabulary.js';
import type {Company} from '../schemas/companies.js';
import type {Contract, Deal, Invoice} from '../schemas/deals.js';
import type {ArrMovement} from '../schemas/retention.js';

/** Compiled billing parameters (weights as cumulative arrays); derived from the deal model once. */
export interface BillingModel {
  readonly deal: DealModel;
  readonly monthlyTerms: number[];
  readonly monthlyTermCum: Float64Array;
  readonly annualTerms: number[][]; // by segment
  readonly annualTermCum: Float64Array[];
  readonly monthlyPayment: string[];
  readonly monthlyPaymentCum: Float64Array;
  readonly annualPayment: string[][];
  readonly annualPaymentCum: Float64Array[];
}

export function compileBillingModel(deal: DealModel): BillingModel {
  const b = deal.config.billing;
  const terms = (w: Record<string, number>) => Object.keys(w).map(Number);
  const cum = (w: Record<string, number>) => cumulative(Object.values(w));
  return {
    deal,
    monthlyTerms: terms(b.term_months.monthly),
    monthlyTermCum: cum(b.term_months.monthly),
    annualTerms: SEGMENTS.map((s) => terms(b.term_months.annual[s])),
    annualTermCum: SEGMENTS.map((s) => cum(b.term_months.annual[s])),
    monthlyPayment: Object.keys(b.payment_terms.monthly),
    monthlyPaymentCum: cum(b.payment_terms.monthly),
    annualPayment: SEGMENTS.map((s) => Object.keys(b.payment_terms.annual[s])),
    annualPaymentCum: SEGMENTS.map((s) => cum(b.payment_terms.annual[s])),
  };
}

/**
 * The first day of a contract ready on `day` (signature plus onboarding), by deal_model.yml billing.contract_start:
 * that day or the next business day, or the first of the month on or after it.
 */
export function contractStart(cal: DealModel['calendar'], day: DayNumber, rule: 'next_business_day' | 'first_of_month'): DayNumber {
  if (day > cal.last - 62) return day;
  if (rule === 'next_business_day') return cal.nextBusinessDay(day);
  const start = cal.monthStartOf(day);
  return start === day ? day : cal.addMonths(start, 1);
}

/** What billing reads of a company. */
export type BillingCompany = Pick<Company, 'company_id'>;

/** ARR after a re-pricing by a fraction `f` (rounded to amount.round_to; at least one step). */
function reprice(arr: number, f: number, roundTo: number): number {
  return Math.max(roundTo, Math.round((arr * f) / roundTo) * roundTo);
}

/**
 * The contract of a won deal as its terms (none for any other deal): the first term (billing frequency, annual
 * more likely the larger the ARR and the segment; term; onboarding lag; plan; payment terms) and each renewal
 * that has started by `asOf`. Depends only on the deal, the model and the seed (stream streamSeed(seed,
 * 'billing', deal_id)). At each term end before `asOf` one fate is drawn, after the contract's other draws and
 * the earlier terms' fates: churn (the term is the last: churned), or a renewal for the same term, re-priced by
 * a downsell or an uplift or not (deal_model.yml billing.renewal). A later as-of adds terms and changes no draw
 * of the earlier ones (only their contract_status).
 */
export function buildContractTerms(deal: Deal, company: BillingCompany, model: BillingModel, seed: number, asOf: DayNumber): Contract[] {
  if (deal.outcome !== 'won' || deal.closed_arr === null) return [];
  if (deal.company_id !== company.company_id) throw new Error(`deal ${deal.deal_id} belongs to ${deal.company_id}, not ${company.company_id}`);
  const cal = model.deal.calendar;
  const config = model.deal.config;
  const cfg = config.billing;
  const close = cal.day(deal.close_date);
  if (close === undefined) throw new RangeError(`deal ${deal.deal_id}: close_date ${JSON.stringify(deal.close_date)} is not a date of the model's calendar`);
  const segment = deal.segment as Segment;
  const seg = SEGMENTS.indexOf(segment);
  const rng = streamFor(seed, 'billing', deal.deal_id);
  let arr = deal.closed_arr;

  const a = cfg.annual;
  const pAnnual = logistic(a.logit_at_reference + a.per_log_arr * Math.log(arr / a.reference_arr) + a.segment[segment]);
  const frequency: BillingFrequency = bernoulli(rng, pAnnual) ? 'annual' : 'monthly';
  const term = frequency === 'annual'
    ? model.annualTerms[seg][weightedIndex(rng, model.annualTermCum[seg])]
    : model.monthlyTerms[weightedIndex(rng, model.monthlyTermCum)];
  const lag = Math.min(365, Math.max(1, Math.round(lognormal(rng, cfg.onboarding_days.median_days[segment], cfg.onboarding_days.sigma))));
  const first = contractStart(cal, close + lag, cfg.contract_start);
  const onboarding = first - close;
  const payment = frequency === 'annual'
    ? model.annualPayment[seg][weightedIndex(rng, model.annualPaymentCum[seg])]
    : model.monthlyPayment[weightedIndex(rng, model.monthlyPaymentCum)];
  const r = cfg.renewal;
  const churn = r.churn_probability[segment];
  const pDown = r.downsell_probability[segment];
  const pUp = r.uplift_probability[segment];
  const [downLo, downHi] = r.downsell_size;
  const [upLo, upHi] = r.uplift_size[segment];
  const roundTo = config.amount.round_to;

  const out: Contract[] = [];
  let start = first;
  let previous = '';
  for (let k = 1; ; k++) {
    // Terms are anchored on the first start (no drift from clamped month ends): term k ends k terms after it.
    const end = cal.addMonths(first, term * k) - 1;
    const billingId = k === 1 ? stableId('bil', deal.deal_id) : stableId('bil', `${deal.deal_id}#${k}`);
    let plan = cfg.plans[0].name;
    for (const p of cfg.plans) if (arr >= p.min_arr) plan = p.name;
    const c: Contract = {
      billing_id: billingId,
      deal_id: deal.deal_id,
      company_id: deal.company_id,
      deal_type: deal.deal_type,
      segment: deal.segment,
      term_number: k,
      renews_billing_id: previous,
      plan,
      billing_frequency: frequency,
      contract_term_months: term,
      contract_start: cal.iso(start),
      contract_end: cal.iso(end),
      arr,
      mrr: round(arr / 12, 2),
      currency: cfg.currency,
      payment_terms: payment,
      onboarding_days: onboarding,
      contract_status: start > asOf ? 'scheduled' : end >= asOf ? 'active' : 'renewed',
    };
    out.push(c);
    // The term's fate is drawn only once the day after it has come (by the as-of date).
    if (end >= asOf) break;
    if (bernoulli(rng, churn)) {
      c.contract_status = 'churned';
      break;
    }
    const u = uniform(rng);
    if (u < pDown) {
      const next = reprice(arr, 1 - (downLo + (downHi - downLo) * uniform(rng)), roundTo);
      if (next < arr) arr = next;
    } else if (u < pDown + pUp) {
      const next = reprice(arr, 1 + upLo + (upHi - upLo) * uniform(rng), roundTo);
      if (next > arr) arr = next;
    }
    previous = billingId;
    start = end + 1;
  }
  return out;
}

/**
 * The ARR events of one contract (its terms from buildContractTerms, in order) up to the as-of date: the first
 * term's start (new, or expansion for an expansion deal), each renewal (a renewal row, then an expansion or
 * contraction row when it re-prices, same day) and a churn the day after a churned term. Dated so that the
 * deltas dated on or before any day D sum to the ARR of the terms with contract_start <= D <= contract_end.
 * No randomness.
 */
export function buildArrMovements(terms: readonly Contract[], model: BillingModel, asOf: DayNumber): ArrMovement[] {
  const out: ArrMovement[] = [];
  if (terms.length === 0) return out;
  const cal = model.deal.calendar;
  const t0 = terms[0];
  if (cal.day(t0.contract_start)! > asOf) return out;
  const move = (c: Contract, date: string, type: ArrMovementType, before: number, after: number): void => {
    out.push({
      movement_id: stableId('arr', `${c.billing_id}#${type}`),
      company_id: c.company_id,
      deal_id: c.deal_id,
      billing_id: c.billing_id,
      segment: c.segment,
      deal_type: c.deal_type,
      movement_date: date,
      movement_type: type,
      arr_before: before,
      arr_after: after,
      arr_delta: after - before,
    });
  };
  move(t0, t0.contract_start, t0.deal_type === 'expansion' ? 'expansion' : 'new', 0, t0.arr);
  for (let k = 1; k < terms.length; k++) {
    const [was, c] = [terms[k - 1], terms[k]];
    move(c, c.contract_start, 'renewal', was.arr, was.arr);
    if (c.arr !== was.arr) move(c, c.contract_start, c.arr > was.arr ? 'expansion' : 'contraction', was.arr, c.arr);
  }
  const last = terms[terms.length - 1];
  if (last.contract_status === 'churned') move(last, cal.iso(cal.day(last.contract_end)! + 1), 'churn', last.arr, 0);
  return out;
}

/**
 * One invoice per billing period (a month, or a year billed in advance) of a contract term, from its
 * contract_start while the period starts on or before the as-of date. No randomness.
 */
export function buildInvoices(contract: Contract, model: BillingModel, asOf: DayNumber): Invoice[] {
  const cal = model.deal.calendar;
  const start = cal.day(contract.contract_start)!;
  const end = cal.day(contract.contract_end)!;
  const step = contract.billing_frequency === 'annual' ? 12 : 1;
  const dueDays = model.deal.config.billing.payment_term_days[contract.payment_terms] ?? 0;
  const out: Invoice[] = [];
  const termMonths = contract.contract_term_months;
  for (let k = 0; k * step < termMonths; k++) {
    const periodStart = cal.addMonths(start, k * step);
    if (periodStart > asOf || periodStart > end) break;
    const months = Math.min(step, termMonths - k * step);
    const periodEnd = Math.min(end, cal.addMonths(start, k * step + months) - 1);
    out.push({
      invoice_id: stableId('inv', `${contract.billing_id}#${k + 1}`),
      billing_id: contract.billing_id,
      deal_id: contract.deal_id,
      company_id: contract.company_id,
      period_number: k + 1,
      period_start: cal.iso(periodStart),
      period_end: cal.iso(periodEnd),
      period_months: months,
      invoice_date: cal.iso(periodStart),
      due_date: cal.iso(periodStart + dueDays),
      amount: round((contract.arr * months) / 12, 2),
      currency: contract.currency,
      billing_frequency: contract.billing_frequency,
    });
  }
  return out;
}

/** A company's billing: its contract terms, their invoices and its ARR movements (see billCompany). */
export interface CompanyBilling {
  /** Every term of every won deal's contract, deal by deal in the deals' order, terms in order. */
  terms: Contract[];
  /** The terms' invoices, in the order of the terms, periods in order. */
  invoices: Invoice[];
  /** The company's ARR movements by date (on one date, in the order of the deals and of each contract's events). */
  movements: ArrMovement[];
  /** Won deals (contracts). */
  contracts: number;
}

const byMovementDate = (a: ArrMovement, b: ArrMovement) => (a.movement_date < b.movement_date ? -1 : a.movement_date > b.movement_date ? 1 : 0);

/** The billing of one company's deals (in their order): what billing.csv, invoices.csv and arr_movements.csv get of it. */
export function billCompany(deals: readonly Deal[], company: BillingCompany, model: BillingModel, seed: number, asOf: DayNumber): CompanyBilling {
  const out: CompanyBilling = {terms: [], invoices: [], movements: [], contracts: 0};
  for (const deal of deals) {
    const own = buildContractTerms(deal, company, model, seed, asOf);
    if (own.length === 0) continue;
    out.contracts++;
    for (const c of own) {
      out.terms.push(c);
      for (const inv of buildInvoices(c, model, asOf)) out.invoices.push(inv);
    }
    for (const m of buildArrMovements(own, model, asOf)) out.movements.push(m);
  }
  // A stable sort: same-day events keep their order.
  if (out.movements.length > 1) out.movements.sort(byMovementDate);
  return out;
}

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
  annual_share_enterprise: number | null;
  enterprise_contracts: number;
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
  retention_by_segment: Record<Segment, RetentionFigures>;
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
type RetentionState = {customers: number; then: number; now: number; kept: number; churned: number; tt: number; nn: number; tn: number; kk: number; tk: number};
const RETENTION_GROUPS = ['all', ...SEGMENTS, 'large', 'small'] as const;
type RetentionGroup = (typeof RETENTION_GROUPS)[number];

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
  ent: number;
  entAnnual: number;
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

/** 2025-Q1 for an ISO date (no Date objects). */
function quarterOf(iso: string): string {
  return `${iso.slice(0, 4)}-Q${((Number(iso.slice(5, 7)) + 2) / 3) | 0}`;
}

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
    ent: 0,
    entAnnual: 0,
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
    retention: Object.fromEntries(RETENTION_GROUPS.map((g) => [g, {customers: 0, then: 0, now: 0, kept: 0, churned: 0, tt: 0, nn: 0, tn: 0, kk: 0, tk: 0}])) as Record<RetentionGroup, RetentionState>,
    bridge: {},
  };
  /** The as-of date and the retention base date (a year before), as ISO text (movement dates compare as text). */
  private readonly asOfIso: string;
  private readonly baseIso: string;

  constructor(private readonly model: BillingModel, private readonly asOf: DayNumber) {
    for (const p of model.deal.config.billing.plans) this.s.plans[p.name] = 0;
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
    if (contract.segment === 'enterprise') {
      s.ent++;
      if (contract.billing_frequency === 'annual') s.entAnnual++;
    }
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
      const q = quarterOf(m.movement_date);
      const b = (s.bridge[q] ??= {new: 0, expansion: 0, contraction: 0, churn: 0});
      b[m.movement_type] += m.arr_delta;
    }
    if (then <= 0) return;
    const large = then > this.model.deal.config.targets.large_contract_arr;
    for (const g of ['all', movements[0].segment, large ? 'large' : 'small'] as const) {
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
      annual_share_enterprise: ratio(s.entAnnual, s.ent),
      enterprise_contracts: s.ent,
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
      retention_by_segment: Object.fromEntries(SEGMENTS.map((g) => [g, this.retentionOf(g)])) as Record<Segment, RetentionFigures>,
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
    const checks = checkTargets({
      monthly_share_small_buyers: shareFigure(s.smallMonthly, s.small),
      annual_share_enterprise: shareFigure(s.entAnnual, s.ent),
      mean_contract_term_months: {value: f.mean_contract_term_months, n: f.contracts},
      grr: r('all', false),
      grr_smb: r('smb', false),
      nrr: r('all', true),
      nrr_large: r('large', true),
    }, this.model.deal.config.targets);
    return {figures: f, checks, warnings: targetWarnings(checks)};
  }
}
