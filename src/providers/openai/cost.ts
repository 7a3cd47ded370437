import type {ModelPrice, OpenAiConfig} from '../../schemas/openai-config.js';
import type {Usage} from './schema.js';

/** Cost arithmetic of the OpenAI provider (prices in openai.yml); the budget is in llm/budget.ts. Pure. */

/** The price of a model: exact name, else the longest configured name the model starts with (dated snapshots). */
export function findPrice(model: string, prices: Readonly<Record<string, ModelPrice>>): ModelPrice | null {
  if (prices[model]) return prices[model];
  let best: string | null = null;
  for (const name of Object.keys(prices)) {
    if (model.startsWith(`${name}-`) && (best === null || name.length > best.length)) best = name;
  }
  return best === null ? null : prices[best];
}

/**
 * USD of one call: uncached input, cached input and output tokens at the model's rates per 1M tokens, plus
 * the web search tool calls. Cached tokens are part of input_tokens (as the API reports them).
 */
export function callCost(
  usage: Pick<Usage, 'input_tokens' | 'cached_input_tokens' | 'output_tokens'>,
  webSearchCalls: number,
  price: ModelPrice,
  searchPer1000: number,
): number {
  const cached = Math.min(usage.cached_input_tokens, usage.input_tokens);
  const uncached = usage.input_tokens - cached;
  return (uncached * price.input + cached * price.cached_input + usage.output_tokens * price.output) / 1e6 + (webSearchCalls * searchPer1000) / 1000;
}

/** USD of an average call from the configured estimates (for --dry-run and the first --max-cost check). */
export function estimatedCallCost(cfg: OpenAiConfig, price: ModelPrice, webSearch: boolean): number {
  const e = cfg.estimates;
  return callCost(
    {input_tokens: e.input_tokens, cached_input_tokens: e.cached_input_tokens, output_tokens: e.output_tokens},
    webSearch ? e.web_search_calls : 0,
    price,
    cfg.prices.web_search_per_1000_calls,
  );
}
