import {sha256} from '../../core/hash.js';
import {CACHE_FORMAT} from './schema.js';

/**
 * Cache keys. A run fingerprint covers everything that shapes an answer but is the same for every
 * company (provider, API, model, prompt version, answer schema, request options, the rendered
 * instructions with the ICP rules); the key of a company is the hash of the fingerprint and its
 * normalised input. So a changed prompt, model, schema or icp_rules.yml never serves a stale answer.
 * Pure.
 */
export interface FingerprintParts {
  api: 'responses' | 'chat';
  model: string;
  promptVersion: string;
  /** The JSON schema sent to the API. */
  schema: unknown;
  /** Request options that change answers (tools, tool choice, output limit ...). */
  request: unknown;
  instructions: string;
}

export function runFingerprint(p: FingerprintParts): string {
  return sha256(
    JSON.stringify({
      format: CACHE_FORMAT,
      provider: 'openai',
      api: p.api,
      model: p.model,
      prompt_version: p.promptVersion,
      schema: p.schema,
      request: p.request,
      instructions: p.instructions,
    }),
  );
}

/** The cache key of one company: 64 hex digits. */
export function cacheKey(fingerprint: string, input: string): string {
  return sha256(`${fingerprint}\n${input}`);
}
