import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  ContentFilterFinishReasonError,
  LengthFinishReasonError,
} from 'openai/core/error';
import {z} from '../../schemas/zod.js';
import {AttemptTimeoutError, isNetworkError, oneLine, OutputError, retryAfterMs, type Outcome} from '../llm/retry.js';

/**
 * How the OpenAI provider classifies a failed attempt for the shared retry policy (src/providers/llm/retry.ts):
 * the openai SDK's error classes and the API's status codes. Pure apart from reading the error object.
 */

export interface ClassifyContext {
  model: string;
  api: 'responses' | 'chat';
  nowMs: number;
  /** Whether the run is shutting down (an abort is then expected, not a failure). */
  shuttingDown: boolean;
}

/** Whether an API error is the (fatal) insufficient_quota kind of 429. */
function isQuota(e: APIError): boolean {
  return e.code === 'insufficient_quota' || e.type === 'insufficient_quota';
}

/**
 * Classifies a failed attempt. The messages are not yet redacted (the caller redacts every message).
 */
export function classifyError(err: unknown, ctx: ClassifyContext): Outcome {
  if (err instanceof AttemptTimeoutError) return {kind: 'retry', reason: err.message, retryAfterMs: null, rateLimited: false};
  if (err instanceof APIUserAbortError)
    return ctx.shuttingDown ? {kind: 'aborted'} : {kind: 'retry', reason: 'request aborted', retryAfterMs: null, rateLimited: false};
  if (err instanceof APIConnectionTimeoutError) return {kind: 'retry', reason: 'timeout', retryAfterMs: null, rateLimited: false};
  if (err instanceof APIConnectionError) {
    const cause = (err as {cause?: unknown}).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return {kind: 'retry', reason: oneLine(`connection error${detail}`), retryAfterMs: null, rateLimited: false};
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const serverMsg = oneLine(
      (err.error as {message?: unknown} | undefined)?.message ? String((err.error as {message: unknown}).message) : err.message,
    );
    const where = `HTTP ${status}${err.code ? ` ${err.code}` : ''}`;
    if (status === 401) {
      return {kind: 'fatal', message: `OpenAI rejected the API key (${where}: ${serverMsg}). Check OPENAI_API_KEY (and OPENAI_BASE_URL).`};
    }
    if (status === 403) {
      return {
        kind: 'fatal',
        message: `OpenAI denied access (${where}: ${serverMsg}). The key has no permission for model ${ctx.model} or this endpoint.`,
      };
    }
    if (status === 429 && isQuota(err)) {
      return {kind: 'fatal', message: `OpenAI quota exhausted (${where}: ${serverMsg}). Add credit or raise the usage limit, then run again.`};
    }
    if (status === 404) {
      const hint = ctx.api === 'responses' ? ' For servers without the Responses API use --api chat.' : '';
      return {kind: 'fatal', message: `OpenAI says not found (${where}: ${serverMsg}). Check --model (${ctx.model}) and OPENAI_BASE_URL.${hint}`};
    }
    const shouldRetry = err.headers?.get('x-should-retry');
    const transient = status === 408 || status === 409 || status === 429 || status >= 500;
    if (transient && shouldRetry !== 'false') {
      return {
        kind: 'retry',
        reason: `${where}: ${serverMsg}`,
        retryAfterMs: retryAfterMs(err.headers, ctx.nowMs, serverMsg),
        rateLimited: status === 429,
      };
    }
    if (shouldRetry === 'true')
      return {kind: 'retry', reason: `${where}: ${serverMsg}`, retryAfterMs: retryAfterMs(err.headers, ctx.nowMs, serverMsg), rateLimited: false};
    return {kind: 'fail', reason: `${where}: ${serverMsg}`};
  }
  if (isNetworkError(err)) return {kind: 'retry', reason: 'connection lost while reading the response', retryAfterMs: null, rateLimited: false};
  if (err instanceof SyntaxError) return {kind: 'retry', reason: 'invalid JSON in the answer', retryAfterMs: null, rateLimited: false};
  if (err instanceof z.ZodError) {
    const i = err.issues[0];
    return {
      kind: 'retry',
      reason: oneLine(`answer does not match the schema (${i ? `${i.path.join('.') || 'top level'}: ${i.message}` : 'invalid'})`),
      retryAfterMs: null,
      rateLimited: false,
    };
  }
  if (err instanceof LengthFinishReasonError)
    return {kind: 'retry', reason: 'incomplete answer (finish_reason length)', retryAfterMs: null, rateLimited: false};
  if (err instanceof ContentFilterFinishReasonError) return {kind: 'fail', reason: 'answer withheld by the content filter'};
  if (err instanceof OutputError) {
    if (err.kind === 'refusal') return {kind: 'fail', reason: oneLine(`the model refused: ${err.message}`)};
    if (err.kind === 'content_filter') return {kind: 'fail', reason: oneLine(err.message)};
    return {kind: 'retry', reason: oneLine(err.message), retryAfterMs: null, rateLimited: false};
  }
  const msg = typeof (err as {message?: unknown})?.message === 'string' ? (err as {message: string}).message : String(err);
  return {kind: 'fail', reason: oneLine(`unexpected error: ${msg}`)};
}
