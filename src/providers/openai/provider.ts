import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {createRulesEnricher, type RulesEnricher} from '../../core/rules/provider.js';
import {FatalError} from '../../errors.js';
import {loadYamlConfig} from '../../io/config.js';
import {EnrichCache} from '../../io/enrich-cache.js';
import {PACKAGE_ROOT} from '../../io/paths.js';
import type {Reporter} from '../../io/reporter.js';
import type {CompanyBase, Enrichment} from '../../schemas/companies.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import {CONFIG_SCHEMAS} from '../../schemas/config-files.js';
import type {ModelPrice, OpenAiConfig} from '../../schemas/openai-config.js';
import type {ProviderContext} from '../registry.js';
import type {EnrichmentProvider, EnrichPlan} from '../types.js';
import {compileDeriver, type AnswerDeriver} from './answer.js';
import {cacheKey, runFingerprint} from './cache-key.js';
import {OpenAiClient, type CallFailure, type CallSuccess} from './client.js';
import {budgetStop, callCost, estimatedCallCost, findPrice, formatUsd, roundUsd} from './cost.js';
import {resolveOptions, type OpenAiOptions} from './options.js';
import {buildInstructions, buildPrompt, PROMPT_VERSION, type Prompt} from './prompt.js';
import {RateLimiter, systemClock, type Clock} from './rate-limiter.js';
import {redact} from './redact.js';
import {classifyError, retryDelayMs} from './retry.js';
import {CACHE_FORMAT, CacheEntrySchema, type CacheEntry} from './schema.js';

/** Loads config/openai.yml from the config folder, else the copy shipped with the package. */
export function loadOpenAiConfig(configDir: string, reporter?: Reporter): Promise<OpenAiConfig> {
  const file = join(configDir, 'openai.yml');
  if (!existsSync(file)) {
    const shipped = join(PACKAGE_ROOT, 'config', 'openai.yml');
    if (shipped !== file && existsSync(shipped)) {
      reporter?.info(`no openai.yml in ${configDir}: using the one shipped with stedi-gtm (${shipped})`);
      return loadYamlConfig(shipped, CONFIG_SCHEMAS['openai.yml']);
    }
  }
  return loadYamlConfig(file, CONFIG_SCHEMAS['openai.yml']);
}

/** Why one company could not be answered by the API. */
type Outcome = {entry: CacheEntry} | {fallback: string; budget?: boolean};

const MAX_WARNINGS = 5;

/**
 * The OpenAI enrichment provider: one API call per company (Responses API + web search + strict structured
 * output, or Chat Completions), cached per company, grounded, rate limited, retried, budgeted.
 * Per-company failures fall back to the rules answer; fatal conditions (bad key, no permission, no quota,
 * unknown model) stop the run with a FatalError. See README "OpenAI provider".
 */
export class OpenAiProvider implements EnrichmentProvider {
  readonly name = 'openai' as const;
  readonly concurrency: number;
  readonly options: OpenAiOptions;
  private readonly rules: RulesEnricher;
  private readonly deriver: AnswerDeriver;
  private readonly cache: EnrichCache<CacheEntry>;
  private readonly instructions: string;
  private readonly fingerprint: string;
  private readonly price: ModelPrice | null;
  private readonly limiter: RateLimiter;
  private readonly shutdown = new AbortController();
  private readonly reporter: Reporter;
  private readonly clock: Clock;
  private client?: OpenAiClient;
  private fatal?: FatalError;
  private budgetHit?: string;
  private warned = {fallback: 0, corrupt: 0, price: false};
  /** Companies in a row, in the order their calls ended, that got no answer (see retry.max_failed_in_a_row). */
  private failedInARow = 0;

  private n = {
    companies: 0,
    cache_hits: 0,
    cache_corrupt: 0,
    api_answers: 0,
    requests: 0,
    retries: 0,
    rate_limited: 0,
    fallbacks: 0,
    fallbacks_budget: 0,
    urls_grounded: 0,
    urls_dropped: 0,
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    web_search_calls: 0,
    in_flight: 0,
    max_in_flight: 0,
  };
  private spent = 0;
  private reserved = 0;
  /** Priced responses that arrived with usage (their cost is the basis of the per-call estimate). */
  private billed = 0;
  /** Responses that arrived with usage, and their tokens (the basis of the --tpm estimate). */
  private responded = 0;
  private respondedTokens = 0;

  constructor(
    ctx: {rules: IcpRules; cacheDir: string; flags: Record<string, unknown>; reporter: Reporter; clock?: Clock},
    readonly config: OpenAiConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.options = resolveOptions(ctx.flags, env, config);
    this.reporter = ctx.reporter;
    this.clock = ctx.clock ?? systemClock;
    this.concurrency = this.options.concurrency;
    this.rules = createRulesEnricher(ctx.rules);
    this.deriver = compileDeriver(ctx.rules, config.grounding);
    this.cache = new EnrichCache(ctx.cacheDir, CacheEntrySchema);
    const webSearch = this.options.api === 'responses';
    this.instructions = buildInstructions(ctx.rules, webSearch);
    this.fingerprint = runFingerprint({
      api: this.options.api,
      model: this.options.model,
      promptVersion: PROMPT_VERSION,
      schema: OpenAiClient.answerJsonSchema(),
      request: OpenAiClient.requestShape(this.options.api, config.request),
      instructions: this.instructions,
    });
    this.price = findPrice(this.options.model, config.prices.models);
    this.limiter = new RateLimiter({rpm: this.options.rpm, tpm: this.options.tpm}, this.clock);
  }

  /** The cache key of a company (exposed for tests and tools). */
  keyOf(company: CompanyBase): string {
    return cacheKey(this.fingerprint, buildPrompt(company, this.instructions).input);
  }

  get cacheDir(): string {
    return this.cache.dir;
  }

  private secret(text: string): string {
    return redact(text, [this.options.apiKey]);
  }

  private matches(e: CacheEntry): boolean {
    return e.model === this.options.model && e.api === this.options.api && e.prompt_version === PROMPT_VERSION;
  }

  /** Reads the cache entry of a key: the entry, null on a miss, or null after reporting a corrupt one. */
  private lookup(key: string, report: boolean): {entry: CacheEntry | null; corrupt: boolean} {
    const r = this.cache.read(key);
    if (r.status === 'hit' && this.matches(r.entry)) return {entry: r.entry, corrupt: false};
    if (r.status === 'miss') return {entry: null, corrupt: false};
    const reason = r.status === 'corrupt' ? r.reason : 'entry is for another model or prompt';
    if (report) {
      this.n.cache_corrupt++;
      if (this.warned.corrupt++ < MAX_WARNINGS) this.reporter.warn(`corrupt cache entry ${this.cache.pathFor(key)} (${reason}): asking again`);
      else if (this.warned.corrupt === MAX_WARNINGS + 1) this.reporter.warn('more corrupt cache entries: counted in the summary (cache_corrupt)');
    }
    return {entry: null, corrupt: true};
  }

  async enrich(company: CompanyBase): Promise<Enrichment> {
    if (this.fatal) throw this.fatal;
    this.n.companies++;
    const prompt = buildPrompt(company, this.instructions);
    const key = cacheKey(this.fingerprint, prompt.input);
    if (!this.options.refresh) {
      const {entry} = this.lookup(key, true);
      if (entry) {
        this.n.cache_hits++;
        return this.fromEntry(entry, company);
      }
    }
    let outcome: Outcome;
    try {
      outcome = await this.ask(key, prompt);
    } catch (e) {
      if (this.fatal) throw this.fatal;
      if (e instanceof FatalError) throw e;
      outcome = {fallback: `unexpected error: ${(e as Error).message}`};
    }
    if ('entry' in outcome) {
      this.n.api_answers++;
      this.failedInARow = 0;
      return this.fromEntry(outcome.entry, company);
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
    const max = this.options.retry.maxFailedInARow;
    if (max === 0 || ++this.failedInARow < max) return;
    throw this.setFatal(
      `OpenAI gave no answer for ${this.failedInARow} companies in a row (the last: ${reason}). ` +
        'The API looks down, unreachable from here, or it refuses every request: check the network, OPENAI_BASE_URL and https://status.openai.com. ' +
        'To go on without it, use --provider rules; to let every company fall back instead, set retry.max_failed_in_a_row to 0 in openai.yml.',
    );
  }

  private fromEntry(entry: CacheEntry, company: CompanyBase): Enrichment {
    const d = this.deriver.derive(entry, company);
    this.n.urls_grounded += d.urlsGrounded;
    this.n.urls_dropped += d.urlsDropped;
    return d.enrichment;
  }

  private fallback(company: CompanyBase, reason: string, budget: boolean): Enrichment {
    const why = this.secret(reason);
    this.n.fallbacks++;
    if (budget) this.n.fallbacks_budget++;
    else if (this.warned.fallback++ < MAX_WARNINGS) this.reporter.warn(`openai failed for ${JSON.stringify(company.name)}: ${why}; using the rules answer`);
    else if (this.warned.fallback === MAX_WARNINGS + 1) this.reporter.warn('more companies fell back to the rules answer: counted in the summary (fallbacks)');
    return {...this.rules.enrich(company), enrichment_source: 'rules_fallback', enrichment_error: why};
  }

  /** Average cost of a billed call so far, else the configured estimate (0 when the model has no price). */
  private estimateCost(): number {
    if (!this.price) return 0;
    if (this.billed > 0) return this.spent / this.billed;
    return estimatedCallCost(this.config, this.price, this.options.api === 'responses');
  }

  private estimateTokens(): number {
    if (this.responded > 0) return Math.ceil(this.respondedTokens / this.responded);
    return this.config.estimates.input_tokens + this.config.estimates.output_tokens;
  }

  private budgetMessage(stop: 'max-requests' | 'max-cost'): string {
    return stop === 'max-requests'
      ? `budget reached (--max-requests ${this.options.maxRequests}); run again with a higher limit to continue`
      : `budget reached (--max-cost ${this.options.maxCost} USD); run again with a higher limit to continue`;
  }

  private setFatal(message: string, next = 'run again to continue'): FatalError {
    if (!this.fatal) {
      this.fatal = new FatalError(
        `${this.secret(message)}\nStopped: ${this.n.api_answers} companies answered in this run and everything answered before is kept in the cache (${this.cache.dir}); ${next}.`,
      );
      this.shutdown.abort(this.fatal);
    }
    return this.fatal;
  }

  private getClient(): OpenAiClient {
    if (!this.client) {
      this.client = new OpenAiClient({
        // A compatible server without auth (OPENAI_BASE_URL) needs no key; the SDK wants a string.
        apiKey: this.options.apiKey ?? 'no-key',
        baseURL: this.options.baseURL,
        model: this.options.model,
        api: this.options.api,
        timeoutMs: this.options.timeoutMs,
        request: this.config.request,
      });
    }
    return this.client;
  }

  /** Asks the API for one company, with retries, rate limits and the budget. Throws only FatalError. */
  private async ask(key: string, prompt: Prompt): Promise<Outcome> {
    const client = this.getClient();
    const signal = this.shutdown.signal;
    for (let attempt = 0; ; attempt++) {
      if (this.fatal) throw this.fatal;
      if (this.budgetHit) return {fallback: this.budgetHit, budget: true};
      const estimate = this.estimateCost();
      const stop = budgetStop({spent: this.spent, reserved: this.reserved, requests: this.n.requests}, {maxCost: this.options.maxCost, maxRequests: this.options.maxRequests}, estimate);
      if (stop) {
        this.budgetHit = this.budgetMessage(stop);
        const inFlight = this.reserved > 0 ? `, ${formatUsd(this.reserved)} expected from requests in flight` : '';
        this.reporter.warn(
          `${this.budgetHit.split(';')[0]}: no new calls after ${this.n.requests} requests (${formatUsd(this.spent)} spent so far${inFlight}). ` +
            'The remaining companies get the rules answer (enrichment_source rules_fallback); everything answered is cached.',
        );
        return {fallback: this.budgetHit, budget: true};
      }
      this.n.requests++;
      this.reserved += estimate;
      const estTokens = this.estimateTokens();
      let result: CallSuccess | CallFailure;
      try {
        await this.limiter.acquire(estTokens, signal);
        this.n.in_flight++;
        this.n.max_in_flight = Math.max(this.n.max_in_flight, this.n.in_flight);
        try {
          result = await client.call(prompt, signal); // never throws
        } finally {
          this.n.in_flight--;
        }
      } catch (e) {
        // Only an abort of the whole run gets here (acquire waits on the shutdown signal).
        throw this.fatal ?? (e instanceof FatalError ? e : new FatalError('stopped'));
      } finally {
        this.reserved -= estimate;
      }

      const webSearchCalls = result.ok ? result.urls.webSearchCalls : result.webSearchCalls;
      const usage = result.usage;
      let cost: number | null = null;
      if (usage) {
        this.n.input_tokens += usage.input_tokens;
        this.n.cached_input_tokens += usage.cached_input_tokens;
        this.n.output_tokens += usage.output_tokens;
        this.n.reasoning_tokens += usage.reasoning_tokens;
        this.n.web_search_calls += webSearchCalls;
        const tokens = usage.input_tokens + usage.output_tokens;
        this.limiter.settle(estTokens, tokens);
        this.responded++;
        this.respondedTokens += tokens;
        if (this.price) {
          cost = callCost(usage, webSearchCalls, this.price, this.config.prices.web_search_per_1000_calls);
          this.spent += cost;
          this.billed++;
        } else if (!this.warned.price) {
          this.warned.price = true;
          this.reporter.warn(`no price for model ${this.options.model} in config/openai.yml: the cost is not tracked`);
        }
      } else {
        this.limiter.settle(estTokens, 0);
      }
      this.limiter.observe(result.headers, this.clock.now(), estTokens, this.options.retry.maxRetryAfterMs);

      if (result.ok) return {entry: this.store(key, result, cost)};

      const o = classifyError(result.error, {model: this.options.model, api: this.options.api, nowMs: this.clock.now(), shuttingDown: signal.aborted});
      if (o.kind === 'aborted') throw this.fatal ?? new FatalError('stopped');
      if (o.kind === 'fatal') throw this.setFatal(o.message);
      if (o.kind === 'fail') return {fallback: o.reason};
      if (o.rateLimited) this.n.rate_limited++;
      if (attempt >= this.options.maxRetries) {
        return {fallback: `gave up after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}: ${o.reason}`};
      }
      this.n.retries++;
      const delay = retryDelayMs(o.retryAfterMs, attempt, this.options.retry, Math.random());
      // A rate limit or an explicit retry-after holds back every request, not only this one.
      if (o.rateLimited || o.retryAfterMs !== null) this.limiter.pauseUntil(this.clock.now() + delay);
      try {
        await this.clock.sleep(delay, signal);
      } catch {
        throw this.fatal ?? new FatalError('stopped');
      }
    }
  }

  /** Writes the answer to the cache (atomically) and returns the entry. A cache that cannot be written is fatal. */
  private store(key: string, r: CallSuccess, cost: number | null): CacheEntry {
    const entry: CacheEntry = {
      format: CACHE_FORMAT,
      provider: 'openai',
      api: this.options.api,
      model: this.options.model,
      response_model: r.responseModel,
      prompt_version: PROMPT_VERSION,
      created_at: new Date(this.clock.now()).toISOString(),
      response_id: r.responseId,
      answer: r.answer,
      citations: r.urls.citations,
      sources: r.urls.sources,
      usage: r.usage,
      web_search_calls: r.urls.webSearchCalls,
      cost_usd: cost === null ? null : roundUsd(cost),
    };
    try {
      this.cache.write(key, entry);
    } catch (e) {
      throw this.setFatal(
        `cannot write the enrichment cache (${this.cache.pathFor(key)}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'free space on its device or make it writable (or give another --cache-dir), then run again to continue',
      );
    }
    return entry;
  }

  async plan(companies: readonly CompanyBase[]): Promise<EnrichPlan> {
    let hits = 0;
    let corrupt = 0;
    for (const c of companies) {
      if (this.options.refresh) continue;
      const {entry, corrupt: bad} = this.lookup(this.keyOf(c), false);
      if (entry) hits++;
      else if (bad) corrupt++;
    }
    const calls = companies.length - hits;
    const perCall = this.price ? estimatedCallCost(this.config, this.price, this.options.api === 'responses') : null;
    let within = calls;
    if (this.options.maxRequests !== undefined) within = Math.min(within, this.options.maxRequests);
    if (this.options.maxCost !== undefined && perCall) within = Math.min(within, Math.floor(this.options.maxCost / perCall + 1e-9));
    return {
      provider: 'openai',
      model: this.options.model,
      api: this.options.api,
      companies: companies.length,
      cache_hits: hits,
      cache_corrupt: corrupt,
      calls_needed: calls,
      calls_within_budget: within,
      estimated_cost_usd: perCall === null ? null : roundUsd(calls * perCall),
      estimated_cost_per_call_usd: perCall === null ? null : roundUsd(perCall),
      prices_as_of: this.config.prices.as_of,
      confirm_above_usd: this.config.confirm_above_usd,
      cache_dir: this.cache.dir,
    };
  }

  stats(): Record<string, number> {
    const {in_flight: _inFlight, ...n} = this.n;
    return {...n, rate_limit_waits: this.limiter.waits, budget_reached: this.budgetHit ? 1 : 0, cost_usd: roundUsd(this.spent)};
  }

  progressNote(): string {
    const n = this.n;
    return `cache ${n.cache_hits} · calls ${n.api_answers} · retries ${n.retries} · fallbacks ${n.fallbacks} · ${formatUsd(this.spent)}`;
  }

  async close(): Promise<void> {
    if (!this.shutdown.signal.aborted) this.shutdown.abort(this.fatal ?? new FatalError('closed'));
    const n = this.n;
    if (n.companies > 0) {
      const cost = this.price ? `${formatUsd(this.spent)} (prices of ${this.config.prices.as_of})` : 'not tracked (no price for the model)';
      this.reporter.info(
        `OpenAI ${this.options.model}: ${n.cache_hits} from cache, ${n.api_answers} answered, ${n.fallbacks} fell back to rules` +
          `${n.fallbacks_budget ? ` (${n.fallbacks_budget} over budget)` : ''}; ${n.requests} requests, ${n.retries} retries; ` +
          `${n.urls_dropped} ungrounded URLs dropped; cost ${cost}`,
      );
    }
  }
}

/** Creates the provider from the enrich stage's context (loads config/openai.yml). */
export async function createOpenAiProvider(ctx: ProviderContext): Promise<OpenAiProvider> {
  const configDir = ctx.configDir ?? (typeof ctx.flags['config-dir'] === 'string' ? ctx.flags['config-dir'] : 'config');
  const config = await loadOpenAiConfig(configDir, ctx.reporter);
  return new OpenAiProvider(ctx, config);
}
