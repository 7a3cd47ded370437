import type {DayNumber} from './calendar.js';
import type {DealModel} from './deals.js';
import {stableId} from './hash.js';
import {addInto} from './merge.js';
import {bernoulli, cumulative, lognormal, logistic, streamFor, weightedIndex} from './random.js';
import {checkTargets, median, ratio, round, shareFigure, targetWarnings, type TargetCheck} from './targets.js';
import {SEGMENTS, type BillingFrequency, type ContractStatus, type Segment} from './vocabulary.js';
import type {Company} from '../schemas/companies.js';
import type {Contract, Deal, Invoice} from '../schemas/deals.js';

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

/** What billing reads of a company. */
export type BillingCompany = Pick<Company, 'company_id'>;

/**
 * The contract of a won deal (null for any other deal): billing frequency (annual more likely the larger
 * the ARR and the segment), term, onboarding lag, plan and payment terms, and its renewals. Depends only on
 * the deal, the model and the seed (stream streamSeed(seed, 'billing', deal_id)); `asOf` sets how many term
 * ends are reached (each one a draw, renew or churn, after the contract's other draws: a later as-of keeps
 * the earlier renewals) and contract_status.
 */
export function buildContract(deal: Deal, company: BillingCompany, model: BillingModel, seed: number, asOf: DayNumber): Contract | null {
  if (deal.outcome !== 'won' || deal.closed_arr === null) return null;
  if (deal.company_id !== company.company_id) throw new Error(`deal ${deal.deal_id} belongs to ${deal.company_id}, not ${company.company_id}`);
  const cal = model.deal.calendar;
  const cfg = model.deal.config.billing;
  const close = cal.day(deal.close_date);
  if (close === undefined) throw new RangeError(`deal ${deal.deal_id}: close_date ${JSON.stringify(deal.close_date)} is not a date of the model's calendar`);
  const seg = SEGMENTS.indexOf(deal.segment as Segment);
  const rng = streamFor(seed, 'billing', deal.deal_id);
  const arr = deal.closed_arr;

  const a = cfg.annual;
  const pAnnual = logistic(a.logit_at_reference + a.per_log_arr * Math.log(arr / a.reference_arr) + a.segment[deal.segment]);
  const frequency: BillingFrequency = bernoulli(rng, pAnnual) ? 'annual' : 'monthly';
  const term = frequency === 'annual'
    ? model.annualTerms[seg][weightedIndex(rng, model.annualTermCum[seg])]
    : model.monthlyTerms[weightedIndex(rng, model.monthlyTermCum)];
  const onboarding = Math.min(365, Math.max(0, Math.round(lognormal(rng, cfg.onboarding_days.median_days[deal.segment], cfg.onboarding_days.sigma))));
  const payment = frequency === 'annual'
    ? model.annualPayment[seg][weightedIndex(rng, model.annualPaymentCum[seg])]
    : model.monthlyPayment[weightedIndex(rng, model.monthlyPaymentCum)];
  const start = close + onboarding;
  let end = cal.addMonths(start, term) - 1;
  let plan = cfg.plans[0].name;
  for (const p of cfg.plans) if (arr >= p.min_arr) plan = p.name;
  // Each term that ends before the as-of date renews for the same term, unless the customer churns.
  let renewals = 0;
  let ended = false;
  const churn = cfg.renewal.churn_probability[deal.segment];
  while (end < asOf) {
    if (bernoulli(rng, churn)) {
      ended = true;
      break;
    }
    renewals++;
    end = cal.addMonths(start, term * (renewals + 1)) - 1;
  }
  const status: ContractStatus = start > asOf ? 'scheduled' : ended ? 'ended' : 'active';
  return {
    billing_id: stableId('bil', deal.deal_id),
    deal_id: deal.deal_id,
    company_id: deal.company_id,
    deal_type: deal.deal_type,
    segment: deal.segment,
    plan,
    billing_frequency: frequency,
    contract_term_months: term,
    contract_start: cal.iso(start),
    contract_end: cal.iso(end),
    renewals,
    arr,
    mrr: round(arr / 12, 2),
    currency: cfg.currency,
    payment_terms: payment,
    onboarding_days: onboarding,
    contract_status: status,
  };
}

/**
 * One invoice per billing period (a month, or a year billed in advance) from contract_start while the
 * period starts on or before the as-of date and within the terms (the first and its renewals). No randomness.
 */
export function buildInvoices(contract: Contract, model: BillingModel, asOf: DayNumber): Invoice[] {
  const cal = model.deal.calendar;
  const start = cal.day(contract.contract_start)!;
  const end = cal.day(contract.contract_end)!;
  const step = contract.billing_frequency === 'annual' ? 12 : 1;
  const dueDays = model.deal.config.billing.payment_term_days[contract.payment_terms] ?? 0;
  const out: Invoice[] = [];
  // The months of the first term and its renewals.
  const termsMonths = contract.contract_term_months * (contract.renewals + 1);
  for (let k = 0; k * step < termsMonths; k++) {
    const periodStart = cal.addMonths(start, k * step);
    if (periodStart > asOf || periodStart > end) break;
    const months = Math.min(step, termsMonths - k * step);
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

export interface BillingFigures {
  contracts: number;
  invoices: number;
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
  contract_status: Record<ContractStatus, number>;
  /** Renewals of all contracts by the as-of date. */
  renewals: number;
  total_arr: number;
  active_arr: number;
  invoiced_amount: number;
}

/**
 * Everything the billing summary needs, as plain numbers, number lists and records (see Additive in merge.ts):
 * structured-clone-safe, and additive, so the states of contiguous parts merge into exactly the state of one
 * accumulator that saw every contract in order.
 */
export type BillingState = {
  contracts: number;
  invoices: number;
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
  /** Sums of arr (integer dollars). */
  totalArr: number;
  activeArr: number;
  /** Sum of invoice amounts in integer cents (amounts have 2 decimals): exact whatever the split. */
  invoicedCents: number;
};

/**
 * Accumulates the billing summary contract by contract. Parts of the contracts can be accumulated apart (worker
 * threads) and merged: `merge(other.state())`, in part order.
 */
export class BillingStats {
  private readonly s: BillingState = {
    contracts: 0,
    invoices: 0,
    mix: {monthly: 0, annual: 0},
    small: 0,
    smallMonthly: 0,
    ent: 0,
    entAnnual: 0,
    terms: [],
    termCounts: {},
    plans: {},
    status: {scheduled: 0, active: 0, ended: 0},
    renewals: 0,
    totalArr: 0,
    activeArr: 0,
    invoicedCents: 0,
  };

  constructor(private readonly model: BillingModel) {
    for (const p of model.deal.config.billing.plans) this.s.plans[p.name] = 0;
  }

  add(contract: Contract, invoices: readonly Invoice[]): void {
    const s = this.s;
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
    s.plans[contract.plan] = (s.plans[contract.plan] ?? 0) + 1;
    s.status[contract.contract_status]++;
    s.renewals += contract.renewals;
    s.totalArr += contract.arr;
    if (contract.contract_status === 'active') s.activeArr += contract.arr;
    s.invoices += invoices.length;
    for (const i of invoices) s.invoicedCents += Math.round(i.amount * 100);
  }

  /**
   * The accumulated state: plain data (no model), safe to post to another thread. It is the live state, not a
   * copy: post it, or merge it, before adding more contracts to this accumulator.
   */
  state(): BillingState {
    return this.s;
  }

  /** Adds the state of the next part of the contracts (parts merged in order: 0, then 1, ...). */
  merge(state: BillingState): void {
    addInto(this.s, state);
  }

  figures(): BillingFigures {
    const s = this.s;
    return {
      contracts: s.contracts,
      invoices: s.invoices,
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
      total_arr: s.totalArr,
      active_arr: s.activeArr,
      invoiced_amount: s.invoicedCents / 100,
    };
  }

  summary(): {figures: BillingFigures; checks: TargetCheck[]; warnings: string[]} {
    const s = this.s;
    const f = this.figures();
    const checks = checkTargets({
      monthly_share_small_buyers: shareFigure(s.smallMonthly, s.small),
      annual_share_enterprise: shareFigure(s.entAnnual, s.ent),
      mean_contract_term_months: {value: f.mean_contract_term_months, n: f.contracts},
    }, this.model.deal.config.targets);
    return {figures: f, checks, warnings: targetWarnings(checks)};
  }
}
