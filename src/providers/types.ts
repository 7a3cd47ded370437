import type {CompanyBase, Enrichment} from '../schemas/companies.js';

/**
 * An enrichment provider turns a cleaned company into the enrichment columns (ICP + tech stack).
 * The rules provider is pure and synchronous; the OpenAI provider is asynchronous, cached and may fail
 * per company (it then returns the rules answer with enrichment_source = rules_fallback).
 */
export interface EnrichmentProvider {
  /** Its registered name (src/providers/registry.ts). */
  readonly name: string;
  /**
   * Whether its answers are exactly the rules enricher's (pure and synchronous): the company workers
   * (src/parallel/company-worker.ts) then compute them on their own threads. Only the rules provider.
   */
  readonly pureRules?: boolean;
  /** Enriches one company. Must not throw for per-company failures (fall back instead); may throw FatalError. */
  enrich(company: CompanyBase): Promise<Enrichment> | Enrichment;
  /** How many requests may usefully run at once (1 for the rules provider). */
  readonly concurrency: number;
  /** Counters for the summary (cache hits, calls, retries, fallbacks, cost ...). */
  stats(): Record<string, number>;
  /** A short progress note (e.g. "cache 12 · calls 3 · $0.02"). */
  progressNote?(): string;
  /** Releases resources; called once at the end, also after a failure. */
  close?(): Promise<void>;
  /**
   * --dry-run: what enriching these companies would take (cache hits, calls, estimated cost), without
   * calling anything or writing anything. Providers that never call out need not implement it.
   */
  plan?(companies: readonly CompanyBase[]): Promise<EnrichPlan>;
}

/** The --dry-run answer of a provider (numbers and short texts only: it is printed and returned as JSON). */
export interface EnrichPlan {
  provider: string;
  companies: number;
  cache_hits: number;
  calls_needed: number;
  /** USD; null when the model has no price in the config. */
  estimated_cost_usd: number | null;
  /** Details; a provider whose calls are paid sets confirm_above_usd (a number: see paidCallsNeedConfirmation). */
  [detail: string]: string | number | boolean | null;
}
