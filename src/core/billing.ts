/**
 * A company's billing, from its won deals: each contract's terms (billing.csv), their invoices (invoices.csv) and
 * the ARR movements (arr_movements.csv). Pure; randomness from the per-deal stream. The summary of it is
 * billing-stats.ts (re-exported here: callers import the billing area from this module).
 */
import type {DayNumber} from './calendar.js';
import type {DealModel} from './deals.js';
import {stableId} from './hash.js';
import {bernoulli, cumulative, lognormal, logistic, streamFor, uniform, weightedIndex, type Rng} from './random.js';
import {round} from './targets.js';
import type {ArrMovementType, BillingFrequency} from './vocabulary.js';
import type {Company} from '../schemas/companies.js';
import type {Contract, Deal, Invoice} from '../schemas/deals.js';
import type {ArrMovement} from '../schemas/retention.js';

export {BillingStats, type BillingFigures, type BillingState, type BridgeQuarter, type RetentionFigures} from './billing-stats.js';

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
    annualTerms: deal.segments.map((s) => terms(b.term_months.annual[s])),
    annualTermCum: deal.segments.map((s) => cum(b.term_months.annual[s])),
    monthlyPayment: Object.keys(b.payment_terms.monthly),
    monthlyPaymentCum: cum(b.payment_terms.monthly),
    annualPayment: deal.segments.map((s) => Object.keys(b.payment_terms.annual[s])),
    annualPaymentCum: deal.segments.map((s) => cum(b.payment_terms.annual[s])),
  };
}

/**
 * The first day of a contract ready on `day` (signature plus onboarding), by deal_model.yml billing.contract_start:
 * that day or the next business day, or the first of the month on or after it.
 */
function contractStart(cal: DealModel['calendar'], day: DayNumber, rule: 'next_business_day' | 'first_of_month'): DayNumber {
  if (day > cal.last - 62) return day;
  if (rule === 'next_business_day') return cal.nextBusinessDay(day);
  const start = cal.monthStartOf(day);
  return start === day ? day : cal.addMonths(start, 1);
}

/** What billing reads of a company. */
export type BillingCompany = Pick<Company, 'company_id' | 'company_key'>;

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
function buildContractTerms(deal: Deal, company: BillingCompany, model: BillingModel, seed: number, asOf: DayNumber): Contract[] {
  if (deal.outcome !== 'won' || deal.closed_arr === null) return [];
  if (deal.company_id !== company.company_id) throw new Error(`deal ${deal.deal_id} belongs to ${deal.company_id}, not ${company.company_id}`);
  const cal = model.deal.calendar;
  const cfg = model.deal.config.billing;
  const close = cal.day(deal.close_date);
  if (close === undefined)
    throw new RangeError(`deal ${deal.deal_id}: close_date ${JSON.stringify(deal.close_date)} is not a date of the model's calendar`);
  const rng = streamFor(seed, 'billing', deal.deal_id);
  let arr = deal.closed_arr;
  const {frequency, term, first, payment} = drawFirstTerm(deal, arr, close, model, rng);
  const out: Contract[] = [];
  let start = first;
  let previous = '';
  for (let k = 1; ; k++) {
    // Terms are anchored on the first start (no drift from clamped month ends): term k ends k terms after it.
    const end = cal.addMonths(first, term * k) - 1;
    const billingId = k === 1 ? stableId('bil', deal.deal_id) : stableId('bil', `${deal.deal_id}#${k}`);
    const c: Contract = {
      billing_id: billingId,
      deal_id: deal.deal_id,
      company_id: deal.company_id,
      deal_type: deal.deal_type,
      segment: deal.segment,
      term_number: k,
      renews_billing_id: previous,
      plan: planFor(arr, cfg.plans),
      billing_frequency: frequency,
      contract_term_months: term,
      contract_start: cal.iso(start),
      contract_end: cal.iso(end),
      arr,
      mrr: round(arr / 12, 2),
      currency: cfg.currency,
      payment_terms: payment,
      onboarding_days: first - close,
      contract_status: start > asOf ? 'scheduled' : end >= asOf ? 'active' : 'renewed',
    };
    out.push(c);
    // The term's fate is drawn only once the day after it has come (by the as-of date).
    if (end >= asOf) break;
    if (bernoulli(rng, cfg.renewal.churn_probability[deal.segment])) {
      c.contract_status = 'churned';
      break;
    }
    arr = renewedArr(arr, deal.segment, model, rng);
    previous = billingId;
    start = end + 1;
  }
  return out;
}

/**
 * The first term's draws from the deal's stream, in this order: billing frequency (annual more likely the larger
 * the ARR and the segment), term, onboarding lag (which sets the first start), payment terms.
 */
function drawFirstTerm(
  deal: Deal,
  arr: number,
  close: DayNumber,
  model: BillingModel,
  rng: Rng,
): {frequency: BillingFrequency; term: number; first: DayNumber; payment: string} {
  const cfg = model.deal.config.billing;
  const segment = deal.segment;
  const seg = model.deal.segments.indexOf(segment);
  const a = cfg.annual;
  const pAnnual = logistic(a.logit_at_reference + a.per_log_arr * Math.log(arr / a.reference_arr) + a.segment[segment]);
  const frequency: BillingFrequency = bernoulli(rng, pAnnual) ? 'annual' : 'monthly';
  const term =
    frequency === 'annual'
      ? model.annualTerms[seg][weightedIndex(rng, model.annualTermCum[seg])]
      : model.monthlyTerms[weightedIndex(rng, model.monthlyTermCum)];
  const lag = Math.min(365, Math.max(1, Math.round(lognormal(rng, cfg.onboarding_days.median_days[segment], cfg.onboarding_days.sigma))));
  const first = contractStart(model.deal.calendar, close + lag, cfg.contract_start);
  const payment =
    frequency === 'annual'
      ? model.annualPayment[seg][weightedIndex(rng, model.annualPaymentCum[seg])]
      : model.monthlyPayment[weightedIndex(rng, model.monthlyPaymentCum)];
  return {frequency, term, first, payment};
}

/** The plan of an ARR: the last of the plans (in config order) whose min_arr it reaches, else the first. */
function planFor(arr: number, plans: readonly {name: string; min_arr: number}[]): string {
  let plan = plans[0].name;
  for (const p of plans) if (arr >= p.min_arr) plan = p.name;
  return plan;
}

/** The ARR of a renewal (drawn after its churn draw): a downsell, an uplift or the same (deal_model.yml billing.renewal). */
function renewedArr(arr: number, segment: string, model: BillingModel, rng: Rng): number {
  const r = model.deal.config.billing.renewal;
  const roundTo = model.deal.config.amount.round_to;
  const pDown = r.downsell_probability[segment];
  const u = uniform(rng);
  if (u < pDown) {
    const [lo, hi] = r.downsell_size;
    const next = reprice(arr, 1 - (lo + (hi - lo) * uniform(rng)), roundTo);
    return next < arr ? next : arr;
  }
  if (u < pDown + r.uplift_probability[segment]) {
    const [lo, hi] = r.uplift_size[segment];
    const next = reprice(arr, 1 + lo + (hi - lo) * uniform(rng), roundTo);
    return next > arr ? next : arr;
  }
  return arr;
}

/**
 * The ARR events of one contract (its terms from buildContractTerms, in order) up to the as-of date: the first
 * term's start (new, or expansion for an expansion deal), each renewal (a renewal row, then an expansion or
 * contraction row when it re-prices, same day) and a churn the day after a churned term. Dated so that the
 * deltas dated on or before any day D sum to the ARR of the terms with contract_start <= D <= contract_end.
 * No randomness.
 */
function buildArrMovements(terms: readonly Contract[], model: BillingModel, asOf: DayNumber): ArrMovement[] {
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
