import {parseResetDuration} from './retry.js';

/**
 * Client-side rate limiting for the LLM providers (shared plumbing):
 * - --rpm: request starts are spaced at least 60000/rpm ms apart (no bursts that earn a 429);
 * - --tpm: a token bucket of `tpm` tokens refilled continuously; a request takes its estimated tokens
 *   and the difference to the real usage is settled when the answer arrives;
 * - the server's word: after a 429, or when x-ratelimit-remaining-requests / -tokens run out (OpenAI's headers; a provider
 *   whose server names them otherwise maps them in its attempt), every
 *   request waits until the reset time the server gives.
 * The decisions (`delayFor`, `take`, `observe`) are pure functions of the state and the time passed in;
 * `acquire` is the only part that waits, on the injected clock (tests drive a virtual one).
 */
export interface RateLimits {
  rpm?: number;
  tpm?: number;
}

interface HeaderLike {
  get(name: string): string | null;
}

/** The time and the timers of the rate limiter and the retries: the system's (systemClock), or a test's. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class RateLimiter {
  private nextStart = 0;
  private tokens: number;
  private tokensAt = 0;
  private pausedUntil = 0;
  /** How often a request had to wait (for the summary). */
  waits = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = limits.tpm ?? 0;
    this.tokensAt = clock.now();
  }

  private refill(now: number): void {
    const tpm = this.limits.tpm;
    if (!tpm) return;
    if (now > this.tokensAt) {
      this.tokens = Math.min(tpm, this.tokens + ((now - this.tokensAt) * tpm) / 60_000);
      this.tokensAt = now;
    }
  }

  /** Milliseconds to wait before a request of `estTokens` may start at time `now` (0 = go now). */
  delayFor(now: number, estTokens: number): number {
    let wait = Math.max(0, this.pausedUntil - now, this.nextStart - now);
    const tpm = this.limits.tpm;
    if (tpm) {
      this.refill(now);
      const need = Math.min(estTokens, tpm);
      if (this.tokens < need) wait = Math.max(wait, Math.ceil(((need - this.tokens) * 60_000) / tpm));
    }
    return wait;
  }

  /** Records the start of a request at `now` (call only when delayFor returned 0). */
  take(now: number, estTokens: number): void {
    if (this.limits.rpm) this.nextStart = Math.max(now, this.nextStart) + 60_000 / this.limits.rpm;
    if (this.limits.tpm) {
      this.refill(now);
      this.tokens -= Math.min(estTokens, this.limits.tpm);
    }
  }

  /** Settles a finished request: the bucket pays the difference between real and estimated tokens. */
  settle(estTokens: number, actualTokens: number): void {
    if (!this.limits.tpm) return;
    this.tokens -= actualTokens - Math.min(estTokens, this.limits.tpm);
  }

  /** Stops every request from starting before `until` (epoch ms). */
  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
  }

  /**
   * Reads x-ratelimit-remaining-/reset- headers: when the requests left reach 0, or the tokens left are
   * fewer than a request needs, pause until the reset time. Returns the pause in ms (0 if none).
   */
  observe(headers: HeaderLike | undefined, now: number, estTokens: number, maxPauseMs: number): number {
    if (!headers) return 0;
    let pause = 0;
    const remReq = headers.get('x-ratelimit-remaining-requests');
    if (remReq !== null && Number(remReq) <= 0) pause = Math.max(pause, parseResetDuration(headers.get('x-ratelimit-reset-requests')) ?? 0);
    const remTok = headers.get('x-ratelimit-remaining-tokens');
    if (remTok !== null && Number.isFinite(Number(remTok)) && Number(remTok) < estTokens) {
      pause = Math.max(pause, parseResetDuration(headers.get('x-ratelimit-reset-tokens')) ?? 0);
    }
    pause = Math.min(pause, maxPauseMs);
    if (pause > 0) this.pauseUntil(now + pause);
    return pause;
  }

  /** Waits until a request may start, then records its start. Rejects when `signal` aborts. */
  async acquire(estTokens: number, signal?: AbortSignal): Promise<void> {
    let waited = false;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      const d = this.delayFor(now, estTokens);
      if (d <= 0) {
        this.take(now, estTokens);
        if (waited) this.waits++;
        return;
      }
      waited = true;
      await this.clock.sleep(d, signal);
    }
  }
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}

/** The system's clock: Date.now and setTimeout. */
export const systemClock: Clock = {now: () => Date.now(), sleep};
