import type {ModelPrice, OpenAiConfig} from '../../schemas/openai-config.js';
import type {Usage} from './schema.js';

/** Cost arithmetic for the OpenAI provider. Pure. */

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
export function callCost(usage: Pick<Usage, 'input_tokens' | 'cached_input_tokens' | 'output_tokens'>, webSearchCalls: number, price: ModelPrice, searchPer1000: number): number {
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

/** Rounds USD to 6 decimals (a millionth of a dollar) for summaries, so float noise never shows. */
export const roundUsd = (x: number) => Math.round(x * 1e6) / 1e6;

/** Money as everywhere else (small running costs to the cent, or to 4 decimals under a cent). */
export {formatUsd} from '../../core/format.js';

/**
 * Whether a run's paid calls may start without asking: yes when their estimated cost is within the
 * threshold, unknown (the model has no price), or bounded by --max-cost, or when --yes was given.
 */
export function paidCallsNeedConfirmation(estimateUsd: number | null, thresholdUsd: number, flags: {yes?: boolean; maxCost?: number}): boolean {
  if (flags.yes || flags.maxCost !== undefined || estimateUsd === null) return false;
  return estimateUsd > thresholdUsd;
}

export interface BudgetState {
  /** USD spent so far by finished requests. */
  spent: number;
  /** USD reserved by requests in flight (their estimate). */
  reserved: number;
  /** Requests sent so far (every attempt, retries included). */
  requests: number;
}

export interface BudgetLimits {
  maxCost?: number;
  maxRequests?: number;
}

/**
 * Whether one more request may start: under --max-requests the count of requests sent, under --max-cost
 * the spend so far plus what the requests in flight and this one are expected to cost must stay within
 * the limit. Returns the limit that stops it, or null.
 */
export function budgetStop(state: BudgetState, limits: BudgetLimits, estimate: number): 'max-requests' | 'max-cost' | null {
  if (limits.maxRequests !== undefined && state.requests >= limits.maxRequests) return 'max-requests';
  if (limits.maxCost !== undefined && state.spent + state.reserved + estimate > limits.maxCost + 1e-12) return 'max-cost';
  return null;
}
