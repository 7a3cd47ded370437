import type {IcpRules} from '../schemas/icp-rules.js';
import type {CompanyBase, Enrichment} from '../schemas/companies.js';
import {createRulesEnricher} from '../core/rules/provider.js';
import type {EnrichmentProvider} from './types.js';

export class RulesProvider implements EnrichmentProvider {
  readonly name = 'rules' as const;
  readonly concurrency = 1;
  private readonly enricher;
  private count = 0;

  constructor(rules: IcpRules) {
    this.enricher = createRulesEnricher(rules);
  }

  enrich(company: CompanyBase): Enrichment {
    this.count++;
    return this.enricher.enrich(company);
  }

  stats(): Record<string, number> {
    return {rules: this.count};
  }
}
