import {Flags} from '@oclif/core';
import {FLAG_DEFAULTS} from '../../defaults.js';
import {llmFlags} from '../llm/flags.js';
import type {ProviderDefinition} from '../registry.js';

/** The OpenAI provider's registration (src/providers/index.ts registers it). Its code loads only when it is used. */
export const openaiProvider: ProviderDefinition = {
  name: 'openai',
  description: 'paid calls',
  flags: {
    model: Flags.string({
      description: 'OpenAI model. [default: default_model in openai.yml]',
      env: 'OPENAI_MODEL',
      helpGroup: 'OPENAI',
    }),
    api: Flags.string({
      description:
        'responses: the Responses API with web search; chat: Chat Completions without search, for compatible servers (vLLM, Ollama, LM Studio).',
      options: ['responses', 'chat'],
      default: FLAG_DEFAULTS.api,
      helpGroup: 'OPENAI',
    }),
    ...llmFlags,
  },
  sources: {rules_fallback: 'OpenAI failed for this company'},
  auto: {when: (env) => Boolean(env.OPENAI_API_KEY), because: 'OPENAI_API_KEY is set', otherwise: 'no OPENAI_API_KEY set'},
  usesCache: true,
  async create(ctx) {
    // Loaded on demand, so commands that never call OpenAI do not load the SDK.
    const {createOpenAiProvider} = await import('./provider.js');
    return createOpenAiProvider(ctx);
  },
};
