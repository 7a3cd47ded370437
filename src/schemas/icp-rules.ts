import {z} from './zod.js';
import {SIZE_BANDS} from '../core/size-bands.js';

const sizeBand = z.enum([...SIZE_BANDS, 'unknown']);
const weight = z.number().min(0).max(100);

/** A regular expression source (checked on load, so a typo is reported with the file, key and line). */
const pattern = z.string().min(1).superRefine((src, ctx) => {
  try {
    new RegExp(src, 'iu');
  } catch (e) {
    ctx.addIssue({code: 'custom', message: `not a valid regular expression: ${(e as Error).message}`});
  }
});

const targetIndustry = z.strictObject({
  name: z.string().min(1).describe('A label for the segment, shown in icp_reason.'),
  linkedin_labels: z.array(z.string().min(1)).default([]).describe('LinkedIn "Primary Industry" labels that place a company in this segment (case-insensitive, exact).'),
  description_keywords: z.array(z.string().min(1)).default([]).describe('Words or phrases that place a company in this segment when found in its name or description.'),
  points: weight.describe('Score added when the LinkedIn label matches.'),
  keyword_points: weight.describe('Score added when only the description matches.'),
});

const term = z.strictObject({
  name: z.string().min(1).describe('Canonical name written to the output.'),
  patterns: z.array(pattern).min(1).describe('Case-insensitive regular expressions, matched on word boundaries.'),
});

export const IcpRulesSchema = z.strictObject({
  version: z.literal(1).describe('Schema version of this file.'),
  target_industries: z.array(targetIndustry).min(1).describe('Segments that Stedi sells to. A company scores the best matching segment.'),
  size_bands: z.strictObject({
    points: z.record(sizeBand, weight).describe('Score for each size band; missing bands score 0.'),
    excluded: z.array(sizeBand).default([]).describe('Bands that can never be ICP (e.g. sole traders).'),
  }),
  keywords: z.strictObject({
    must_have: z.array(z.string().min(1)).min(1).describe('Strong buying signals (EDI, X12, claims, ...). Tier 1 needs at least one.'),
    nice_to_have: z.array(z.string().min(1)).default([]).describe('Weaker signals (HL7, FHIR, transaction set numbers, payer, provider).'),
    must_have_points: weight.describe('Score per distinct must-have keyword found.'),
    must_have_cap: weight.describe('Most score must-have keywords can add together.'),
    nice_to_have_points: weight.describe('Score per distinct nice-to-have keyword found.'),
    nice_to_have_cap: weight.describe('Most score nice-to-have keywords can add together.'),
  }),
  countries: z.strictObject({
    allowed: z.array(z.string().min(2)).min(1).describe('Countries Stedi sells in: ISO codes (US) or names (United States).'),
    unknown_allowed: z.boolean().describe('Whether a company with no country can be ICP.'),
  }),
  tiers: z.strictObject({
    tier_1: z.number().min(0).max(100).describe('Minimum score for tier_1 (also needs a must-have keyword).'),
    tier_2: z.number().min(0).max(100).describe('Minimum score for tier_2.'),
    tier_3: z.number().min(0).max(100).describe('Minimum score for tier_3. Below it: not_icp.'),
    fit_min_tier: z.enum(['tier_1', 'tier_2', 'tier_3']).describe('The lowest tier that counts as icp_fit = true.'),
  }),
  techstack: z.strictObject({
    x12: z.array(pattern).min(1).describe('Patterns that show X12 EDI use.'),
    transaction_sets: z.record(z.string().regex(/^\d{3}$/), z.string()).describe('X12 transaction set codes and their names; a code counts when it stands next to EDI words or another code.'),
    clearinghouses: z.array(term).describe('Clearinghouses and their name patterns.'),
    fhir: z.array(pattern).min(1).describe('Patterns that show FHIR use.'),
    hl7: z.array(pattern).min(1).describe('Patterns that show HL7 v2 use.'),
    ehrs: z.array(term).describe('EHR / practice-management systems and their name patterns.'),
    evidence_chars: z.number().int().min(10).max(400).describe('Characters of context kept on each side of a match in techstack_evidence.'),
  }),
}).describe('Ideal Customer Profile rules and technology-detection patterns for the rules provider (and the OpenAI prompt).');

export type IcpRules = z.infer<typeof IcpRulesSchema>;

export const PreviousCustomersSchema = z.strictObject({
  version: z.literal(1),
  customers: z.array(z.strictObject({
    domain: z.string().min(1).describe('The customer\'s website; normalised like the input (www., scheme, paths removed).'),
    name: z.string().optional().describe('For people reading the file.'),
    since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('Customer since (YYYY-MM-DD), informational.'),
  })).describe('Known customers: is_previous_customer is true for companies on these domains.'),
});
export type PreviousCustomers = z.infer<typeof PreviousCustomersSchema>;
