import {z} from './zod.js';
import {SIZE_BANDS} from '../core/size-bands.js';
import {COMPANY_KINDS, type CompanyKind} from '../core/vocabulary.js';

const sizeBand = z.enum([...SIZE_BANDS, 'unknown']);
const weight = z.number().min(0).max(100);

/** A regular expression source (checked on load, so a typo is reported with the file, key and line). */
const pattern = z
  .string()
  .min(1)
  .superRefine((src, ctx) => {
    try {
      new RegExp(src, 'iu');
    } catch (e) {
      ctx.addIssue({code: 'custom', message: `not a valid regular expression: ${(e as Error).message}`});
    }
  });

const phrase = z.string().min(1);
const phrases = (d: string) => z.array(phrase).default([]).describe(d);
const kind = z.enum(COMPANY_KINDS);
const realKind = z.enum(COMPANY_KINDS.filter((k) => k !== 'unknown') as [CompanyKind, ...CompanyKind[]]);

const kindRule = z.strictObject({
  kind: realKind.describe('The kind these phrases point to.'),
  decisive: z.boolean().default(false).describe('Wins as soon as a strong or name phrase matches and no negative one does (used for competitors).'),
  industries: z
    .record(z.string().min(1), weight)
    .default({})
    .describe('LinkedIn "Primary Industry" labels (exact, case-insensitive) and the points each gives this kind.'),
  name: phrases('Phrases that point to this kind when found in the company name (points.name each).'),
  strong: phrases('Phrases that point clearly to this kind in the name or description (points.strong each).'),
  weak: phrases('Phrases that lean towards this kind (points.weak each).'),
  negative: phrases('Phrases that rule this kind out.'),
});

const term = z.strictObject({
  name: z.string().min(1).describe('Canonical name written to the output.'),
  patterns: z.array(pattern).min(1).describe('Case-insensitive regular expressions, matched on word boundaries.'),
});

const FLAGS = ['x12', 'clearinghouse', 'fhir', 'hl7'] as const;

export const IcpRulesSchema = z
  .strictObject({
    version: z.literal(2).describe('Schema version of this file.'),
    company_kinds: z
      .strictObject({
        min_score: weight.describe('Least score a kind needs to be chosen.'),
        points: z
          .strictObject({name: weight, strong: weight, weak: weight, weak_cap: weight})
          .describe('Points per distinct phrase of each list; weak phrases add at most weak_cap.'),
        healthcare_words: z.array(phrase).min(1).describe('Words that show a healthcare context in the name or description.'),
        healthcare_industries: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'LinkedIn industry labels that show a healthcare context (a company with none of these and no healthcare word is non_healthcare).',
          ),
        kinds: z.array(kindRule).min(1).describe('Phrase lists per kind; their order breaks ties.'),
      })
      .describe('How company_kind is classified from the industry label, name and description.'),
    competitors: z
      .strictObject({
        domains: z
          .array(z.string().min(1))
          .default([])
          .describe('Registrable domains of well-known competitors (clearinghouses, EDI networks, eligibility/claims API vendors).'),
        names: z.array(z.string().min(1)).default([]).describe('Names of well-known competitors (the whole name, case and punctuation ignored).'),
      })
      .describe('Well-known competitors: always edi_vendor, is_competitor and never ICP.'),
    icp: z.strictObject({
      fit_kinds: z.array(kind).min(1).describe('Kinds that can be ICP fit (tier_1 / tier_2); the others stop at tier_3.'),
      signal_required_kinds: z
        .array(kind)
        .default([])
        .describe('Kinds that are ICP fit only with at least one must-have keyword (else at most tier_3).'),
      kind_points: z.record(kind, weight).describe('ICP score points of each company kind.'),
      excluded_kinds: z.array(kind).default([]).describe('Kinds that are never ICP (tier excluded).'),
      exclusions: z
        .array(
          z.strictObject({
            name: z.string().min(1).describe('Shown in icp_reason.'),
            phrases: z.array(phrase).min(1).describe('Phrases that exclude a company when found in its name or description.'),
            unless_kinds: z.array(kind).default([]).describe('Kinds the exclusion does not apply to.'),
          }),
        )
        .default([])
        .describe('Configured exclusions (P&C insurance, staffing, marketing agencies, ...).'),
    }),
    size_bands: z.strictObject({
      points: z.record(sizeBand, weight).describe('Score for each size band; missing bands score 0.'),
      excluded: z.array(sizeBand).default([]).describe('Bands that can never be ICP (e.g. sole traders) ...'),
      excluded_unless_kinds: z
        .array(kind)
        .default([])
        .describe('... unless the company is of one of these kinds (the band then only lowers the score).'),
    }),
    keywords: z.strictObject({
      must_have: z
        .array(phrase)
        .min(1)
        .describe('Stated buying signals (EDI, X12, claims submission, eligibility verification, ...). Tier 1 needs at least one.'),
      nice_to_have: z.array(phrase).default([]).describe('Weaker signals (HL7, FHIR, transaction set numbers, Medicare, insurance, ...).'),
      must_have_points: weight.describe('Score per distinct must-have phrase found.'),
      must_have_cap: weight.describe('Most score must-have phrases can add together.'),
      nice_to_have_points: weight.describe('Score per distinct nice-to-have phrase found.'),
      nice_to_have_cap: weight.describe('Most score nice-to-have phrases can add together.'),
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
      x12: z.array(pattern).min(1).describe('Patterns that state X12 EDI use.'),
      transactions: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            sets: z
              .array(z.string().regex(/^\d{3}$/))
              .min(1)
              .describe('X12 transaction sets the phrases name.'),
            phrases: z.array(phrase).min(1).describe('Phrases that state the transaction in words.'),
          }),
        )
        .default([])
        .describe('Transactions named in words: stated X12 use, with their transaction sets.'),
      transaction_sets: z
        .record(z.string().regex(/^\d{3}$/), z.string())
        .describe('X12 transaction set codes and their names; a code counts when it stands next to EDI words or another code.'),
      clearinghouse_use: z.array(phrase).default([]).describe('Phrases that state the company works through a clearinghouse.'),
      clearinghouses: z.array(term).describe('Clearinghouses and their name patterns.'),
      fhir: z.array(pattern).min(1).describe('Patterns that state FHIR use.'),
      hl7: z.array(pattern).min(1).describe('Patterns that state HL7 v2 use.'),
      inferred: z
        .array(
          z.strictObject({
            kind: realKind,
            flags: z.array(z.enum(FLAGS)).min(1).describe('Flags the kind implies.'),
            requires: z.array(phrase).default([]).describe('At least one of these phrases must be found (none listed: the kind alone).'),
            unless: z.array(phrase).default([]).describe('None of these phrases may be found.'),
          }),
        )
        .default([])
        .describe('Flags inferred from the company kind (medium confidence).'),
      ehrs: z.array(term).describe('EHR / practice-management systems and their name patterns.'),
      evidence_chars: z.number().int().min(10).max(400).describe('Characters of context kept on each side of a match in techstack_evidence.'),
    }),
  })
  .describe(
    'Ideal Customer Profile rules, company kinds, competitors and technology-detection patterns for the rules provider (and the OpenAI prompt).',
  );

export type IcpRules = z.infer<typeof IcpRulesSchema>;

export const PreviousCustomersSchema = z.strictObject({
  version: z.literal(1),
  customers: z
    .array(
      z.strictObject({
        domain: z.string().min(1).describe("The customer's website; normalised like the input (www., scheme, paths removed)."),
        name: z.string().optional().describe('For people reading the file.'),
        since: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .optional()
          .describe('Customer since (YYYY-MM-DD), informational.'),
      }),
    )
    .describe('Known customers: is_previous_customer is true for companies on these domains.'),
});
export type PreviousCustomers = z.infer<typeof PreviousCustomersSchema>;
