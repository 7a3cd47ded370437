/**
 * The retry policy of the LLM providers (shared plumbing): what a failed attempt leads to, how long to wait
 * before the next one (the server's retry-after, else exponential backoff with jitter), and the errors every
 * provider's attempt may end with. Pure.
 *
 * Why our own retries and not the SDK's (`maxRetries` of the openai SDK, read in node_modules/openai/client.js,
 * makeRequest / shouldRetry / retryRequest): the SDK retries 408, 409, 429, 5xx and connection errors inside
 * one `create` call, sleeping with its own setTimeout. That breaks what the README documents and the tests
 * check:
 * - `--max-requests` counts every request, retries included, and `--max-cost` is checked before each one:
 *   the SDK's retries happen inside one call, unseen and uncounted (no hook between attempts);
 * - a 429 pauses every request (the rate limiter's pauseUntil), not only the one that got it: the SDK
 *   waits per request, so the other requests in flight keep hitting the limit;
 * - `insufficient_quota` (a 429) is fatal at once: the SDK retries it like any 429 unless the server sends
 *   `x-should-retry: false`, spending the remaining retries of every request in flight first;
 * - the waits run on the injected Clock (tests drive a virtual one; the run's shutdown signal ends them);
 * - invalid JSON, a schema mismatch and an incomplete answer are retried too, which the SDK does not do
 *   (it sees a 200).
 * So the SDK is created with maxRetries 0 and every attempt goes through the loop in llm/engine.ts.
 */

/**
 * What to do after a failed attempt: retry (transient), fail this company (fall back to rules), or stop
 * the run (fatal: bad key, no permission, no quota, no such model).
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

export interface HeaderLike {
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
export function retryDelayMs(
  retryAfter: number | null,
  attempt: number,
  opts: {baseMs: number; maxMs: number; maxRetryAfterMs: number},
  rand: number,
): number {
  if (retryAfter !== null) return Math.min(retryAfter, opts.maxRetryAfterMs);
  return backoffMs(attempt, opts.baseMs, opts.maxMs, rand);
}

/** A message on one line, at most `max` characters. */
export const oneLine = (s: string, max = 240) => {
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
