import {z} from './zod.js';
import {
  BILLING_FREQUENCIES,
  CONTRACT_STATUSES,
  DEAL_OUTCOMES,
  FORECAST_CATEGORIES,
  DEAL_TYPES,
  LOSS_REASONS,
  DEAL_STAGES,
  STAGE_VALUES,
  UNIFIED_OUTCOMES,
  type OpenVocabulary,
} from '../core/vocabulary.js';
import {UNIFIED_COMPANY_COLUMNS} from '../core/unify.js';
import {col} from './columns.js';
import {CompanySchema} from './companies.js';

const orEmpty = <const T extends readonly [string, ...string[]]>(values: T, d: string) => z.enum([...values, '']).describe(d);

/**
 * The schemas of the tables with a column of an open vocabulary (lead_source, segment) are built from the loaded
 * config's vocabularies (openVocabulary): leadSchema, dealSchema, contractSchema, unifiedSalesSchema, unifiedSchema.
 */

/** data/raw/leads.csv: one row per company: how it entered the funnel. */
export const leadSchema = (v: OpenVocabulary) =>
  z
    .object({
      company_id: col.id('The company (companies.csv).'),
      segment: col.open('segments', v, 'Sales segment: a segment of deal_model.yml segments.names, set by the size band (segments.size_bands).'),
      owner: col.text(
        'Sales rep who owns the account (reps.csv name): a rep of the segment hired by the first touch, fixed per company (hash of company_key).',
      ),
      lead_source: col.open(
        'lead_sources',
        v,
        'Where the company first came from: a lead source of deal_model.yml lead_sources; empty when its first touch is after the as-of date.',
        [''],
      ),
      campaign: col.text('Campaign of the first touch; empty when the first touch is after the as-of date.'),
      first_touch_date: col.dateOrEmpty('First marketing or sales touch (a business day in the simulation window); empty when after the as-of date.'),
      deals: col.int('Deals of the company created by the as-of date (rows in deals.csv).'),
    })
    .describe('data/raw/leads.csv: one row per company with its lead source, campaign, first touch, segment and owner.');
export type Lead = z.infer<ReturnType<typeof leadSchema>>;

/** The date columns of deals.csv, one per open stage: <stage>_date. */
export const STAGE_DATE_COLUMNS = DEAL_STAGES.map((s) => `${s}_date` as const);
export type StageDateColumn = (typeof STAGE_DATE_COLUMNS)[number];

/** data/raw/deals.csv: one row per deal. */
export const dealSchema = (v: OpenVocabulary) =>
  z
    .object({
      deal_id: col.id('Stable deal ID: deal_ + 16 hex digits of SHA-256 of company_key and deal_number.'),
      company_id: col.id('The company (companies.csv).'),
      deal_number: col.int("1 for the company's first deal, 2 for the next, ..."),
      deal_type: col.oneOf(DEAL_TYPES, 'new_business, or expansion (a previous customer, or a company that won a deal before).'),
      previous_deal_id: col.idOrEmpty('The deal this one follows (the lost deal it reopens or the won deal it expands); empty for a first deal.'),
      lead_source: col.open('lead_sources', v, 'Lead source of the company (leads.csv).'),
      campaign: col.text('Campaign that produced the deal: the first-touch campaign, or the expansion / re-engagement campaign for later deals.'),
      owner: col.text('Sales rep who owns the deal.'),
      segment: col.open('segments', v, 'Sales segment of the company (deal_model.yml segments.names).'),
      created_date: col.date('Day the deal was created (a business day; equals discovery_date).'),
      stage: col.oneOf(
        STAGE_VALUES,
        'Stage at the as-of date: discovery, technical_evaluation, security_review, proposal, negotiation, closed_won or closed_lost.',
      ),
      discovery_date: col.date('Day the deal entered discovery (qualification call, use cases: eligibility, claims, ERA).'),
      technical_evaluation_date: col.dateOrEmpty(
        'Day the deal entered technical evaluation (sandbox, test X12 transactions, API integration); empty if not reached.',
      ),
      security_review_date: col.dateOrEmpty('Day the deal entered security review (HIPAA, BAA, SOC 2 questionnaire); empty if not reached.'),
      proposal_date: col.dateOrEmpty('Day the deal entered proposal (pricing, order form); empty if not reached.'),
      negotiation_date: col.dateOrEmpty('Day the deal entered negotiation (redlines, procurement); empty if not reached.'),
      close_date: col.dateOrEmpty('Day the deal was won or lost; empty for open deals.'),
      outcome: col.oneOf(DEAL_OUTCOMES, 'won, lost, or open at the as-of date.'),
      loss_reason: orEmpty(
        LOSS_REASONS,
        'Why a lost deal was lost: no_decision, competitor, budget, timing, security_compliance or build_in_house; empty otherwise.',
      ),
      lost_at_stage: orEmpty(DEAL_STAGES, 'Stage a lost deal was in when it was lost; empty otherwise.'),
      amount_arr: col.int(
        'ARR (USD) of the deal at the as-of date (or when it closed): set at creation and re-scoped during the deal (opportunity_history.csv).',
      ),
      discount_pct: col.numOrNull('Discount off amount_arr at signature (0-1, won deals only).'),
      closed_arr: col.intOrNull('Signed ARR (USD) of a won deal: amount_arr less the discount; empty otherwise.'),
      forecast_category: col.oneOf(
        FORECAST_CATEGORIES,
        "CRM forecast category: the stage's (deal_model.yml stages.*.forecast_category: pipeline, best_case or commit) for open deals; closed for won, omitted for lost.",
      ),
      probability: col.prob("CRM probability: the stage's forecast_probability for open deals (the same for every deal of a stage); 1 won, 0 lost."),
      expected_close_date: col.date(
        "The rep's expected close date as last set: at the as-of date for open deals, when the deal closed for closed ones (reps push it when a deal slips: opportunity_history.csv).",
      ),
      sales_cycle_days: col.intOrNull('Closed deals: calendar days from created_date to close_date; empty for open deals (see age_days).'),
      age_days: col.intOrNull('Open deals: calendar days from created_date to the as-of date; empty for closed deals.'),
      as_of_date: col.date('The snapshot date of the simulation (same on every row).'),
    })
    .describe('data/raw/deals.csv: one row per deal (opportunity) created by the as-of date.');
export type Deal = z.infer<ReturnType<typeof dealSchema>>;

/** data/raw/billing.csv: one row per contract term (the first term of a won deal's contract, then each renewal). */
export const contractSchema = (v: OpenVocabulary) =>
  z
    .object({
      billing_id: col.id(
        'Stable ID of the contract term: bil_ + 16 hex digits of SHA-256 of the deal_id (first term) or of deal_id#term_number (renewals).',
      ),
      deal_id: col.id('The won deal (deals.csv); every term of its contract has it.'),
      company_id: col.id('The company (companies.csv).'),
      deal_type: col.oneOf(DEAL_TYPES, 'new_business or expansion, as on the deal.'),
      segment: col.open('segments', v, 'Sales segment of the company (deal_model.yml segments.names).'),
      term_number: col.int("1 for the contract's first term (signed with the deal), 2 for its first renewal, ..."),
      renews_billing_id: col.idOrEmpty('The term this one renews (billing_id of the term before); empty for the first term.'),
      plan: col.text("Plan, by the term's ARR (deal_model.yml billing.plans)."),
      billing_frequency: col.oneOf(
        BILLING_FREQUENCIES,
        'monthly or annual (in advance), the same on every term. Small buyers mostly monthly, enterprises almost always annual.',
      ),
      contract_term_months: col.int('Committed term in months (each renewal is for the same term).'),
      contract_start: col.date(
        'First day of the term: for the first, the close date plus an onboarding lag (may be after the as-of date: signed, not started); for a renewal, the day after the term it renews. A renewal is listed once it has started by the as-of date.',
      ),
      contract_end: col.date('Last day of the term: contract_start + contract_term_months - 1 day.'),
      arr: col.int(
        "Annual recurring revenue (USD) of the term: the deal's closed_arr for the first; a renewal keeps the ARR before it or re-prices it (downsell or uplift, deal_model.yml billing.renewal).",
      ),
      mrr: col.money('Monthly recurring revenue of the term: arr / 12, in currency units, 2 decimals.'),
      currency: col.text('ISO 4217 currency code.'),
      payment_terms: col.text('Payment terms, e.g. card_on_file, net_30 (the same on every term).'),
      onboarding_days: col.int('Calendar days from close_date to the start of the first term (the same on every term).'),
      contract_status: col.oneOf(
        CONTRACT_STATUSES,
        'The term at the as-of date: scheduled (starts later), active, renewed (ended, followed by the next term) or churned (ended, not renewed: the customer left).',
      ),
    })
    .describe("data/raw/billing.csv: one row per contract term: the first term of each won deal's contract and each renewal by the as-of date.");
export type Contract = z.infer<ReturnType<typeof contractSchema>>;

/** data/raw/invoices.csv: one row per billing period of each contract term up to the as-of date. */
export const InvoiceSchema = z
  .object({
    invoice_id: col.id('Stable invoice ID: inv_ + 16 hex digits of SHA-256 of billing_id and period_number.'),
    billing_id: col.id('The contract term (billing.csv).'),
    deal_id: col.id('The won deal (deals.csv).'),
    company_id: col.id('The company (companies.csv).'),
    period_number: col.int("1 for the term's first billing period, 2 for the next, ..."),
    period_start: col.date('First day of the billing period (the invoice date: billed in advance).'),
    period_end: col.date('Last day of the billing period.'),
    period_months: col.int('Months the period covers: 1 (monthly) or up to 12 (annual).'),
    invoice_date: col.date('Day the invoice was issued (= period_start; never after the as-of date).'),
    due_date: col.date('invoice_date plus the payment terms; may be after the as-of date.'),
    amount: col.money('Amount invoiced, in currency units, 2 decimals: mrr x period_months.'),
    currency: col.text('ISO 4217 currency code.'),
    billing_frequency: col.oneOf(BILLING_FREQUENCIES, 'monthly or annual, as on the contract.'),
  })
  .describe(
    'data/raw/invoices.csv: one row per billing period of each contract term, from its contract_start to the as-of date (none after a churn).',
  );
export type Invoice = z.infer<typeof InvoiceSchema>;

const pick = <S extends z.ZodObject, const K extends readonly (keyof S['shape'] & string)[]>(schema: S, keys: K) =>
  Object.fromEntries(keys.map((k) => [k, schema.shape[k]])) as {[P in K[number]]: S['shape'][P]};

/** The first columns of unified.csv: the company's, copied from companies.csv. */
export const UnifiedCompanySchema = z.object(pick(CompanySchema, UNIFIED_COMPANY_COLUMNS));
export type UnifiedCompany = z.infer<typeof UnifiedCompanySchema>;

/** The other columns of unified.csv, after the company's: its lead, the deal, the contract (unifyCompany). */
export const unifiedSalesSchema = (v: OpenVocabulary) => unifiedSales(leadSchema(v), dealSchema(v));
const unifiedSales = (lead: ReturnType<typeof leadSchema>, deal: ReturnType<typeof dealSchema>) =>
  z.object({
    ...pick(lead, ['segment', 'owner', 'lead_source', 'first_touch_date'] as const),
    first_touch_campaign: col.text("Campaign of the company's first touch (leads.csv campaign)."),
    company_deals: col.int('Deals of the company (rows of this company with a deal_id); 0 for no_opportunity.'),
    outcome: col.oneOf(UNIFIED_OUTCOMES, "won, lost or open (the deal's outcome), or no_opportunity for a company without a deal."),
    is_opportunity: col.bool('true on deal rows, false on no_opportunity rows.'),
    is_customer: col.bool('Company-level: a previous customer or a company with a won deal by the as-of date (same on all its rows).'),
    sales_cycle_days: col.intOrNull('Closed deals: days from created_date to close_date; empty for open deals and no_opportunity.'),
    age_days: col.intOrNull('Open deals: days from created_date to the as-of date; empty otherwise.'),
    deal_id: col.idOrEmpty('The deal (deals.csv); empty for no_opportunity.'),
    deal_number: col.intOrNull("1 for the company's first deal, 2 for the next, ...; empty for no_opportunity."),
    deal_type: orEmpty(DEAL_TYPES, 'new_business or expansion; empty for no_opportunity.'),
    previous_deal_id: deal.shape.previous_deal_id,
    campaign: col.text('Campaign of the deal; empty for no_opportunity.'),
    created_date: col.dateOrEmpty('Day the deal was created; empty for no_opportunity.'),
    stage: orEmpty(STAGE_VALUES, 'Stage of the deal at the as-of date; empty for no_opportunity.'),
    discovery_date: col.dateOrEmpty('Day the deal entered discovery; empty for no_opportunity.'),
    technical_evaluation_date: deal.shape.technical_evaluation_date,
    security_review_date: deal.shape.security_review_date,
    proposal_date: deal.shape.proposal_date,
    negotiation_date: deal.shape.negotiation_date,
    close_date: deal.shape.close_date,
    loss_reason: deal.shape.loss_reason,
    lost_at_stage: deal.shape.lost_at_stage,
    amount_arr: col.intOrNull('ARR (USD) of the deal at creation; empty for no_opportunity.'),
    discount_pct: deal.shape.discount_pct,
    closed_arr: deal.shape.closed_arr,
    forecast_category: orEmpty(FORECAST_CATEGORIES, 'CRM forecast category of the deal; empty for no_opportunity.'),
    probability: col.numOrNull("CRM probability of the deal (the stage's for open deals, 1 won, 0 lost); empty for no_opportunity."),
    expected_close_date: col.dateOrEmpty("The rep's expected close date as last set; empty for no_opportunity."),
    billing_id: col.idOrEmpty('The contract term of a won deal in force at the as-of date (billing.csv: its latest term by then); empty otherwise.'),
    term_number: col.intOrNull("That term's number: 1 for the first, 2 after one renewal, ...; empty when no contract."),
    plan: col.text('Plan of the term; empty when no contract.'),
    billing_frequency: orEmpty(BILLING_FREQUENCIES, 'monthly or annual; empty when no contract.'),
    contract_term_months: col.intOrNull('Committed term in months; empty when no contract.'),
    contract_start: col.dateOrEmpty('First day of the term; empty when no contract.'),
    contract_end: col.dateOrEmpty('Last day of the term; empty when no contract.'),
    arr: col.intOrNull('ARR (USD) of the term; empty when no contract.'),
    mrr: col.moneyOrNull('MRR of the term (arr / 12); empty when no contract.'),
    currency: col.text('Contract currency; empty when no contract.'),
    payment_terms: col.text('Contract payment terms; empty when no contract.'),
    contract_status: orEmpty(
      CONTRACT_STATUSES,
      'The term at the as-of date: scheduled, active or churned (renewed never: the latest term); empty when no contract.',
    ),
  });
export type UnifiedSalesRow = z.infer<ReturnType<typeof unifiedSalesSchema>>;

/** data/final/unified.csv: one row per deal (with its company and contract) plus one per company without a deal. */
export const unifiedSchema = (v: OpenVocabulary) =>
  z
    .object({...UnifiedCompanySchema.shape, ...unifiedSalesSchema(v).shape})
    .describe(
      'data/final/unified.csv: one row per deal joined with its company, lead and contract, plus one row per company without a deal (outcome no_opportunity).',
    );
export type UnifiedRow = z.infer<ReturnType<typeof unifiedSchema>>;
