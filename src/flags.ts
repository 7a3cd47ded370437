import {Flags} from '@oclif/core';

/**
 * Flags of the enrich stage beyond the shared ones (the OpenAI provider's). `enrich` and `run` both
 * spread these, so the two never drift apart.
 */
export const enrichFlags = {
  'formula-guard': Flags.boolean({
    description: 'Write text cells that start with =, +, -, @, a tab or a carriage return (which spreadsheets would run as formulas) with a leading apostrophe, as OWASP advises; --no-formula-guard writes them as they are, for machine consumers.',
    default: true,
    allowNo: true,
    helpGroup: 'GLOBAL',
  }),
  shard: Flags.string({
    description: 'Only the companies whose key hashes into shard K of N, e.g. 2/8: the N shards together give the rows of an unsharded run.',
    helpGroup: 'ENRICHMENT',
  }),
  yes: Flags.boolean({
    char: 'y',
    description: 'Make the OpenAI calls without asking, even when their estimated cost is above confirm_above_usd (openai.yml).',
    default: false,
    helpGroup: 'OPENAI',
  }),
  model: Flags.string({
    description: 'OpenAI model. [default: default_model in openai.yml]',
    env: 'OPENAI_MODEL',
    helpGroup: 'OPENAI',
  }),
  api: Flags.string({
    description: 'responses: the Responses API with web search; chat: Chat Completions without search, for compatible servers (vLLM, Ollama, LM Studio).',
    options: ['responses', 'chat'],
    default: 'responses',
    helpGroup: 'OPENAI',
  }),
  concurrency: Flags.integer({
    description: 'Requests in flight at once.',
    default: 8,
    min: 1,
    max: 256,
    helpGroup: 'OPENAI',
  }),
  rpm: Flags.integer({
    description: "Most requests per minute, spaced evenly (the server's rate limits are honoured too).",
    min: 1,
    helpGroup: 'OPENAI',
  }),
  tpm: Flags.integer({
    description: 'Most tokens per minute (estimated before a call, settled with the real usage).',
    min: 1,
    helpGroup: 'OPENAI',
  }),
  timeout: Flags.custom<number>({
    description: 'Seconds a request may take before it is abandoned and retried.',
    default: 60,
    parse: async (input) => positiveNumber(input, 'timeout'),
    helpGroup: 'OPENAI',
  })(),
  'max-retries': Flags.integer({
    description: 'Retries of a transient failure (429, 5xx, timeout, bad or cut answer) before the company gets the rules answer.',
    default: 4,
    min: 0,
    max: 20,
    helpGroup: 'OPENAI',
  }),
  refresh: Flags.boolean({
    description: 'Ignore cached answers and ask again.',
    default: false,
    helpGroup: 'OPENAI',
  }),
  'max-cost': Flags.custom<number>({
    description: 'Spend at most this many USD (prices in openai.yml); the rest get the rules answer.',
    parse: async (input) => positiveNumber(input, 'max-cost', true),
    helpGroup: 'OPENAI',
  })(),
  'max-requests': Flags.integer({
    description: 'At most this many API requests (retries included); the rest get the rules answer.',
    min: 0,
    helpGroup: 'OPENAI',
  }),
  'dry-run': Flags.boolean({
    description: 'Print how many calls are needed (after the cache) and their estimated cost; call nothing, write nothing.',
    default: false,
    helpGroup: 'OPENAI',
  }),
  'retry-base-ms': Flags.integer({
    description: 'First retry backoff in ms (doubles per attempt). [default: retry.base_delay_ms in openai.yml]',
    min: 1,
    hidden: true,
    helpGroup: 'OPENAI',
  }),
};

function positiveNumber(input: string, flag: string, zeroOk = false): number {
  const n = Number(input);
  if (input.trim() === '' || !Number.isFinite(n) || n < 0 || (!zeroOk && n === 0)) {
    throw new Error(`Expected --${flag}=${input} to be a ${zeroOk ? 'non-negative' : 'positive'} number, e.g. --${flag} 2.5`);
  }
  return n;
}

/** The shared flags that mean nothing to deals, billing and unify (see BaseCommand.notApplicable). */
export const SIMULATION_NOT_APPLICABLE = {
  input: 'it reads <data-dir>/raw/companies.csv, not the export (`stedi-gtm enrich` or `stedi-gtm run` read it)',
  provider: 'it reads companies already enriched (`stedi-gtm enrich` or `stedi-gtm run` enrich them)',
  'cache-dir': 'it calls no enrichment provider',
} as const;

/**
 * Flags of the simulation stages (deals, billing, unify) beyond the shared ones. `deals`, `billing`,
 * `unify` and `run` spread these.
 */
export const simulationFlags = {
  'as-of': Flags.string({
    description: 'Snapshot date, YYYY-MM-DD: deals not closed by then are open, invoices stop there. billing and unify take the date of deals.csv (given, it must match). [default: simulation.as_of in deal_model.yml]',
    helpGroup: 'SIMULATION',
  }),
};
