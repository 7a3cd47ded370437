/**
 * The closed vocabularies of the sales model (tiers, kinds, stages, outcomes, ...): the code branches on them,
 * so they live in code; every number attached to them lives in config/deal_model.yml. The open ones are model
 * data and live in config: the lead sources (with their campaigns) are the keys of deal_model.yml lead_sources,
 * the sales segments its segments.names, the reps its `reps` roster (see OpenVocabulary).
 */

/** ICP tiers of a company (companies.csv icp_tier), best first: the enrichment's verdict, which the sales model weighs. */
export const ICP_TIERS = ['tier_1', 'tier_2', 'tier_3', 'not_icp', 'excluded'] as const;
export type IcpTier = (typeof ICP_TIERS)[number];

/**
 * What kind of company an account is (companies.csv company_kind): the enrichment's classification, which the ICP
 * score, the tech-stack inference and the sales model build on. edi_vendor = Stedi's competitors.
 */
export const COMPANY_KINDS = [
  'provider',
  'rcm_billing',
  'health_it',
  'payer',
  'edi_vendor',
  'pharma_device',
  'other_healthcare',
  'non_healthcare',
  'unknown',
] as const;
export type CompanyKind = (typeof COMPANY_KINDS)[number];

/**
 * What each company kind covers, in words (the labelling guide's definitions): the one text behind the
 * company_kind column description and the OpenAI prompt, so both providers classify by the same definitions.
 */
export const COMPANY_KIND_DEFINITIONS: Readonly<Record<CompanyKind, string>> = {
  provider: 'hospital, clinic, practice, therapy, home health that bills insurance, lab, imaging, dental, DME, pharmacy',
  rcm_billing: 'medical billing / coding / revenue cycle / credentialing services',
  health_it: 'EHR, practice management, digital health or telehealth software, patient payments, benefits navigation, health data platform',
  payer: 'health plan, TPA, benefits administrator, managed care',
  edi_vendor: "clearinghouse, EDI network, eligibility / claims API vendor: Stedi's competitors",
  pharma_device: 'pharma, biotech, medical devices, manufacturing',
  other_healthcare: 'staffing, consulting, non-medical home care, wellness, associations, media',
  non_healthcare: 'not a healthcare company',
  unknown: 'nothing to go on',
};

/** "kind (definition), kind (definition), ...": the kinds and their definitions in one line. */
export function companyKindList(): string {
  return COMPANY_KINDS.map((k) => `${k} (${COMPANY_KIND_DEFINITIONS[k]})`).join(', ');
}

/** Where the tech-stack flags come from (companies.csv techstack_basis). */
export const TECHSTACK_BASES = ['stated', 'inferred', 'none'] as const;
export type TechstackBasis = (typeof TECHSTACK_BASES)[number];

/**
 * The open vocabularies whose values name table cells, read from the loaded config (openVocabulary): lead_sources = where a company first came from (the keys of deal_model.yml
 * lead_sources, in file order); segments = the sales segments (deal_model.yml segments.names, in file order: the
 * order of the summaries' per-segment figures), each size band's segment set by segments.size_bands. A table
 * column of one (lead_source of leads.csv and deals.csv, segment of deals.csv, reps.csv, ...) is checked against
 * the loaded config's values.
 */
export interface OpenVocabulary {
  readonly lead_sources: readonly string[];
  readonly segments: readonly string[];
}
export type OpenVocabularyName = keyof OpenVocabulary;

/** The open vocabularies of a loaded deal_model.yml. */
export function openVocabulary(config: {
  readonly lead_sources: Readonly<Record<string, unknown>>;
  readonly segments: {readonly names: readonly string[]};
}): OpenVocabulary {
  return {lead_sources: Object.keys(config.lead_sources), segments: config.segments.names};
}

/**
 * What a value of an open vocabulary looks like (deal_model.yml validates its keys with it): lower-case letters,
 * digits and _, starting with a letter. Such a text needs no quotes in a CSV, so the columns of an open
 * vocabulary are written as they are (TableColumn.plain), and it cannot be mistaken for an array index.
 */
export const VOCABULARY_NAME = /^[a-z][a-z0-9_]*$/;

/** Open stages of a deal, in order. A deal is created in discovery; after negotiation it is won. */
export const DEAL_STAGES = ['discovery', 'technical_evaluation', 'security_review', 'proposal', 'negotiation'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];

/** Values of deals.stage: an open stage, or closed_won / closed_lost. */
export const STAGE_VALUES = [...DEAL_STAGES, 'closed_won', 'closed_lost'] as const;
export type StageValue = (typeof STAGE_VALUES)[number];

/**
 * A CRM's forecast categories (Salesforce's defaults): set per open stage in deal_model.yml; closed (won) and
 * omitted (lost) for closed deals.
 */
export const FORECAST_CATEGORIES = ['pipeline', 'best_case', 'commit', 'closed', 'omitted'] as const;
export type ForecastCategory = (typeof FORECAST_CATEGORIES)[number];
/** The categories an open stage may have. */
export const OPEN_FORECAST_CATEGORIES = ['pipeline', 'best_case', 'commit'] as const;

/** The deal fields whose changes opportunity_history.csv records (columns of deals.csv). */
export const HISTORY_FIELDS = ['stage', 'amount_arr', 'expected_close_date', 'forecast_category'] as const;
export type HistoryField = (typeof HISTORY_FIELDS)[number];

/** Working days, for the weekday of the weekly pipeline snapshots. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const LOSS_REASONS = ['no_decision', 'competitor', 'budget', 'timing', 'security_compliance', 'build_in_house'] as const;
export type LossReason = (typeof LOSS_REASONS)[number];

export const DEAL_TYPES = ['new_business', 'expansion'] as const;
export type DealType = (typeof DEAL_TYPES)[number];

export const DEAL_OUTCOMES = ['won', 'lost', 'open'] as const;
export type DealOutcome = (typeof DEAL_OUTCOMES)[number];

/** outcome in unified.csv: a deal's outcome, or no_opportunity for a company without a deal. */
export const UNIFIED_OUTCOMES = [...DEAL_OUTCOMES, 'no_opportunity'] as const;
export type UnifiedOutcome = (typeof UNIFIED_OUTCOMES)[number];

export const BILLING_FREQUENCIES = ['monthly', 'annual'] as const;
export type BillingFrequency = (typeof BILLING_FREQUENCIES)[number];

/** A contract's state at the as-of date. */
export const CONTRACT_STATUSES = ['scheduled', 'active', 'renewed', 'churned'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/**
 * An event of arr_movements.csv: a contract starts (new: a new-business deal; expansion: an expansion deal), a
 * term renews (renewal, no ARR change), a renewal re-prices (expansion up, contraction down), a term ends
 * without renewal (churn).
 */
export const ARR_MOVEMENT_TYPES = ['new', 'expansion', 'contraction', 'renewal', 'churn'] as const;
export type ArrMovementType = (typeof ARR_MOVEMENT_TYPES)[number];
