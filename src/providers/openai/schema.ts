import {z} from '../../schemas/zod.js';
import {COMPANY_KINDS, ICP_TIERS, companyKindList} from '../../core/vocabulary.js';

/** The technology signals a piece of evidence can support. */
export const SIGNALS = ['x12', 'clearinghouse', 'fhir', 'hl7', 'ehr'] as const;
export type Signal = (typeof SIGNALS)[number];

/**
 * Where a technology flag comes from: stated = the company's own text or website names the technology or
 * transaction; inferred = only implied by what the company is (its kind); not_set = the flag is false.
 */
export const FLAG_BASES = ['stated', 'inferred', 'not_set'] as const;
export type FlagBasis = (typeof FLAG_BASES)[number];

const flagBasis = (flag: string) => z.enum(FLAG_BASES).describe(`Basis of ${flag}: stated, inferred, or not_set when ${flag} is false.`);

/** The name of the structured output format sent to the API. */
export const ANSWER_FORMAT_NAME = 'company_enrichment';

/**
 * What the model returns for one company: the ICP judgement and the technology stack together.
 * Strict structured outputs: every property is required (nullable where absent makes sense), no extras.
 * The descriptions are sent to the model as part of the JSON schema.
 */
export const AnswerSchema = z.object({
  company: z.object({
    kind: z.enum(COMPANY_KINDS).describe(`What the company is: ${companyKindList()}.`),
    reason: z.string().describe('A few words: what in the name, industry, description or website decided the kind.'),
    is_competitor: z
      .boolean()
      .describe(
        'True exactly when kind is edi_vendor: the company IS a clearinghouse, EDI network or eligibility / claims API vendor (not a company that submits claims through one).',
      ),
  }),
  icp: z.object({
    tier: z
      .enum(ICP_TIERS)
      .describe(
        'tier_1 (best) .. tier_3, not_icp, or excluded (competitor, excluded kind, configured exclusion, country or size rule), judged against the ICP rules given.',
      ),
    score: z.number().int().min(0).max(100).describe('ICP score 0-100 following the scoring rules given.'),
    confidence: z.number().min(0).max(1).describe('How sure the judgement is, 0-1: lower when little is known about the company.'),
    reason: z.string().describe('One or two sentences: which rules matched and why (kind, size, keywords, exclusions, country).'),
  }),
  techstack: z.object({
    uses_x12: z.boolean().describe('The company uses or builds on X12 EDI (e.g. 837 claims, 270/271 eligibility, 835 remittance).'),
    x12_transaction_sets: z
      .array(z.string())
      .describe('X12 transaction set codes the company names (by number or in words), three digits each, e.g. ["270","271","837"].'),
    uses_clearinghouse: z
      .boolean()
      .describe('The company submits claims or checks eligibility through a healthcare clearinghouse. Always false for a competitor (edi_vendor).'),
    clearinghouses: z
      .array(z.string())
      .describe('Clearinghouses the company names as the ones it uses, e.g. Availity, Change Healthcare, Waystar. Empty for a competitor.'),
    uses_fhir: z.boolean().describe('The company uses or offers FHIR APIs.'),
    uses_hl7: z.boolean().describe('The company uses HL7 v2 interfaces.'),
    ehrs: z.array(z.string()).describe('EHR / practice-management systems it integrates with or uses.'),
    basis: z
      .object({x12: flagBasis('uses_x12'), clearinghouse: flagBasis('uses_clearinghouse'), fhir: flagBasis('uses_fhir'), hl7: flagBasis('uses_hl7')})
      .describe(
        "For each flag set to true: stated when the company's own text or website names the technology or transaction, inferred when only what the company is implies it.",
      ),
    confidence: z.number().min(0).max(1).describe('How sure the technology flags are, 0-1.'),
    evidence: z
      .array(
        z.object({
          signal: z.enum(SIGNALS).describe('Which flag this source supports.'),
          url: z.string().describe('A URL returned by your web search that supports the flag. Never invent or guess URLs.'),
          note: z.string().describe('What the page says, in a few words.'),
        }),
      )
      .describe('Sources for each technology flag set to true (or for each EHR / clearinghouse named).'),
  }),
});
export type Answer = z.infer<typeof AnswerSchema>;

const usage = z.strictObject({
  input_tokens: z.number().int().min(0),
  cached_input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  reasoning_tokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof usage>;

/**
 * Layout of a cache entry. 2: the answer has company (kind, reason, is_competitor) and techstack.basis; an entry
 * of format 1 is read as corrupt and asked again (its key differs anyway: the answer schema is in the key).
 */
export const CACHE_FORMAT = 2;

/**
 * One cache entry: everything needed to derive the output columns again (answer + the URLs the search
 * returned), plus what the call cost and when it was made. Never the key, never a header.
 */
export const CacheEntrySchema = z.strictObject({
  format: z.literal(CACHE_FORMAT),
  provider: z.literal('openai'),
  api: z.enum(['responses', 'chat']),
  model: z.string().describe('The model requested.'),
  response_model: z.string().describe('The model the server says answered.'),
  prompt_version: z.string(),
  created_at: z.string().describe('When the answer was received (ISO 8601); never copied into the output.'),
  response_id: z.string(),
  answer: AnswerSchema,
  citations: z.array(z.string()).describe('url_citation annotation URLs of the response.'),
  sources: z.array(z.string()).describe('URLs the web search returned (web_search_call.action.sources).'),
  usage,
  web_search_calls: z.number().int().min(0),
  cost_usd: z.number().min(0).nullable().describe('Cost of the call at the prices of the time; null when the model has no price.'),
});
export type CacheEntry = z.infer<typeof CacheEntrySchema>;
