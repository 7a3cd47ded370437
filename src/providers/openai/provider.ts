import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {formatUsd} from '../../core/format.js';
import {FLAG_DEFAULTS} from '../../defaults.js';
import {loadYamlConfig} from '../../io/config.js';
import {EnrichCache} from '../../io/enrich-cache.js';
import {PACKAGE_ROOT} from '../../io/paths.js';
import type {Reporter} from '../../io/reporter.js';
import type {CompanyBase, Enrichment} from '../../schemas/companies.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import {CONFIG_SCHEMAS} from '../../schemas/config-files.js';
import type {ModelPrice, OpenAiConfig} from '../../schemas/openai-config.js';
import {roundUsd} from '../llm/budget.js';
import {LlmEngine, type Attempt, type LlmBackend} from '../llm/engine.js';
import type {Clock} from '../llm/rate-limiter.js';
import type {Outcome} from '../llm/retry.js';
import type {ProviderContext} from '../registry.js';
import type {EnrichmentProvider, EnrichPlan} from '../types.js';
import {compileDeriver, type AnswerDeriver} from './answer.js';
import {cacheKey, runFingerprint} from './cache-key.js';
import {classifyError} from './classify.js';
import {OpenAiClient, type CallSuccess} from './client.js';
import {callCost, estimatedCallCost, findPrice} from './cost.js';
import {resolveOptions, type OpenAiOptions} from './options.js';
import {buildInstructions, buildPrompt, PROMPT_VERSION, type Prompt} from './prompt.js';
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

/**
 * The OpenAI enrichment provider: one API call per company (Responses API + web search + strict structured
 * output, or Chat Completions), grounded. It builds the requests and reads the answers; the cache, budget,
 * rate limits, retries, fallbacks and fatal stops are the shared LLM plumbing (src/providers/llm/engine.ts).
 * Per-company failures fall back to the rules answer; fatal conditions (bad key, no permission, no quota,
 * unknown model) stop the run with a FatalError. See README "OpenAI provider".
 */
export class OpenAiProvider implements EnrichmentProvider, LlmBackend<Prompt, CacheEntry> {
  readonly name = 'openai';
  readonly concurrency: number;
  readonly options: OpenAiOptions;
  private readonly deriver: AnswerDeriver;
  private readonly instructions: string;
  private readonly fingerprint: string;
  private readonly price: ModelPrice | null;
  private readonly reporter: Reporter;
  private readonly engine: LlmEngine<Prompt, CacheEntry>;
  private client?: OpenAiClient;
  private warnedPrice = false;
  /** OpenAI's own counters (the shared ones are the engine's). */
  private n = {
    urls_grounded: 0,
    urls_dropped: 0,
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    web_search_calls: 0,
  };

  constructor(
    ctx: {rules: IcpRules; cacheDir: string; flags: Record<string, unknown>; reporter: Reporter; clock?: Clock},
    readonly config: OpenAiConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.options = resolveOptions(ctx.flags, env, config);
    this.reporter = ctx.reporter;
    this.concurrency = this.options.concurrency;
    this.deriver = compileDeriver(ctx.rules, config.grounding);
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
    this.engine = new LlmEngine({
      name: 'openai',
      settings: this.options,
      cache: new EnrichCache(ctx.cacheDir, CacheEntrySchema),
      matches: (e) => e.model === this.options.model && e.api === this.options.api && e.prompt_version === PROMPT_VERSION,
      backend: this,
      rules: ctx.rules,
      reporter: ctx.reporter,
      clock: ctx.clock,
      secrets: [this.options.apiKey],
    });
  }

  /** The cache key of a company. */
  private keyOf(company: CompanyBase): string {
    return cacheKey(this.fingerprint, buildPrompt(company, this.instructions).input);
  }

  async enrich(company: CompanyBase): Promise<Enrichment> {
    const prompt = buildPrompt(company, this.instructions);
    return this.engine.enrich(company, cacheKey(this.fingerprint, prompt.input), prompt, (entry) => this.fromEntry(entry, company));
  }

  private fromEntry(entry: CacheEntry, company: CompanyBase): Enrichment {
    const d = this.deriver.derive(entry, company);
    this.n.urls_grounded += d.urlsGrounded;
    this.n.urls_dropped += d.urlsDropped;
    return d.enrichment;
  }

  /** LlmBackend: the configured estimate of a call (0 when the model has no price). */
  firstCostEstimate(): number {
    return this.price ? estimatedCallCost(this.config, this.price, this.options.api === 'responses') : 0;
  }

  firstTokenEstimate(): number {
    return this.config.estimates.input_tokens + this.config.estimates.output_tokens;
  }

  downMessage(count: number, reason: string): string {
    return (
      `OpenAI gave no answer for ${count} companies in a row (the last: ${reason}). ` +
      'The API looks down, unreachable from here, or it refuses every request: check the network, OPENAI_BASE_URL and https://status.openai.com. ' +
      'To go on without it, use --provider rules; to let every company fall back instead, set retry.max_failed_in_a_row to 0 in openai.yml.'
    );
  }

  classify(error: unknown, ctx: {nowMs: number; shuttingDown: boolean}): Outcome {
    return classifyError(error, {model: this.options.model, api: this.options.api, ...ctx});
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

  /** LlmBackend: one API call; counts its tokens and prices it. Never throws. */
  async attempt(prompt: Prompt, signal: AbortSignal): Promise<Attempt<CacheEntry>> {
    const result = await this.getClient().call(prompt, signal); // never throws
    const webSearchCalls = result.ok ? result.urls.webSearchCalls : result.webSearchCalls;
    const usage = result.usage;
    let cost: number | null = null;
    if (usage) {
      this.n.input_tokens += usage.input_tokens;
      this.n.cached_input_tokens += usage.cached_input_tokens;
      this.n.output_tokens += usage.output_tokens;
      this.n.reasoning_tokens += usage.reasoning_tokens;
      this.n.web_search_calls += webSearchCalls;
      if (this.price) {
        cost = callCost(usage, webSearchCalls, this.price, this.config.prices.web_search_per_1000_calls);
      } else if (!this.warnedPrice) {
        this.warnedPrice = true;
        this.reporter.warn(`no price for model ${this.options.model} in config/openai.yml: the cost is not tracked`);
      }
    }
    const billed = {tokens: usage ? usage.input_tokens + usage.output_tokens : null, costUsd: cost, headers: result.headers};
    return result.ok ? {ok: true, entry: this.entryOf(result, cost), ...billed} : {ok: false, error: result.error, ...billed};
  }

  /** The cache entry of an answer. */
  private entryOf(r: CallSuccess, cost: number | null): CacheEntry {
    return {
      format: CACHE_FORMAT,
      provider: 'openai',
      api: this.options.api,
      model: this.options.model,
      response_model: r.responseModel,
      prompt_version: PROMPT_VERSION,
      created_at: new Date(this.engine.clock.now()).toISOString(),
      response_id: r.responseId,
      answer: r.answer,
      citations: r.urls.citations,
      sources: r.urls.sources,
      usage: r.usage,
      web_search_calls: r.urls.webSearchCalls,
      cost_usd: cost === null ? null : roundUsd(cost),
    };
  }

  async plan(companies: readonly CompanyBase[]): Promise<EnrichPlan> {
    let hits = 0;
    let corrupt = 0;
    for (const c of companies) {
      if (this.options.refresh) continue;
      const {entry, corrupt: bad} = this.engine.lookup(this.keyOf(c), false);
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
      cache_dir: this.engine.cacheDir,
    };
  }

  stats(): Record<string, number> {
    return {...this.engine.stats(this.n), cost_usd: roundUsd(this.engine.spent)};
  }

  progressNote(): string {
    const n = this.engine.n;
    return `cache ${n.cache_hits} · calls ${n.api_answers} · retries ${n.retries} · fallbacks ${n.fallbacks} · ${formatUsd(this.engine.spent)}`;
  }

  async close(): Promise<void> {
    this.engine.close();
    const n = {...this.engine.n, ...this.n};
    if (n.companies > 0) {
      const cost = this.price ? `${formatUsd(this.engine.spent)} (prices of ${this.config.prices.as_of})` : 'not tracked (no price for the model)';
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
  const configDir = ctx.configDir ?? (typeof ctx.flags['config-dir'] === 'string' ? ctx.flags['config-dir'] : FLAG_DEFAULTS.configDir);
  const config = await loadOpenAiConfig(configDir, ctx.reporter);
  return new OpenAiProvider(ctx, config);
}
