import {APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, ContentFilterFinishReasonError, LengthFinishReasonError} from 'openai/core/error';
import {z} from '../../schemas/zod.js';

/**
 * What to do after a failed attempt: retry (transient), fail this company (fall back to rules), or stop
 * the run (fatal: bad key, no permission, no quota, no such model). The functions here are pure apart from
 * reading the error object.
 */
export type Outcome =
  | {kind: 'retry'; reason: string; retryAfterMs: number | null; rateLimited: boolean}
  | {kind: 'fail'; reason: string}
  | {kind: 'fatal'; message: string}
  | {kind: 'aborted'};

/** The attempt ran over --timeout (our own deadline covers the whole request, body included). */
export class AttemptTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`timeout after ${seconds} s`);
    this.name = 'AttemptTimeoutError';
  }
}

/** The response arrived but holds no usable answer. */
export class OutputError extends Error {
  constructor(
    readonly kind: 'incomplete' | 'refusal' | 'empty' | 'content_filter',
    detail: string,
  ) {
    super(detail);
    this.name = 'OutputError';
  }
}

interface HeaderLike {
  get(name: string): string | null;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const DURATION_ALL = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const TRY_AGAIN = /try again in (\d+(?:\.\d+)?)\s*(ms|s)\b/i;

/** Go-style durations of the x-ratelimit-reset-* headers: `1s`, `6m0s`, `20ms`, `1h2m3.5s`. Null if unreadable. */
export function parseResetDuration(text: string | null | undefined): number | null {
  if (!text) return null;
  const t = text.trim();
  if (!DURATION_ALL.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(DURATION_PART)) {
    const n = Number(m[1]);
    ms += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return ms;
}

/**
 * How long the server asks us to wait: `retry-after-ms`, then `retry-after` (seconds or an HTTP date),
 * then "Please try again in 644ms" in the message of a 429. Null when it says nothing.
 */
export function retryAfterMs(headers: HeaderLike | undefined, nowMs: number, message = ''): number | null {
  const ms = headers?.get('retry-after-ms');
  if (ms != null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers?.get('retry-after');
  if (ra != null && ra.trim() !== '') {
    const secs = Number(ra);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const date = Date.parse(ra);
    if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  }
  const m = TRY_AGAIN.exec(message);
  if (m) return Number(m[1]) * (m[2].toLowerCase() === 'ms' ? 1 : 1000);
  return null;
}

/** Exponential backoff with jitter: min(max, base * 2^attempt), minus up to 25 % (rand in [0, 1)). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, rand: number): number {
  const d = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(d * (1 - 0.25 * rand));
}

/** The wait before the next attempt: the server's retry-after (capped) when given, else backoff. */
export function retryDelayMs(retryAfter: number | null, attempt: number, opts: {baseMs: number; maxMs: number; maxRetryAfterMs: number}, rand: number): number {
  if (retryAfter !== null) return Math.min(retryAfter, opts.maxRetryAfterMs);
  return backoffMs(attempt, opts.baseMs, opts.maxMs, rand);
}

const oneLine = (s: string, max = 240) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A connection that broke while the response body was being read (undici throws `TypeError: terminated`
 * with the socket error as its cause): transient like any connection error.
 */
export function isNetworkError(err: unknown): boolean {
  // Duck-typed: fetch errors come from Node's own realm, where `instanceof TypeError` may not hold.
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as {cause?: unknown}).cause, depth++) {
    const {code, name, message} = e as {code?: unknown; name?: unknown; message?: unknown};
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR'))) return true;
    if (name === 'TypeError' && (message === 'terminated' || message === 'fetch failed')) return true;
  }
  return false;
}

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
  if (err instanceof APIUserAbortError) return ctx.shuttingDown ? {kind: 'aborted'} : {kind: 'retry', reason: 'request aborted', retryAfterMs: null, rateLimited: false};
  if (err instanceof APIConnectionTimeoutError) return {kind: 'retry', reason: 'timeout', retryAfterMs: null, rateLimited: false};
  if (err instanceof APIConnectionError) {
    const cause = (err as {cause?: unknown}).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return {kind: 'retry', reason: oneLine(`connection error${detail}`), retryAfterMs: null, rateLimited: false};
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const serverMsg = oneLine((err.error as {message?: unknown} | undefined)?.message ? String((err.error as {message: unknown}).message) : err.message);
    const where = `HTTP ${status}${err.code ? ` ${err.code}` : ''}`;
    if (status === 401) {
      return {kind: 'fatal', message: `OpenAI rejected the API key (${where}: ${serverMsg}). Check OPENAI_API_KEY (and OPENAI_BASE_URL).`};
    }
    if (status === 403) {
      return {kind: 'fatal', message: `OpenAI denied access (${where}: ${serverMsg}). The key has no permission for model ${ctx.model} or this endpoint.`};
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
      return {kind: 'retry', reason: `${where}: ${serverMsg}`, retryAfterMs: retryAfterMs(err.headers, ctx.nowMs, serverMsg), rateLimited: status === 429};
    }
    if (shouldRetry === 'true') return {kind: 'retry', reason: `${where}: ${serverMsg}`, retryAfterMs: retryAfterMs(err.headers, ctx.nowMs, serverMsg), rateLimited: false};
    return {kind: 'fail', reason: `${where}: ${serverMsg}`};
  }
  if (isNetworkError(err)) return {kind: 'retry', reason: 'connection lost while reading the response', retryAfterMs: null, rateLimited: false};
  if (err instanceof SyntaxError) return {kind: 'retry', reason: 'invalid JSON in the answer', retryAfterMs: null, rateLimited: false};
  if (err instanceof z.ZodError) {
    const i = err.issues[0];
    return {kind: 'retry', reason: oneLine(`answer does not match the schema (${i ? `${i.path.join('.') || 'top level'}: ${i.message}` : 'invalid'})`), retryAfterMs: null, rateLimited: false};
  }
  if (err instanceof LengthFinishReasonError) return {kind: 'retry', reason: 'incomplete answer (finish_reason length)', retryAfterMs: null, rateLimited: false};
  if (err instanceof ContentFilterFinishReasonError) return {kind: 'fail', reason: 'answer withheld by the content filter'};
  if (err instanceof OutputError) {
    if (err.kind === 'refusal') return {kind: 'fail', reason: oneLine(`the model refused: ${err.message}`)};
    if (err.kind === 'content_filter') return {kind: 'fail', reason: oneLine(err.message)};
    return {kind: 'retry', reason: oneLine(err.message), retryAfterMs: null, rateLimited: false};
  }
  const msg = typeof (err as {message?: unknown})?.message === 'string' ? (err as {message: string}).message : String(err);
  return {kind: 'fail', reason: oneLine(`unexpected error: ${msg}`)};
}
