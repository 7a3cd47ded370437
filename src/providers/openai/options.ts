import {UserError} from '../../errors.js';
import type {OpenAiConfig} from '../../schemas/openai-config.js';
import type {Api} from './client.js';
import {findPrice} from './cost.js';
import {FLAG_DEFAULTS as DEFAULTS} from '../../defaults.js';

/** The OpenAI provider's settings after flags, environment and config/openai.yml are combined. */
export interface OpenAiOptions {
  apiKey?: string;
  baseURL?: string;
  model: string;
  api: Api;
  concurrency: number;
  rpm?: number;
  tpm?: number;
  timeoutMs: number;
  maxRetries: number;
  refresh: boolean;
  maxCost?: number;
  maxRequests?: number;
  dryRun: boolean;
  retry: {baseMs: number; maxMs: number; maxRetryAfterMs: number; maxFailedInARow: number};
}

const str = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined);
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/**
 * Combines the parsed flags (--model, --api, --concurrency, ...), the environment (OPENAI_API_KEY,
 * OPENAI_MODEL, OPENAI_BASE_URL) and config/openai.yml. Flags win over the environment, the environment
 * over the config. Pure (the environment is passed in).
 */
export function resolveOptions(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, cfg: OpenAiConfig): OpenAiOptions {
  const api = (str(flags.api) ?? DEFAULTS.api) as Api;
  if (api !== 'responses' && api !== 'chat') throw new UserError(`--api must be responses or chat, not ${JSON.stringify(api)}`);
  const model = str(flags.model) ?? str(env.OPENAI_MODEL) ?? cfg.default_model;
  const opts: OpenAiOptions = {
    apiKey: str(env.OPENAI_API_KEY),
    baseURL: str(env.OPENAI_BASE_URL),
    model,
    api,
    concurrency: num(flags.concurrency) ?? DEFAULTS.concurrency,
    rpm: num(flags.rpm),
    tpm: num(flags.tpm),
    timeoutMs: Math.round((num(flags.timeout) ?? DEFAULTS.timeoutSeconds) * 1000),
    maxRetries: num(flags['max-retries']) ?? DEFAULTS.maxRetries,
    refresh: flags.refresh === true,
    maxCost: num(flags['max-cost']),
    maxRequests: num(flags['max-requests']),
    dryRun: flags['dry-run'] === true,
    retry: {
      baseMs: num(flags['retry-base-ms']) ?? cfg.retry.base_delay_ms,
      maxMs: cfg.retry.max_delay_ms,
      maxRetryAfterMs: cfg.retry.max_retry_after_s * 1000,
      maxFailedInARow: cfg.retry.max_failed_in_a_row,
    },
  };
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
    throw new UserError(`--concurrency must be a whole number of at least 1, not ${opts.concurrency}`);
  if (opts.timeoutMs <= 0) throw new UserError('--timeout must be more than 0 seconds');
  if (opts.maxCost !== undefined && opts.maxCost < 0) throw new UserError('--max-cost must be 0 or more (USD)');
  if (opts.maxCost !== undefined && !findPrice(model, cfg.prices.models)) {
    throw new UserError(
      `--max-cost needs the price of model ${model}, which config/openai.yml (prices.models) does not list. ` +
        `Add it there (USD per 1M input, cached input and output tokens) or drop --max-cost.`,
    );
  }
  if (!opts.dryRun && !opts.apiKey && !opts.baseURL) {
    throw new UserError(
      'the openai provider needs OPENAI_API_KEY (in the environment or in .env; see .env.example). Use --provider rules to enrich offline.',
    );
  }
  return opts;
}
