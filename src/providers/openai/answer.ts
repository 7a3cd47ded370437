import {compileTerms, type TermMatcher} from '../../core/rules/terms.js';
import {round2} from '../../core/rules/techstack.js';
import type {Enrichment} from '../../schemas/companies.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import type {OpenAiConfig} from '../../schemas/openai-config.js';
import {adjustTechConfidence, groundEvidence, groundedSet} from './grounding.js';
import {normalizeField} from './prompt.js';
import type {CacheEntry, Signal} from './schema.js';

/**
 * Turns a cached answer into the enrichment columns. Pure and deterministic: the same entry always gives
 * the same columns (no clock, no counters), so output from the cache is byte-identical to the first run's.
 */
export interface AnswerDeriver {
  derive(entry: Pick<CacheEntry, 'answer' | 'citations' | 'sources'>): Derived;
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

export function compileDeriver(rules: IcpRules, grounding: OpenAiConfig['grounding']): AnswerDeriver {
  const clearinghouses = canonicalizer(compileTerms(rules.techstack.clearinghouses));
  const ehrs = canonicalizer(compileTerms(rules.techstack.ehrs));
  const fitRank = TIERS.indexOf(rules.tiers.fit_min_tier);

  return {
    derive({answer, citations, sources}): Derived {
      const {icp, techstack: t} = answer;
      const score = Math.min(100, Math.max(0, Math.round(icp.score)));
      const rank = (TIERS as readonly string[]).indexOf(icp.tier);
      const reason = normalizeField(icp.reason);
      const icpReason = `${icp.tier} (score ${score}): ${reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason}`;

      const sets = transactionSets(t.x12_transaction_sets);
      const houses = clearinghouses(t.clearinghouses);
      const systems = ehrs(t.ehrs);
      const uses_x12 = t.uses_x12 || sets.length > 0;
      const uses_clearinghouse = t.uses_clearinghouse || houses.length > 0;
      const positives: Signal[] = [];
      if (uses_x12) positives.push('x12');
      if (uses_clearinghouse) positives.push('clearinghouse');
      if (t.uses_fhir) positives.push('fhir');
      if (t.uses_hl7) positives.push('hl7');
      if (systems.length > 0) positives.push('ehr');

      const g = groundEvidence(t.evidence, groundedSet(citations, sources), grounding.max_evidence);
      const enrichment: Enrichment = {
        company_kind: 'unknown',
        company_kind_reason: '',
        is_competitor: false,
        icp_fit: rank !== -1 && rank <= fitRank,
        icp_tier: icp.tier,
        icp_score: score,
        icp_confidence: round2(Math.min(1, Math.max(0, icp.confidence))),
        icp_reason: icpReason,
        uses_x12,
        x12_transaction_sets: sets,
        uses_clearinghouse,
        clearinghouses: houses,
        uses_fhir: t.uses_fhir,
        uses_hl7: t.uses_hl7,
        ehrs: systems,
        techstack_basis: positives.length > 0 ? 'stated' : 'none',
        techstack_confidence: round2(adjustTechConfidence(t.confidence, positives, g.signals, grounding.ungrounded_confidence_cap)),
        techstack_evidence: g.urls,
        enrichment_source: 'openai',
        enrichment_error: '',
      };
      return {enrichment, urlsGrounded: g.kept, urlsDropped: g.dropped};
    },
  };
}
