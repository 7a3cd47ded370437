import {z} from './zod.js';

const usd = z.number().min(0);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

const modelPrice = z.strictObject({
  input: usd.describe('USD per 1M input tokens (web search content tokens count as input).'),
  cached_input: usd.describe('USD per 1M cached input tokens.'),
  output: usd.describe('USD per 1M output tokens (reasoning tokens count as output).'),
});
export type ModelPrice = z.infer<typeof modelPrice>;

/** config/openai.yml: the OpenAI provider's model, prices, estimates, request shape, retries and grounding. */
export const OpenAiConfigSchema = z
  .strictObject({
    version: z.literal(1).describe('Schema version of this file.'),
    default_model: z.string().min(1).describe('Model used when neither --model nor OPENAI_MODEL is given.'),
    confirm_above_usd: z
      .number()
      .min(0)
      .default(5)
      .describe(
        'A run whose OpenAI calls are estimated to cost more than this (USD) asks before the first call on a terminal, and elsewhere stops (exit 2) unless --max-cost or --yes is given.',
      ),
    prices: z.strictObject({
      as_of: isoDate.describe('Date the prices were copied from the price page (they change often).'),
      currency: z.literal('USD'),
      source: z.string().describe('Where the prices come from.'),
      web_search_per_1000_calls: usd.describe('USD per 1,000 web search tool calls.'),
      models: z
        .record(z.string().min(1), modelPrice)
        .describe('Prices per model; a dated model name (gpt-4.1-mini-2025-04-14) uses the longest matching prefix.'),
    }),
    estimates: z.strictObject({
      input_tokens: z
        .number()
        .int()
        .min(0)
        .describe('Average input tokens per call (prompt + search content), for --dry-run and the first --max-cost check.'),
      cached_input_tokens: z.number().int().min(0).describe('Average cached input tokens per call (part of input_tokens).'),
      output_tokens: z.number().int().min(0).describe('Average output tokens per call.'),
      web_search_calls: z.number().min(0).describe('Average web searches per call (Responses API only).'),
    }),
    request: z.strictObject({
      max_output_tokens: z.number().int().min(256).describe('Upper bound on output tokens per call; a response cut by it is incomplete and retried.'),
      search_context_size: z
        .enum(['low', 'medium', 'high'])
        .describe('How much search content the web_search tool feeds the model (more costs more input tokens).'),
      tool_choice: z.enum(['auto', 'required']).describe('auto: the model decides whether to search; required: at least one search per company.'),
      max_tool_calls: z.number().int().min(1).nullable().describe('Most tool calls (searches) per response; null = no limit.'),
    }),
    retry: z.strictObject({
      base_delay_ms: z.number().int().min(1).describe('First backoff delay; doubles per attempt (with jitter) when the server gives no retry-after.'),
      max_delay_ms: z.number().int().min(1).describe('Longest backoff delay.'),
      max_retry_after_s: z.number().min(0).describe('Longest retry-after honoured; longer values are cut to this.'),
      max_failed_in_a_row: z
        .number()
        .int()
        .min(0)
        .default(10)
        .describe(
          'Companies in a row that get no answer (their retries used up, or a 4xx), with no answer in between, stop the run with exit 1: the API is down, unreachable or refuses every request. 0: never stop (each such company gets the rules answer).',
        ),
    }),
    grounding: z.strictObject({
      ungrounded_confidence_cap: z
        .number()
        .min(0)
        .max(1)
        .describe('techstack_confidence is at most this when a technology flag is set without a grounded (search-returned) URL.'),
      max_evidence: z.number().int().min(1).max(50).describe('Most URLs kept in techstack_evidence.'),
    }),
  })
  .describe('Settings of the OpenAI enrichment provider.');

export type OpenAiConfig = z.infer<typeof OpenAiConfigSchema>;
