import {countCompanies} from '../../core/accounts.js';
import {count, formatUsd, plural} from '../../core/format.js';
import type {EnrichPlan} from '../../providers/types.js';
import type {CompanyBase} from '../../schemas/companies.js';
import {displayPath} from '../deals.js';
import type {EnrichOptions, EnrichSummary} from './types.js';

/** --dry-run: the provider's plan (cache hits, calls, estimated cost); nothing is called or written. */
export async function dryRun(
  opts: EnrichOptions,
  selected: CompanyBase[],
  accounts: {inputRows: number; companies: number; mergedRows: number; mergedByName: number; ambiguousByName: number; rejected: number},
  blank: number,
): Promise<EnrichSummary> {
  const {provider, reporter} = opts;
  const plan: EnrichPlan = provider.plan
    ? await provider.plan(selected)
    : {provider: provider.name, companies: selected.length, cache_hits: 0, calls_needed: 0, estimated_cost_usd: 0};
  const cost = plan.estimated_cost_usd === null ? 'unknown (no price for the model)' : `about ${formatUsd(plan.estimated_cost_usd)}`;
  reporter.info(
    `Dry run (${plan.provider}): ${plural(plan.companies, 'company', 'companies')}, ${count(plan.cache_hits)} cached, ${plural(plan.calls_needed, 'call')} needed, estimated cost ${cost}` +
      `${typeof plan.calls_within_budget === 'number' && plan.calls_within_budget < plan.calls_needed ? `; the budget allows ${plan.calls_within_budget} calls` : ''}. Nothing was called or written.`,
  );
  return {
    input_file: opts.inputName ?? displayPath(opts.input),
    input_rows: accounts.inputRows,
    companies: accounts.companies,
    merged_rows: accounts.mergedRows,
    merged_by_name: accounts.mergedByName,
    ambiguous_name_rows: accounts.ambiguousByName,
    rejected_rows: accounts.rejected,
    blank_lines: blank,
    companies_written: 0,
    skipped_by_limit: accounts.companies - selected.length,
    provider: provider.name,
    output: '',
    rejects_file: '',
    counts: countCompanies([]),
    provider_stats: provider.stats(),
    dry_run: plan,
  };
}
