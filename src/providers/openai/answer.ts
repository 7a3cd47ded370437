import {listedCompetitors} from '../../core/rules/kind.js';
import {compileTerms, type TermMatcher} from '../../core/rules/terms.js';
import {round2} from '../../core/rules/techstack.js';
import type {TechstackBasis} from '../../core/vocabulary.js';
import type {CompanyBase, Enrichment} from '../../schemas/companies.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import type {OpenAiConfig} from '../../schemas/openai-config.js';
import {adjustTechConfidence, groundEvidence, groundedSet} from './grounding.js';
import {normalizeField} from './prompt.js';
import type {CacheEntry, FlagBasis, Signal} from './schema.js';

/**
 * Turns a cached answer into the enrichment columns. Pure and deterministic: the same entry and company always
 * give the same columns (no clock, no counters), so output from the cache is byte-identical to the first run's.
 * The invariants of the columns hold whatever the model said (see compileDeriver).
 */
export interface AnswerDeriver {
  derive(
    entry: Pick<CacheEntry, 'answer' | 'citations' | 'sources'>,
    company: Pick<CompanyBase, 'domain' | 'name' | 'is_previous_customer'>,
  ): Derived;
}

export interface Derived {
  enrichment: Enrichment;
  /** Evidence items whose URL the search returned. */
  urlsGrounded: number;
  /** Evidence items dropped: URL not returned by the search (or not a URL). */
  urlsDropped: number;
}

const TIERS = ['tier_1', 'tier_2', 'tier_3'] as const;
const SET_CODE = /\d{3}/;
const MAX_REASON = 600;

/** Normalised (one line, NFC) and capped at MAX_REASON characters. */
function capped(text: string): string {
  const t = normalizeField(text);
  return t.length > MAX_REASON ? `${t.slice(0, MAX_REASON - 1)}…` : t;
}

/** Canonical names for clearinghouses / EHRs the model names (config patterns), else the name as written. */
function canonicalizer(matcher: TermMatcher): (names: readonly string[]) => string[] {
  return (names) => {
    const out = new Set<string>();
    for (const raw of names) {
      const name = normalizeField(raw);
      if (!name) continue;
      const m = matcher.all(name);
      out.add(m.length > 0 ? m[0].term : name);
    }
    return [...out].sort();
  };
}

/** X12 transaction set codes: the first three digits of each item ("837P" -> "837"), sorted, unique. */
export function transactionSets(items: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of items) {
    const m = SET_CODE.exec(s);
    if (m) out.add(m[0]);
  }
  return [...out].sort();
}

/**
 * A positive flag's basis: the model's mark; a flag it marked not_set yet turned on by naming something (transaction
 * sets, a clearinghouse) rests on the names, so it is stated; any other unmarked flag counts as inferred (the weaker claim).
 */
function flagBasis(mark: FlagBasis, named: boolean): 'stated' | 'inferred' {
  return mark === 'stated' || (mark === 'not_set' && named) ? 'stated' : 'inferred';
}

/**
 * Compiles the deriver. Whatever the model answered:
 * - a competitor listed in icp_rules.yml (domain or name) is company_kind edi_vendor;
 * - is_competitor is company_kind === 'edi_vendor' (the kind decides; the model's own is_competitor is not used);
 * - a competitor is tier excluded (icp_reason says competitor), not icp_fit, and no clearinghouse user
 *   (uses_clearinghouse false, clearinghouses empty); a kind in icp.excluded_kinds is tier excluded too;
 * - techstack_basis is stated when a set flag (X12, clearinghouse, FHIR, HL7) is stated, inferred when the set
 *   flags are all inferred, none when no flag is set;
 * - evidence URLs are only those the web search returned.
 */
export function compileDeriver(rules: IcpRules, grounding: OpenAiConfig['grounding']): AnswerDeriver {
  const clearinghouses = canonicalizer(compileTerms(rules.techstack.clearinghouses));
  const ehrs = canonicalizer(compileTerms(rules.techstack.ehrs));
  const listed = listedCompetitors(rules);
  const excludedKinds = new Set<string>(rules.icp.excluded_kinds);
  const fitRank = TIERS.indexOf(rules.tiers.fit_min_tier);

  return {
    derive({answer, citations, sources}, company): Derived {
      const {company: k, icp, techstack: t} = answer;
      // A listed competitor is one whatever the model says; a previous customer never is (as in the rules).
      const listedAs = company.is_previous_customer ? null : listed(company);
      const kind = listedAs !== null ? 'edi_vendor' : company.is_previous_customer && k.kind === 'edi_vendor' ? 'health_it' : k.kind;
      const competitor = kind === 'edi_vendor';

      const score = Math.min(100, Math.max(0, Math.round(icp.score)));
      let tier = icp.tier;
      let reason = normalizeField(icp.reason);
      if (competitor || excludedKinds.has(kind)) {
        tier = 'excluded';
        // Always said in the same words ("not a competitor" in the model's reason would otherwise pass for it).
        if (competitor) reason = `competitor (edi_vendor)${reason ? `; ${reason}` : ''}`;
        else if (!competitor && icp.tier !== 'excluded') reason = `excluded kind ${kind}${reason ? `; ${reason}` : ''}`;
      }
      const rank = (TIERS as readonly string[]).indexOf(tier);

      const sets = transactionSets(t.x12_transaction_sets);
      const houses = competitor ? [] : clearinghouses(t.clearinghouses);
      const systems = ehrs(t.ehrs);
      const flags = {
        x12: t.uses_x12 || sets.length > 0,
        clearinghouse: !competitor && (t.uses_clearinghouse || houses.length > 0),
        fhir: t.uses_fhir,
        hl7: t.uses_hl7,
      };
      const named = {x12: sets.length > 0, clearinghouse: houses.length > 0, fhir: false, hl7: false};
      const bases = (Object.keys(flags) as Array<keyof typeof flags>).filter((f) => flags[f]).map((f) => flagBasis(t.basis[f], named[f]));
      const basis: TechstackBasis = bases.includes('stated') ? 'stated' : bases.length > 0 ? 'inferred' : 'none';
      const positives: Signal[] = [];
      if (flags.x12) positives.push('x12');
      if (flags.clearinghouse) positives.push('clearinghouse');
      if (flags.fhir) positives.push('fhir');
      if (flags.hl7) positives.push('hl7');
      if (systems.length > 0) positives.push('ehr');

      // A competitor uses no clearinghouse: evidence for that flag goes with it.
      const evidence = competitor ? t.evidence.filter((e) => e.signal !== 'clearinghouse') : t.evidence;
      const g = groundEvidence(evidence, groundedSet(citations, sources), grounding.max_evidence);
      const enrichment: Enrichment = {
        company_kind: kind,
        company_kind_reason: listedAs ?? capped(k.reason),
        is_competitor: competitor,
        icp_fit: rank !== -1 && rank <= fitRank,
        icp_tier: tier,
        icp_score: score,
        icp_confidence: round2(Math.min(1, Math.max(0, icp.confidence))),
        icp_reason: `${tier} (score ${score}): ${capped(reason)}`,
        uses_x12: flags.x12,
        x12_transaction_sets: sets,
        uses_clearinghouse: flags.clearinghouse,
        clearinghouses: houses,
        uses_fhir: flags.fhir,
        uses_hl7: flags.hl7,
        ehrs: systems,
        techstack_basis: basis,
        techstack_confidence: round2(adjustTechConfidence(t.confidence, positives, g.signals, grounding.ungrounded_confidence_cap)),
        techstack_evidence: g.urls,
        enrichment_source: 'openai',
        enrichment_error: '',
      };
      return {enrichment, urlsGrounded: g.kept, urlsDropped: g.dropped};
    },
  };
}
