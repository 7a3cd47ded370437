import type {IcpRules} from '../schemas/icp-rules.js';
import {RulesProvider} from './rules.js';
import type {EnrichmentProvider} from './types.js';
import type {Reporter} from '../io/reporter.js';

export type ProviderChoice = 'auto' | 'rules' | 'openai';

/** auto = openai when OPENAI_API_KEY is set, else rules. */
export function chooseProvider(choice: ProviderChoice, env: NodeJS.ProcessEnv = process.env): 'rules' | 'openai' {
  if (choice === 'auto') return env.OPENAI_API_KEY ? 'openai' : 'rules';
  return choice;
}

export interface ProviderContext {
  rules: IcpRules;
  cacheDir: string;
  /** The command's parsed flags (the provider reads its own, e.g. --model, --concurrency). */
  flags: Record<string, unknown>;
  reporter: Reporter;
  /** The resolved config folder (the openai provider reads openai.yml there). */
  configDir?: string;
}

export async function createProvider(name: 'rules' | 'openai', ctx: ProviderContext): Promise<EnrichmentProvider> {
  if (name === 'rules') return new RulesProvider(ctx.rules);
  // Loaded on demand, so commands that never call OpenAI do not load the SDK.
  const {createOpenAiProvider} = await import('./openai/provider.js');
  return createOpenAiProvider(ctx);
}
