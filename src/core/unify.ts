import {addInto} from './merge.js';
import {UNIFIED_OUTCOMES, type UnifiedOutcome} from './vocabulary.js';
import type {Company} from '../schemas/companies.js';
import type {Contract, Deal, Lead, UnifiedSalesRow} from '../schemas/deals.js';

/** The company columns carried into unified.csv, first on each row (the rest, e.g. description and evidence, stay in companies.csv). */
export const UNIFIED_COMPANY_COLUMNS = [
  'company_id',
  'name',
  'domain',
  'industry',
  'size_band',
  'employees_min',
  'employees_max',
  'company_type',
  'city',
  'state',
  'country',
  'is_previous_customer',
  'company_kind',
  'is_competitor',
  'icp_fit',
  'icp_tier',
  'icp_score',
  'icp_confidence',
  'uses_x12',
  'x12_transaction_sets',
  'uses_clearinghouse',
  'clearinghouses',
  'uses_fhir',
  'uses_hl7',
  'ehrs',
  'techstack_basis',
  'techstack_confidence',
  'enrichment_source',
] as const satisfies ReadonlyArray<keyof Company>;

/** unified.csv's is_customer: a previous customer, or a company with a won deal. */
export function isCustomer(company: Pick<Company, 'is_previous_customer'>, deals: readonly Pick<Deal, 'outcome'>[]): boolean {
  if (company.is_previous_customer) return true;
  for (const d of deals) if (d.outcome === 'won') return true;
  return false;
}

/**
 * The sales columns of one company's unified rows (UnifiedSalesSchema; each row of unified.csv is the
 * company's columns, UnifiedCompanySchema, then these): one per deal (joined with its contract, if any), or
 * a single no_opportunity row when the company has no deal. `contracts` are the company's contract terms (any
 * order of deals; a deal's terms in order: its row shows the last, the term in force or last in force by the
 * as-of date). Rows are built as object literals of one fixed shape (hot path: no spreads of dynamic objects).
 */
export function unifyCompany(
  company: Pick<Company, 'is_previous_customer'>,
  lead: Lead,
  deals: readonly Deal[],
  contracts: readonly Contract[],
): UnifiedSalesRow[] {
  const customer = isCustomer(company, deals);
  if (deals.length === 0) return [row(lead, 0, customer, undefined, undefined)];
  const out: UnifiedSalesRow[] = new Array(deals.length);
  for (let i = 0; i < deals.length; i++) {
    const d = deals[i];
    let c: Contract | undefined;
    for (const x of contracts) if (x.deal_id === d.deal_id) c = x;
    out[i] = row(lead, deals.length, customer, d, c);
  }
  return out;
}

function row(lead: Lead, dealCount: number, isCustomer: boolean, d: Deal | undefined, c: Contract | undefined): UnifiedSalesRow {
  return {
    segment: lead.segment,
    owner: lead.owner,
    lead_source: lead.lead_source,
    first_touch_date: lead.first_touch_date,
    first_touch_campaign: lead.campaign,
    company_deals: dealCount,
    outcome: d ? d.outcome : 'no_opportunity',
    is_opportunity: d !== undefined,
    is_customer: isCustomer,
    sales_cycle_days: d ? d.sales_cycle_days : null,
    age_days: d ? d.age_days : null,
    deal_id: d ? d.deal_id : '',
    deal_number: d ? d.deal_number : null,
    deal_type: d ? d.deal_type : '',
    previous_deal_id: d ? d.previous_deal_id : '',
    campaign: d ? d.campaign : '',
    created_date: d ? d.created_date : '',
    stage: d ? d.stage : '',
    discovery_date: d ? d.discovery_date : '',
    technical_evaluation_date: d ? d.technical_evaluation_date : '',
    security_review_date: d ? d.security_review_date : '',
    proposal_date: d ? d.proposal_date : '',
    negotiation_date: d ? d.negotiation_date : '',
    close_date: d ? d.close_date : '',
    loss_reason: d ? d.loss_reason : '',
    lost_at_stage: d ? d.lost_at_stage : '',
    amount_arr: d ? d.amount_arr : null,
    discount_pct: d ? d.discount_pct : null,
    closed_arr: d ? d.closed_arr : null,
    forecast_category: d ? d.forecast_category : '',
    probability: d ? d.probability : null,
    expected_close_date: d ? d.expected_close_date : '',
    billing_id: c ? c.billing_id : '',
    term_number: c ? c.term_number : null,
    plan: c ? c.plan : '',
    billing_frequency: c ? c.billing_frequency : '',
    contract_term_months: c ? c.contract_term_months : null,
    contract_start: c ? c.contract_start : '',
    contract_end: c ? c.contract_end : '',
    arr: c ? c.arr : null,
    mrr: c ? c.mrr : null,
    currency: c ? c.currency : '',
    payment_terms: c ? c.payment_terms : '',
    contract_status: c ? c.contract_status : '',
  };
}

export interface UnifyFigures {
  rows: number;
  companies: number;
  deal_rows: number;
  no_opportunity_rows: number;
  outcomes: Record<UnifiedOutcome, number>;
  customers: number;
  rows_with_contract: number;
}

/** Everything the unify summary needs: counts only (additive, structured-clone-safe; see merge.ts). */
export type UnifyState = {
  rows: number;
  companies: number;
  outcomes: Record<UnifiedOutcome, number>;
  customers: number;
  withContract: number;
};

/**
 * Counts unified rows; rows = deal_rows + no_opportunity_rows by construction. Parts of the companies can be
 * counted apart (worker threads) and merged: `merge(other.state())`, in part order.
 */
export class UnifyStats {
  private readonly s: UnifyState = {
    rows: 0,
    companies: 0,
    outcomes: Object.fromEntries(UNIFIED_OUTCOMES.map((o) => [o, 0])) as Record<UnifiedOutcome, number>,
    customers: 0,
    withContract: 0,
  };

  add(rows: readonly UnifiedSalesRow[]): void {
    const s = this.s;
    s.companies++;
    if (rows[0]?.is_customer) s.customers++;
    for (const r of rows) {
      s.rows++;
      s.outcomes[r.outcome]++;
      if (r.billing_id) s.withContract++;
    }
  }

  /** The accumulated counts (the live state, not a copy: post or merge it before adding more rows). */
  state(): UnifyState {
    return this.s;
  }

  /** Adds the state of the next part of the companies (parts merged in order: 0, then 1, ...). */
  merge(state: UnifyState): void {
    addInto(this.s, state);
  }

  figures(): UnifyFigures {
    const s = this.s;
    return {
      rows: s.rows,
      companies: s.companies,
      deal_rows: s.rows - s.outcomes.no_opportunity,
      no_opportunity_rows: s.outcomes.no_opportunity,
      outcomes: {...s.outcomes},
      customers: s.customers,
      rows_with_contract: s.withContract,
    };
  }
}
