// The config files and the zod schema each is validated with. A schema is imported only when a file has to be
// validated (one that is not a shipped file as precompiled, see loadYamlConfig in io/config.ts): this module
// imports no zod, so a command given the shipped config files never loads it.
import type {z} from 'zod';

export const CONFIG_SCHEMAS = {
  'deal_model.yml': () => import('./deal-model.js').then((m) => m.DealModelSchema),
  'icp_rules.yml': () => import('./icp-rules.js').then((m) => m.IcpRulesSchema),
  'previous_customers.yml': () => import('./icp-rules.js').then((m) => m.PreviousCustomersSchema),
  'openai.yml': () => import('./openai-config.js').then((m) => m.OpenAiConfigSchema),
  'ingest.yml': () => import('./ingest.js').then((m) => m.IngestConfigSchema),
} as const;

/** Every config file and its schema's import, for what handles them all (the precompiler and its test). */
export const CONFIG_FILES = Object.entries(CONFIG_SCHEMAS) as Array<[string, () => Promise<z.ZodType>]>;
