import {openaiProvider} from './openai/index.js';
import {registerProvider} from './registry.js';
import {rulesProvider} from './rules.js';

/**
 * The built-in enrichment providers, registered in this order (the first one is what --provider auto falls
 * back to; enrichment_source lists them in this order). A new provider adds one line here; see
 * docs/architecture.md.
 */
registerProvider(rulesProvider);
registerProvider(openaiProvider);

export * from './registry.js';
