import {Flags} from '@oclif/core';

/**
 * Flags of the enrich stage beyond the shared ones (the OpenAI provider's). `enrich` and `run` both
 * spread these, so the two never drift apart.
 */
export const enrichFlags = {
  'formula-guard': Flags.boolean({
    description: 'Write text cells that start with =, +, -, @, a tab or a carriage return (which spreadsheets would run as formulas) with a leading apostrophe, as OWASP advises; --no-formula-guard writes them as they are, for machine consumers. Example: --no-formula-guard',
    default: true,
    allowNo: true,
    helpGroup: 'GLOBAL',
  }),
  shard: Flags.string({
    description: 'Process only the companies whose key hashes into shard K of N; the N shards together give exactly the rows of an unsharded run (spread a huge list over machines). Example: --shard 2/8',
    helpGroup: 'GLOBAL',
  }),
  model: Flags.string({
    description: 'OpenAI model for --provider openai. Example: --model gpt-4o-mini [default: OPENAI_MODEL, else default_model in config/openai.yml]',
    env: 'OPENAI_MODEL',
    helpGroup: 'OPENAI',
  }),
  api: Flags.string({
    description: 'responses = Responses API with web search (OpenAI); chat = Chat Completions with a JSON schema and no web search, for compatible servers without the Responses API (vLLM, Ollama, LM Studio). Example: --api chat',
    options: ['responses', 'chat'],
    default: 'responses',
    helpGroup: 'OPENAI',
  }),
  concurrency: Flags.integer({
    description: 'Requests in flight at once. Example: --concurrency 16',
    default: 8,
    min: 1,
    max: 256,
    helpGroup: 'OPENAI',
  }),
  rpm: Flags.integer({
    description: 'Most requests per minute (spaced evenly); the server\'s rate-limit headers are honoured as well. Example: --rpm 500',
    min: 1,
    helpGroup: 'OPENAI',
  }),
  tpm: Flags.integer({
    description: 'Most tokens per minute (estimated before a call, settled with the real usage). Example: --tpm 200000',
    min: 1,
    helpGroup: 'OPENAI',
  }),
  timeout: Flags.custom<number>({
    description: 'Seconds one request may take before it is abandoned and retried. Example: --timeout 30',
    default: 60,
    parse: async (input) => positiveNumber(input, 'timeout'),
    helpGroup: 'OPENAI',
  })(),
  'max-retries': Flags.integer({
    description: 'Retries per company after a transient failure (429, 5xx, timeout, invalid or incomplete answer) before it falls back to the rules answer. Example: --max-retries 2',
    default: 4,
    min: 0,
    max: 20,
    helpGroup: 'OPENAI',
  }),
  refresh: Flags.boolean({
    description: 'Ignore cached answers and ask again (the new answers replace the cached ones). Example: --refresh',
    default: false,
    helpGroup: 'OPENAI',
  }),
  'max-cost': Flags.custom<number>({
    description: 'Stop calling once the run would spend more than this many USD (prices in config/openai.yml); the remaining companies get the rules answer. Example: --max-cost 5',
    parse: async (input) => positiveNumber(input, 'max-cost', true),
    helpGroup: 'OPENAI',
  })(),
  'max-requests': Flags.integer({
    description: 'Stop calling after this many API requests (retries included); the remaining companies get the rules answer. Example: --max-requests 100',
    min: 0,
    helpGroup: 'OPENAI',
  }),
  'dry-run': Flags.boolean({
    description: 'Print how many companies need a call (after the cache) and roughly what they would cost; call nothing, write nothing. Example: --dry-run',
    default: false,
    helpGroup: 'OPENAI',
  }),
  'retry-base-ms': Flags.integer({
    description: 'First retry backoff in ms (doubles per attempt). Example: --retry-base-ms 100 [default: retry.base_delay_ms in config/openai.yml]',
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
    description: 'Snapshot date (YYYY-MM-DD, a real date not before simulation.window_start): deals not closed by then are open, invoices stop there. billing and unify use the date deals.csv was made with; given there, it must match. Example: --as-of 2025-06-30 [default: simulation.as_of in deal_model.yml]',
    helpGroup: 'SIMULATION',
  }),
};
