import {mkdirSync, writeFileSync, renameSync} from 'node:fs';
import {dirname, join, basename} from 'node:path';
import {AccountBuilder, countCompanies, previousCustomerDomains, type CompanyCounts} from '../core/accounts.js';
import {mapHeader, type ColumnIndex} from '../core/ingest.js';
import {UserError} from '../errors.js';
import {AtomicCsvWriter, readCsv, writeCsv} from '../io/csv.js';
import {loadYamlConfig} from '../io/config.js';
import type {DataPaths} from '../io/paths.js';
import type {Reporter} from '../io/reporter.js';
import {TableCodec} from '../io/table-codec.js';
import type {EnrichmentProvider, EnrichPlan} from '../providers/types.js';
import {chooseProvider, createProvider, type ProviderChoice} from '../providers/index.js';
import {CompanySchema, RejectSchema, type Company, type CompanyBase, type Reject} from '../schemas/companies.js';
import {IcpRulesSchema, PreviousCustomersSchema, type IcpRules} from '../schemas/icp-rules.js';

export const companyCodec = new TableCodec<Company>(CompanySchema);
export const rejectCodec = new TableCodec<Reject>(RejectSchema);

export function loadIcpRules(configDir: string): IcpRules {
  return loadYamlConfig(join(configDir, 'icp_rules.yml'), IcpRulesSchema);
}

export function loadPreviousCustomers(configDir: string, reporter?: Reporter): Set<string> {
  const file = join(configDir, 'previous_customers.yml');
  const cfg = loadYamlConfig(file, PreviousCustomersSchema);
  const {set, invalid} = previousCustomerDomains(cfg.customers.map((c) => c.domain));
  if (invalid.length) reporter?.warn(`${file}: ignoring entries that are not domains: ${invalid.join(', ')}`);
  return set;
}

export interface EnrichOptions {
  input: string;
  paths: DataPaths;
  configDir: string;
  limit?: number;
  provider: EnrichmentProvider;
  previousCustomers: ReadonlySet<string>;
  reporter: Reporter;
  /** --dry-run: plan the provider's calls, call nothing, write nothing. */
  dryRun?: boolean;
}

export interface EnrichSummary {
  input_file: string;
  input_rows: number;
  companies: number;
  merged_rows: number;
  rejected_rows: number;
  blank_lines: number;
  companies_written: number;
  skipped_by_limit: number;
  provider: string;
  output: string;
  rejects_file: string;
  counts: CompanyCounts;
  provider_stats: Record<string, number>;
  /** Set under --dry-run: what enriching would take. Nothing was called or written. */
  dry_run?: EnrichPlan;
}

/** The enrich stage: read the Clay export, clean and merge accounts, enrich, write companies.csv. */
export async function runEnrich(opts: EnrichOptions): Promise<EnrichSummary> {
  const {input, paths, reporter, provider} = opts;
  let builder: AccountBuilder | undefined;
  let index: ColumnIndex | undefined;
  reporter.start(`Reading ${basename(input)}`);
  const read = await readCsv(input, {
    onHeader(header) {
      const mapped = mapHeader(header);
      if (mapped.missing.length > 0) {
        throw new UserError(
          `${input}: missing required column(s): ${mapped.missing.join(', ')}.\n` +
            `Found: ${header.map((h) => JSON.stringify(h)).join(', ')}.\nA Clay company export has Name, Description, Primary Industry, Size, Type, Location, Country, Domain and LinkedIn URL.`,
        );
      }
      index = mapped.index;
      builder = new AccountBuilder(mapped.index, opts.previousCustomers);
    },
    onRecord(r) {
      builder!.add(r.fields, r.row, r.line);
      if ((r.row & 1023) === 0) reporter.progress(r.row - 1);
    },
    onMalformed(r, message) {
      builder!.reject(r.fields, r.row, r.line, `malformed CSV: ${message}`);
    },
  });
  if (!builder || !index) throw new UserError(`${input}: no header row`);
  const accounts = builder.finish();
  reporter.succeed(
    `Read ${accounts.inputRows} rows: ${accounts.companies.length} companies, ${accounts.mergedRows} merged into them (shared domain), ${accounts.rejects.length} rejected`,
  );

  const selected = opts.limit !== undefined ? accounts.companies.slice(0, opts.limit) : accounts.companies;
  if (opts.dryRun) return dryRun(opts, selected, accounts, read.blank);
  const enriched: Company[] = new Array(selected.length);
  reporter.start(`Enriching with ${provider.name}`, selected.length);
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < selected.length) {
      const i = next++;
      enriched[i] = {...selected[i], ...(await provider.enrich(selected[i]))};
      done++;
      reporter.progress(done, provider.progressNote?.());
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(provider.concurrency, selected.length))}, worker));
  const counts = countCompanies(enriched);
  reporter.succeed(`Enriched ${enriched.length} companies with ${provider.name}: ${counts.icp_fit} ICP fit, ${counts.uses_x12} X12, ${counts.uses_clearinghouse} clearinghouse, ${counts.uses_fhir} FHIR, ${counts.uses_hl7} HL7`);

  const writer = new AtomicCsvWriter(paths.companies, companyCodec.columns);
  try {
    for (const c of enriched) await writer.write(companyCodec.encode(c));
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writeCsv(paths.rejects, rejectCodec.columns, accounts.rejects.map((r) => rejectCodec.encode(r)));

  const summary: EnrichSummary = {
    input_file: input,
    input_rows: accounts.inputRows,
    companies: accounts.companies.length,
    merged_rows: accounts.mergedRows,
    rejected_rows: accounts.rejects.length,
    blank_lines: read.blank,
    companies_written: enriched.length,
    skipped_by_limit: accounts.companies.length - enriched.length,
    provider: provider.name,
    output: paths.companies,
    rejects_file: paths.rejects,
    counts,
    provider_stats: provider.stats(),
  };
  writeJsonAtomic(paths.enrichSummary, summary);
  return summary;
}

/** --dry-run: the provider's plan (cache hits, calls, estimated cost); nothing is called or written. */
async function dryRun(opts: EnrichOptions, selected: CompanyBase[], accounts: {inputRows: number; companies: unknown[]; mergedRows: number; rejects: unknown[]}, blank: number): Promise<EnrichSummary> {
  const {provider, reporter} = opts;
  const plan: EnrichPlan = provider.plan
    ? await provider.plan(selected)
    : {provider: provider.name, companies: selected.length, cache_hits: 0, calls_needed: 0, estimated_cost_usd: 0};
  const cost = plan.estimated_cost_usd === null ? 'unknown (no price for the model)' : `about $${plan.estimated_cost_usd.toFixed(2)}`;
  reporter.info(
    `Dry run (${plan.provider}): ${plan.companies} companies, ${plan.cache_hits} cached, ${plan.calls_needed} calls needed, estimated cost ${cost}` +
      `${typeof plan.calls_within_budget === 'number' && plan.calls_within_budget < plan.calls_needed ? `; the budget allows ${plan.calls_within_budget} calls` : ''}. Nothing was called or written.`,
  );
  return {
    input_file: opts.input,
    input_rows: accounts.inputRows,
    companies: accounts.companies.length,
    merged_rows: accounts.mergedRows,
    rejected_rows: accounts.rejects.length,
    blank_lines: blank,
    companies_written: 0,
    skipped_by_limit: accounts.companies.length - selected.length,
    provider: provider.name,
    output: '',
    rejects_file: '',
    counts: countCompanies([]),
    provider_stats: provider.stats(),
    dry_run: plan,
  };
}

export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), {recursive: true});
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export interface EnrichStageInput {
  input: string;
  paths: DataPaths;
  configDir: string;
  cacheDir: string;
  limit?: number;
  reporter: Reporter;
  /** The --provider flag. */
  provider: ProviderChoice;
  /** Provider-specific flags (the OpenAI provider's), passed through as parsed. */
  providerFlags?: Record<string, unknown>;
}

/** Loads the config, picks and creates the provider, runs the stage and closes the provider. */
export async function enrichStage(s: EnrichStageInput): Promise<EnrichSummary> {
  const rules = loadIcpRules(s.configDir);
  const previousCustomers = loadPreviousCustomers(s.configDir, s.reporter);
  const name = chooseProvider(s.provider);
  const why = s.provider === 'auto' ? (name === 'rules' ? ' (auto: no OPENAI_API_KEY set)' : ' (auto: OPENAI_API_KEY is set)') : '';
  s.reporter.info(`Provider: ${name}${why}`);
  const provider = await createProvider(name, {rules, cacheDir: s.cacheDir, flags: s.providerFlags ?? {}, reporter: s.reporter, configDir: s.configDir});
  try {
    const dryRun = s.providerFlags?.['dry-run'] === true;
    return await runEnrich({input: s.input, paths: s.paths, configDir: s.configDir, limit: s.limit, provider, previousCustomers, reporter: s.reporter, dryRun});
  } finally {
    await provider.close?.();
  }
}
