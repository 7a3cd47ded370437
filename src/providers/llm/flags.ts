import {Flags} from '@oclif/core';
import {FLAG_DEFAULTS} from '../../defaults.js';

/**
 * The flags of the shared LLM plumbing (concurrency, rate limits, timeout, retries, cache, budget): an LLM
 * provider registers these very definitions (a flag two providers register must be the same object), so
 * `--concurrency` means the same for every one of them. They are listed under OPENAI FLAGS in --help while
 * OpenAI is the only LLM provider; with a second one, LLM_HELP_GROUP becomes 'LLM'.
 */
export const LLM_HELP_GROUP = 'OPENAI';

export const llmFlags = {
  concurrency: Flags.integer({
    description: 'Requests in flight at once.',
    default: FLAG_DEFAULTS.concurrency,
    min: 1,
    max: 256,
    helpGroup: LLM_HELP_GROUP,
  }),
  rpm: Flags.integer({
    description: "Most requests per minute, spaced evenly (the server's rate limits are honoured too).",
    min: 1,
    helpGroup: LLM_HELP_GROUP,
  }),
  tpm: Flags.integer({
    description: 'Most tokens per minute (estimated before a call, settled with the real usage).',
    min: 1,
    helpGroup: LLM_HELP_GROUP,
  }),
  timeout: Flags.custom<number>({
    description: 'Seconds a request may take before it is abandoned and retried.',
    default: FLAG_DEFAULTS.timeoutSeconds,
    parse: async (input) => positiveNumber(input, 'timeout'),
    helpGroup: LLM_HELP_GROUP,
  })(),
  'max-retries': Flags.integer({
    description: 'Retries of a transient failure (429, 5xx, timeout, bad or cut answer) before the company gets the rules answer.',
    default: FLAG_DEFAULTS.maxRetries,
    min: 0,
    max: 20,
    helpGroup: LLM_HELP_GROUP,
  }),
  refresh: Flags.boolean({
    description: 'Ignore cached answers and ask again.',
    default: false,
    helpGroup: LLM_HELP_GROUP,
  }),
  'max-cost': Flags.custom<number>({
    description: 'Spend at most this many USD (prices in openai.yml); the rest get the rules answer.',
    parse: async (input) => positiveNumber(input, 'max-cost', true),
    helpGroup: LLM_HELP_GROUP,
  })(),
  'max-requests': Flags.integer({
    description: 'At most this many API requests (retries included); the rest get the rules answer.',
    min: 0,
    helpGroup: LLM_HELP_GROUP,
  }),
  'retry-base-ms': Flags.integer({
    description: 'First retry backoff in ms (doubles per attempt). [default: retry.base_delay_ms in openai.yml]',
    min: 1,
    hidden: true,
    helpGroup: LLM_HELP_GROUP,
  }),
};

function positiveNumber(input: string, flag: string, zeroOk = false): number {
  const n = Number(input);
  if (input.trim() === '' || !Number.isFinite(n) || n < 0 || (!zeroOk && n === 0)) {
    throw new Error(`Expected --${flag}=${input} to be a ${zeroOk ? 'non-negative' : 'positive'} number, e.g. --${flag} 2.5`);
  }
  return n;
}
