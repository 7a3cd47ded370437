import {DEFAULT_CONFIG_DIR, DEFAULT_INPUT} from './io/paths.js';

/**
 * The flags' defaults, in one place: the flag definitions (src/base-command.ts, src/providers/llm/flags.ts,
 * src/providers/openai/index.ts) take them from here, and so does whatever else needs one (the hints that
 * repeat a --data-dir that is not the default, a provider resolving flags it was not given, the scripts).
 * Defaults that come from a config file (--as-of, --model, --retry-base-ms) are named in the flag's
 * description instead, and read from the config.
 */
export const FLAG_DEFAULTS = {
  seed: 42,
  input: DEFAULT_INPUT,
  dataDir: 'data',
  configDir: DEFAULT_CONFIG_DIR,
  provider: 'auto',
  // The LLM providers' flags.
  concurrency: 8,
  timeoutSeconds: 60,
  maxRetries: 4,
  // The OpenAI provider's.
  api: 'responses',
} as const;
