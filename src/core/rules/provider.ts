import type {CompanyBase, Enrichment} from '../../schemas/companies.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import {compileIcp} from './icp.js';
import {compileTechStack} from './techstack.js';

/** Deterministic, offline enrichment from the export's own text and icp_rules.yml. */
export interface RulesEnricher {
  enrich(company: CompanyBase): Enrichment;
}

export function createRulesEnricher(rules: IcpRules): RulesEnricher {
  const icp = compileIcp(rules);
  const tech = compileTechStack(rules.techstack);
  return {
    enrich(company: CompanyBase): Enrichment {
      return {
        ...icp.score(company),
        ...tech.detect(`${company.name}\n${company.description}`),
        enrichment_source: 'rules',
        enrichment_error: '',
      };
    },
  };
}
