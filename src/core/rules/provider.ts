import type {CompanyBase, Enrichment} from '../../schemas/companies.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import {compileIcp, icpPhraseLists} from './icp.js';
import {HEALTHCARE_TAG, compileKinds, healthcarePhraseLists, kindNameLists, kindPhraseLists} from './kind.js';
import {compilePhrases, phrasesOf} from './phrases.js';
import {compileTechStack, techPhraseLists} from './techstack.js';

/** Deterministic, offline enrichment from the export's own text and icp_rules.yml. */
export interface RulesEnricher {
  enrich(company: CompanyBase): Enrichment;
}

/**
 * The rules provider: one scan of the name and description for every phrase list of icp_rules.yml (kinds, ICP
 * signals and exclusions, stated transactions, inference conditions) and one of the name for the kinds' name
 * phrases; then the kind, the ICP verdict and the tech stack are read off the hits.
 */
export function createRulesEnricher(rules: IcpRules): RulesEnricher {
  const phrases = compilePhrases([...kindPhraseLists(rules), ...icpPhraseLists(rules), ...techPhraseLists(rules.techstack)]);
  const namePhrases = compilePhrases(kindNameLists(rules));
  // Healthcare words are frequent ("care", "health"): a scanner of their own, read only up to the first few.
  const healthcarePhrases = compilePhrases(healthcarePhraseLists(rules));
  const kinds = compileKinds(rules);
  const icp = compileIcp(rules);
  const tech = compileTechStack(rules.techstack);
  return {
    enrich(company: CompanyBase): Enrichment {
      // One text for all (one flattening); one object literal of a fixed shape: spreading the results into a
      // new object cost V8 more than all the matching (tens of microseconds per company).
      const text = `${company.name}\n${company.description}`;
      const hits = phrases.scan(text);
      const healthcare = phrasesOf(healthcarePhrases.scan(text, 4), HEALTHCARE_TAG);
      const k = kinds.classify(company, hits, namePhrases.scan(company.name), healthcare);
      const i = icp.score(company, k.kind, hits, k.signals);
      const t = tech.detect(text, k.kind, k.words, hits);
      return {
        company_kind: k.kind,
        company_kind_reason: k.reason,
        is_competitor: k.is_competitor,
        icp_fit: i.icp_fit,
        icp_tier: i.icp_tier,
        icp_score: i.icp_score,
        icp_confidence: i.icp_confidence,
        icp_reason: i.icp_reason,
        uses_x12: t.uses_x12,
        x12_transaction_sets: t.x12_transaction_sets,
        uses_clearinghouse: t.uses_clearinghouse,
        clearinghouses: t.clearinghouses,
        uses_fhir: t.uses_fhir,
        uses_hl7: t.uses_hl7,
        ehrs: t.ehrs,
        techstack_basis: t.techstack_basis,
        techstack_confidence: t.techstack_confidence,
        techstack_evidence: t.techstack_evidence,
        enrichment_source: 'rules',
        enrichment_error: '',
      };
    },
  };
}
