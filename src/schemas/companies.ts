import {z} from './zod.js';
import {ALL_SIZE_BANDS} from '../core/size-bands.js';
import {COMPANY_KINDS, ICP_TIERS, TECHSTACK_BASES, companyKindList} from '../core/vocabulary.js';
import {col} from './columns.js';
import {enrichmentSourceDescription, enrichmentSourceNames} from '../providers/index.js';

/** The values of enrichment_source: the registered providers' names and their other sources (src/providers/registry.ts). */
function enrichmentSources(): [string, ...string[]] {
  const [first, ...rest] = enrichmentSourceNames();
  if (first === undefined) throw new Error('no enrichment provider is registered');
  return [first, ...rest];
}

export const DOMAIN_STATUSES = ['ok', 'missing', 'invalid'] as const;

/** The columns every enrichment provider fills (rules or OpenAI); the rest comes from the export. */
export const EnrichmentSchema = z.object({
  company_kind: col.oneOf(COMPANY_KINDS, `What the company is: ${companyKindList()}.`),
  company_kind_reason: col.text('Why: the industry label and phrases that decided company_kind.'),
  is_competitor: col.bool(
    'A competitor of Stedi (company_kind edi_vendor: a listed competitor domain or name, or text that describes a clearinghouse, EDI network or eligibility / claims API). Never ICP, never a clearinghouse user, never offered a new-business deal.',
  ),
  icp_fit: col.bool('Whether the company is in the Ideal Customer Profile (tier at or above tiers.fit_min_tier in icp_rules.yml).'),
  icp_tier: col.oneOf(
    ICP_TIERS,
    'tier_1 (best), tier_2, tier_3, not_icp, or excluded (competitor, excluded kind or phrase, country or size rule; icp_reason says which).',
  ),
  icp_score: col.int('ICP score 0-100: company kind + size + buying-signal points from icp_rules.yml.'),
  icp_confidence: col.prob('How much evidence the ICP judgement rests on, 0-1.'),
  icp_reason: col.text('Which rules matched, in words.'),
  uses_x12: col.bool(
    'Sends or receives X12 EDI transactions: stated (EDI, X12, electronic claims, ERA, eligibility verification, claim status, prior authorization ...) or inferred from company_kind (see techstack_basis).',
  ),
  x12_transaction_sets: col.list('X12 transaction sets stated, by number or in words, e.g. 270, 271, 835, 837'),
  uses_clearinghouse: col.bool(
    'Works through a healthcare clearinghouse (stated: a named clearinghouse or clearinghouse-user language; or inferred from company_kind). Never true for a competitor.',
  ),
  clearinghouses: col.list('Clearinghouses named, e.g. Availity, Change Healthcare, Waystar'),
  uses_fhir: col.bool('Uses FHIR: stated, or inferred for EHR / interoperability software.'),
  uses_hl7: col.bool('Uses HL7 v2: stated, or inferred for EHR / interoperability software.'),
  ehrs: col.list('EHR / practice-management systems mentioned'),
  techstack_basis: col.oneOf(
    TECHSTACK_BASES,
    'stated (at least one flag rests on the text naming the technology or transaction), inferred (the flags come only from what company_kind implies), or none (no flag set).',
  ),
  techstack_confidence: col.prob('Confidence in the technology flags, 0-1 (low when there is little text to go on).'),
  techstack_evidence: col.list(
    'Snippets of stated evidence or "inferred from <kind>: <words>" (rules), or cited URLs (OpenAI), supporting the technology flags',
  ),
  enrichment_source: col.oneOf(enrichmentSources(), enrichmentSourceDescription()),
  enrichment_error: col.text('Why the OpenAI provider fell back to rules for this company; empty otherwise.'),
});
export type Enrichment = z.infer<typeof EnrichmentSchema>;

/** What ingestion makes of the export, before enrichment: one cleaned, merged account per row. */
export const CompanyBaseSchema = z.object({
  company_id: col.id('Stable company ID: co_ + 16 hex digits of SHA-256 of company_key. Same in every run and input order.'),
  company_key: col.text('The dedup key: domain:<registrable domain>, else linkedin:<slug>, else name:<folded name>.'),
  name: col.text('Company name (of the primary row when several rows were merged).'),
  domain: col.text('Registrable domain, lower-case (www., scheme, path and trailing dot removed); empty when missing or invalid.'),
  domain_status: col.oneOf(DOMAIN_STATUSES, 'ok, missing (no domain in the export) or invalid (could not be read as a domain).'),
  raw_domain: col.text('The Domain field as exported, when it differs from domain.'),
  description: col.text('Description as exported (line breaks kept).'),
  industry: col.text('LinkedIn primary industry label.'),
  size_band: col.oneOf(ALL_SIZE_BANDS, 'Employee band: 1, 2-10, 11-50, 51-200, 201-500, 501-1000, 1001-5000, 5001-10000, 10001+ or unknown.'),
  employees_min: col.intOrNull('Lower bound of the size label; empty when unknown.'),
  employees_max: col.intOrNull('Upper bound of the size label; empty when open-ended (10,001+) or unknown.'),
  company_type: col.text('LinkedIn company type (Privately Held, Public Company, Non Profit, ...).'),
  location: col.text('Location as exported.'),
  city: col.text('City read from Location; empty when it cannot be read.'),
  state: col.text('State or province code read from Location (e.g. CO, PA); empty when it cannot be read.'),
  country: col.text('ISO 3166-1 alpha-2 country code (United States is US); empty when missing or unknown.'),
  linkedin_url: col.text('LinkedIn company page of the primary row.'),
  other_names: col.list('Names of the other rows merged into this account'),
  other_linkedin_urls: col.list('LinkedIn pages of the other rows merged into this account'),
  source_rows: col.list('Input row numbers (as a spreadsheet shows them: the header is row 1) that made this account'),
  is_previous_customer: col.bool('Domain is listed in config/previous_customers.yml.'),
});
export type CompanyBase = z.infer<typeof CompanyBaseSchema>;

/** data/raw/companies.csv: one row per account. */
export const CompanySchema = CompanyBaseSchema.extend(EnrichmentSchema.shape).describe(
  'data/raw/companies.csv: one row per company (account) after cleaning, merging and enrichment.',
);
export type Company = z.infer<typeof CompanySchema>;

/** data/interim/rejects.csv: input rows that could not become a company. */
export const RejectSchema = z
  .object({
    row: col.int('Row number as a spreadsheet shows it (the header is row 1).'),
    line: col.int('Physical line of the file where the row starts (differs from row when fields hold line breaks).'),
    reason: col.text('Why the row was rejected.'),
    name: col.text('Name field as exported.'),
    domain: col.text('Domain field as exported.'),
    linkedin_url: col.text('LinkedIn URL field as exported.'),
    raw: col.text('The whole row as exported, fields joined with a comma.'),
  })
  .describe('data/interim/rejects.csv: input rows that could not become a company, with the reason.');
export type Reject = z.infer<typeof RejectSchema>;
