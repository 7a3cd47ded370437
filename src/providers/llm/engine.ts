import {createRulesEnricher, type RulesEnricher} from '../../core/rules/provider.js';
import {FatalError} from '../../errors.js';
import type {EnrichCache} from '../../io/enrich-cache.js';
import type {Reporter} from '../../io/reporter.js';
import {formatUsd} from '../../core/format.js';
import type {CompanyBase, Enrichment} from '../../schemas/companies.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import {budgetStop} from './budget.js';
import {RateLimiter, systemClock, type Clock} from './rate-limiter.js';
import {redact} from './redact.js';
import {retryDelayMs, type HeaderLike, type Outcome} from './retry.js';

/**
 * The shared plumbing of the LLM providers: the per-company answer cache, the budget (--max-cost,
 * --max-requests), the concurrency count, the rate limiter, the retry loop (see retry.ts for why it is ours
 * and not the SDK's), the stop after retry.max_failed_in_a_row companies without an answer, the fallback
 * to the rules answer (enrichment_source rules_fallback) and the fatal stop. A provider (e.g. OpenAiProvider)
 * supplies an LlmBackend: one attempt at one request, the classification of its failures and a few
 * estimates and messages; it turns cache entries into enrichments itself.
 */

/** The settings of the plumbing, from the shared LLM flags (llm/flags.ts) and the provider's config. */
export interface LlmSettings {
  concurrency: number;
  rpm?: number;
  tpm?: number;
  maxRetries: number;
  refresh: boolean;
  maxCost?: number;
  maxRequests?: number;
  retry: {baseMs: number; maxMs: number; maxRetryAfterMs: number; maxFailedInARow: number};
}

/** What one attempt came to. It never throws: a failure carries its error, classified by LlmBackend.classify. */
export type Attempt<E> = ({ok: true; entry: E} | {ok: false; error: unknown}) & {
  /** Tokens (input + output) of a response that arrived, billed even when unusable; null when none arrived. */
  tokens: number | null;
  /** USD of that response; null when none arrived or the model has no price. */
  costUsd: number | null;
  headers?: HeaderLike;
};

export interface LlmBackend<Q, E> {
  /** Makes one attempt (the signal aborts it when the run stops). */
  attempt(request: Q, signal: AbortSignal): Promise<Attempt<E>>;
  /** What a failed attempt leads to; messages unredacted (the engine redacts). */
  classify(error: unknown, ctx: {nowMs: number; shuttingDown: boolean}): Outcome;
  /** USD of a call before any was billed (0 when the model has no price: the cost is then not tracked). */
  firstCostEstimate(): number;
  /** Tokens of a call before any response arrived (for --tpm). */
  firstTokenEstimate(): number;
  /** The fatal message after `count` companies in a row got no answer (the last for `reason`). */
  downMessage(count: number, reason: string): string;
}

/** Why one company could not be answered. */
type Answered<E> = {entry: E} | {fallback: string; budget?: boolean};

const MAX_WARNINGS = 5;

export class LlmEngine<Q, E> {
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  readonly n = {
    companies: 0,
    cache_hits: 0,
    cache_corrupt: 0,
    api_answers: 0,
    requests: 0,
    retries: 0,
    rate_limited: 0,
    fallbacks: 0,
    fallbacks_budget: 0,
    in_flight: 0,
    max_in_flight: 0,
  };
  /** USD spent by finished requests. */
  spent = 0;
  private reserved = 0;
  /** Priced responses that arrived (their cost is the basis of the per-call estimate). */
  private billed = 0;
  /** Responses that arrived, and their tokens (the basis of the --tpm estimate). */
  private responded = 0;
  private respondedTokens = 0;
  private readonly shutdown = new AbortController();
  private readonly rules: RulesEnricher;
  private fatal?: FatalError;
  private budgetHit?: string;
  private warned = {fallback: 0, corrupt: 0};
  /** Companies in a row, in the order their calls ended, that got no answer (see retry.max_failed_in_a_row). */
  private failedInARow = 0;

  constructor(
    private readonly o: {
      /** The provider's name, in warnings ("openai failed for ..."). */
      name: string;
      settings: LlmSettings;
      cache: EnrichCache<E>;
      /** Whether a cache entry answers under the current settings (model, prompt ...); else it is asked again. */
      matches(entry: E): boolean;
      backend: LlmBackend<Q, E>;
      rules: IcpRules;
      reporter: Reporter;
      clock?: Clock;
      /** Texts never shown in a message (the API key). */
      secrets: ReadonlyArray<string | undefined>;
    },
  ) {
    this.clock = o.clock ?? systemClock;
    this.rules = createRulesEnricher(o.rules);
    this.limiter = new RateLimiter({rpm: o.settings.rpm, tpm: o.settings.tpm}, this.clock);
  }

  get cacheDir(): string {
    return this.o.cache.dir;
  }

  get budgetReached(): boolean {
    return this.budgetHit !== undefined;
  }

  secret(text: string): string {
    return redact(text, this.o.secrets);
  }

  /** Reads the cache entry of a key: the entry, null on a miss, or null after reporting a corrupt one. */
  lookup(key: string, report: boolean): {entry: E | null; corrupt: boolean} {
    const r = this.o.cache.read(key);
    if (r.status === 'hit' && this.o.matches(r.entry)) return {entry: r.entry, corrupt: false};
    if (r.status === 'miss') return {entry: null, corrupt: false};
    const reason = r.status === 'corrupt' ? r.reason : 'entry is for another model or prompt';
    if (report) {
      this.n.cache_corrupt++;
      if (this.warned.corrupt++ < MAX_WARNINGS) this.o.reporter.warn(`corrupt cache entry ${this.o.cache.pathFor(key)} (${reason}): asking again`);
      else if (this.warned.corrupt === MAX_WARNINGS + 1) this.o.reporter.warn('more corrupt cache entries: counted in the summary (cache_corrupt)');
    }
    return {entry: null, corrupt: true};
  }

  /**
   * Enriches one company: from the cache, else by asking (`request`, cached under `key`), else the rules
   * answer. `derive` turns an entry into the enrichment. Throws only FatalError.
   */
  async enrich(company: CompanyBase, key: string, request: Q, derive: (entry: E) => Enrichment): Promise<Enrichment> {
    if (this.fatal) throw this.fatal;
    this.n.companies++;
    if (!this.o.settings.refresh) {
      const {entry} = this.lookup(key, true);
      if (entry) {
        this.n.cache_hits++;
        return derive(entry);
      }
    }
    let outcome: Answered<E>;
    try {
      outcome = await this.ask(key, request);
    } catch (e) {
      if (this.fatal) throw this.fatal;
      if (e instanceof FatalError) throw e;
      outcome = {fallback: `unexpected error: ${(e as Error).message}`};
    }
    if ('entry' in outcome) {
      this.n.api_answers++;
      this.failedInARow = 0;
      return derive(outcome.entry);
    }
    if (outcome.budget !== true) this.countFailure(outcome.fallback);
    return this.fallback(company, outcome.fallback, outcome.budget === true);
  }

  /**
   * One more company in a row without an answer: at retry.max_failed_in_a_row the API is taken to be down,
   * unreachable or refusing every request, and the run stops (FatalError) rather than give every remaining
   * company the rules answer after its retries.
   */
  private countFailure(reason: string): void {
    const max = this.o.settings.retry.maxFailedInARow;
    if (max === 0 || ++this.failedInARow < max) return;
    throw this.setFatal(this.o.backend.downMessage(this.failedInARow, reason));
  }

  private fallback(company: CompanyBase, reason: string, budget: boolean): Enrichment {
    const why = this.secret(reason);
    this.n.fallbacks++;
    if (budget) this.n.fallbacks_budget++;
    else if (this.warned.fallback++ < MAX_WARNINGS)
      this.o.reporter.warn(`${this.o.name} failed for ${JSON.stringify(company.name)}: ${why}; using the rules answer`);
    else if (this.warned.fallback === MAX_WARNINGS + 1)
      this.o.reporter.warn('more companies fell back to the rules answer: counted in the summary (fallbacks)');
    return {...this.rules.enrich(company), enrichment_source: 'rules_fallback', enrichment_error: why};
  }

  /** Average cost of a billed call so far, else the backend's first estimate. */
  private estimateCost(): number {
    if (this.billed > 0) return this.spent / this.billed;
    return this.o.backend.firstCostEstimate();
  }

  private estimateTokens(): number {
    if (this.responded > 0) return Math.ceil(this.respondedTokens / this.responded);
    return this.o.backend.firstTokenEstimate();
  }

  private budgetMessage(stop: 'max-requests' | 'max-cost'): string {
    return stop === 'max-requests'
      ? `budget reached (--max-requests ${this.o.settings.maxRequests}); run again with a higher limit to continue`
      : `budget reached (--max-cost ${this.o.settings.maxCost} USD); run again with a higher limit to continue`;
  }

  setFatal(message: string, next = 'run again to continue'): FatalError {
    if (!this.fatal) {
      this.fatal = new FatalError(
        `${this.secret(message)}\nStopped: ${this.n.api_answers} companies answered in this run and everything answered before is kept in the cache (${this.o.cache.dir}); ${next}.`,
      );
      this.shutdown.abort(this.fatal);
    }
    return this.fatal;
  }

  /** The budget's verdict before an attempt: a fallback outcome when no request may start, else null. */
  private overBudget(estimate: number): Answered<E> | null {
    if (this.budgetHit) return {fallback: this.budgetHit, budget: true};
    const s = this.o.settings;
    const stop = budgetStop(
      {spent: this.spent, reserved: this.reserved, requests: this.n.requests},
      {maxCost: s.maxCost, maxRequests: s.maxRequests},
      estimate,
    );
    if (!stop) return null;
    this.budgetHit = this.budgetMessage(stop);
    const inFlight = this.reserved > 0 ? `, ${formatUsd(this.reserved)} expected from requests in flight` : '';
    this.o.reporter.warn(
      `${this.budgetHit.split(';')[0]}: no new calls after ${this.n.requests} requests (${formatUsd(this.spent)} spent so far${inFlight}). ` +
        'The remaining companies get the rules answer (enrichment_source rules_fallback); everything answered is cached.',
    );
    return {fallback: this.budgetHit, budget: true};
  }

  /** One attempt, within the rate limits, counted in the budget and in flight. Throws only FatalError. */
  private async attempt(request: Q, signal: AbortSignal, estimate: number, estTokens: number): Promise<Attempt<E>> {
    this.n.requests++;
    this.reserved += estimate;
    let result: Attempt<E>;
    try {
      await this.limiter.acquire(estTokens, signal);
      this.n.in_flight++;
      this.n.max_in_flight = Math.max(this.n.max_in_flight, this.n.in_flight);
      try {
        result = await this.o.backend.attempt(request, signal); // never throws
      } finally {
        this.n.in_flight--;
      }
    } catch (e) {
      // Only an abort of the whole run gets here (acquire waits on the shutdown signal).
      throw this.fatal ?? (e instanceof FatalError ? e : new FatalError('stopped'));
    } finally {
      this.reserved -= estimate;
    }
    this.limiter.settle(estTokens, result.tokens ?? 0);
    if (result.tokens !== null) {
      this.responded++;
      this.respondedTokens += result.tokens;
    }
    if (result.costUsd !== null) {
      this.spent += result.costUsd;
      this.billed++;
    }
    this.limiter.observe(result.headers, this.clock.now(), estTokens, this.o.settings.retry.maxRetryAfterMs);
    return result;
  }

  /** Asks for one company, with retries, rate limits and the budget. Throws only FatalError. */
  private async ask(key: string, request: Q): Promise<Answered<E>> {
    const signal = this.shutdown.signal;
    const s = this.o.settings;
    for (let attempt = 0; ; attempt++) {
      if (this.fatal) throw this.fatal;
      const estimate = this.estimateCost();
      const over = this.overBudget(estimate);
      if (over) return over;
      const result = await this.attempt(request, signal, estimate, this.estimateTokens());
      if (result.ok) return {entry: this.store(key, result.entry)};

      const o = this.o.backend.classify(result.error, {nowMs: this.clock.now(), shuttingDown: signal.aborted});
      if (o.kind === 'aborted') throw this.fatal ?? new FatalError('stopped');
      if (o.kind === 'fatal') throw this.setFatal(o.message);
      if (o.kind === 'fail') return {fallback: o.reason};
      if (o.rateLimited) this.n.rate_limited++;
      if (attempt >= s.maxRetries) {
        return {fallback: `gave up after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}: ${o.reason}`};
      }
      this.n.retries++;
      const delay = retryDelayMs(o.retryAfterMs, attempt, s.retry, Math.random());
      // A rate limit or an explicit retry-after holds back every request, not only this one.
      if (o.rateLimited || o.retryAfterMs !== null) this.limiter.pauseUntil(this.clock.now() + delay);
      try {
        await this.clock.sleep(delay, signal);
      } catch {
        throw this.fatal ?? new FatalError('stopped');
      }
    }
  }

  /** Writes the answer to the cache (atomically). A cache that cannot be written is fatal. */
  private store(key: string, entry: E): E {
    try {
      this.o.cache.write(key, entry);
    } catch (e) {
      throw this.setFatal(
        `cannot write the enrichment cache (${this.o.cache.pathFor(key)}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'free space on its device or make it writable (or give another --cache-dir), then run again to continue',
      );
    }
    return entry;
  }

  /** The counters for the summary, with the provider's own (`extra`) after the shared ones of each company. */
  stats(extra: Record<string, number>): Record<string, number> {
    const {in_flight: _inFlight, max_in_flight, ...n} = this.n;
    return {...n, ...extra, max_in_flight, rate_limit_waits: this.limiter.waits, budget_reached: this.budgetHit ? 1 : 0};
  }

  /** Ends the requests in flight (called once at the end, also after a failure). */
  close(): void {
    if (!this.shutdown.signal.aborted) this.shutdown.abort(this.fatal ?? new FatalError('closed'));
  }
}
