import type {IcpRules} from '../schemas/icp-rules.js';
import type {CompanyBase, Enrichment} from '../schemas/companies.js';
import {createRulesEnricher} from '../core/rules/provider.js';
import type {ProviderDefinition} from './registry.js';
import type {EnrichmentProvider} from './types.js';

export class RulesProvider implements EnrichmentProvider {
  readonly name = 'rules';
  readonly concurrency = 1;
  readonly pureRules = true;
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

/** The rules provider's registration: offline, pure, no flags of its own (src/providers/index.ts registers it). */
export const rulesProvider: ProviderDefinition = {
  name: 'rules',
  description: 'offline',
  create: (ctx) => new RulesProvider(ctx.rules),
};
