import {mkdirSync, writeFileSync, renameSync} from 'node:fs';
import {dirname, join, basename} from 'node:path';
import {countCompanies, previousCustomerDomains, withEnrichment, type CompanyCounts} from '../core/accounts.js';
import {cleanRow, mapHeader, rowKey, type ColumnIndex, type RejectedRow} from '../core/ingest.js';
import {AccountAssembler, parseShard, shardOf, type Shard} from '../core/streaming-accounts.js';
import {detach} from '../core/strings.js';
import {WriterGroup} from '../io/writer-group.js';
import {CompanyWorker} from './worker-client.js';
import {SimulationSink} from './simulate.js';
import {loadDealModel, reportDeals} from './deals.js';
import {reportBilling} from './billing.js';
import {reportUnify} from './unify.js';
import type {SimulationSummaries} from '../workers/protocol.js';
import {UserError} from '../errors.js';
import {readCsv} from '../io/csv.js';
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
  /** --shard K/N: only the companies (and rejected rows) whose key hashes into this shard. */
  shard?: Shard;
  /**
   * Under `run`: simulate deals, billing and unify for every company written, in the same pass. The
   * summaries are left in `result`.
   */
  simulation?: {seed: number; asOf?: string; result?: SimulationSummaries};
  /** Enrich (and simulate) on a second thread: auto = for the rules provider on inputs of 20,000+ rows. */
  workers?: 'auto' | 'on' | 'off';
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
  /** Under --shard: which shard this is (K/N) and how many input rows belong to other shards. */
  shard?: string;
  rows_in_other_shards?: number;
  provider: string;
  output: string;
  rejects_file: string;
  counts: CompanyCounts;
  provider_stats: Record<string, number>;
  /** Set under --dry-run: what enriching would take. Nothing was called or written. */
  dry_run?: EnrichPlan;
}

function headerIndex(input: string, header: string[]): ColumnIndex {
  const mapped = mapHeader(header);
  if (mapped.missing.length > 0) {
    throw new UserError(
      `${input}: missing required column(s): ${mapped.missing.join(', ')}.\n` +
        `Found: ${header.map((h) => JSON.stringify(h)).join(', ')}.\nA Clay company export has Name, Description, Primary Industry, Size, Type, Location, Country, Domain and LinkedIn URL.`,
    );
  }
  return mapped.index;
}

function rejectFrom(fields: readonly string[], index: ColumnIndex, row: number, line: number, reason: string): RejectedRow {
  const get = (i: number | undefined) => (i === undefined ? '' : fields[i] ?? '');
  return {row, line, reason, name: get(index.name), domain: get(index.domain), linkedin_url: get(index.linkedin), raw: fields.join(',')};
}

/**
 * The enrich stage, streaming: the export is read twice, never held in memory. The first pass counts the
 * rows of each account key (and writes the rejects); the second cleans each row, merges the rows of shared
 * keys as soon as the last one arrives, enriches each company and writes it (and, under `run`, hands it
 * to the simulation sink in the same pass). Companies come out in the order their last row appears.
 */
export async function runEnrich(opts: EnrichOptions): Promise<EnrichSummary> {
  const {input, paths, reporter, provider, shard} = opts;
  const inShard = (key: string) => !shard || shardOf(key, shard.count) === shard.index;
  const out = new WriterGroup();
  const rejectsOut = opts.dryRun ? undefined : out.open(paths.rejects, rejectCodec.columns);

  // Pass 1: keys and rejects.
  let index: ColumnIndex | undefined;
  const counts = new Map<string, number>();
  let inputRows = 0;
  let rejected = 0;
  let otherShards = 0;
  const rejectRow = (r: RejectedRow) => {
    if (!inShard(`reject:${r.row}:${r.raw}`)) {
      otherShards++;
      return;
    }
    rejected++;
    if (rejectsOut) out.push(rejectsOut, rejectCodec.encode(r));
  };
  reporter.start(`Scanning ${basename(input)}`);
  let read;
  try {
    read = await readCsv(input, {
      onHeader(header) {
        index = headerIndex(input, header);
      },
      onRecord(r) {
        inputRows++;
        const key = rowKey(r.fields, index!);
        if (key === '') {
          const res = cleanRow(r.fields, index!, r.row, r.line);
          if (!res.ok) rejectRow(res.value);
        } else if (inShard(key)) {
          const n = counts.get(key);
          // A new key is copied, so the map does not keep the CSV chunk it was cut from alive.
          counts.set(n === undefined ? detach(key) : key, (n ?? 0) + 1);
        }
        else otherShards++;
        if ((inputRows & 4095) === 0) reporter.progress(inputRows);
      },
      onMalformed(r, message) {
        inputRows++;
        rejectRow(rejectFrom(r.fields, index!, r.row, r.line, `malformed CSV: ${message}`));
      },
    });
  } catch (e) {
    await out.abort();
    throw e;
  }
  const companies = counts.size;
  reporter.succeed(`Scanned ${inputRows} rows: ${companies} companies, ${rejected} rows rejected${shard ? `, ${otherShards} rows in other shards` : ''}`);

  // Pass 2: clean, merge, enrich, write.
  const assembler = new AccountAssembler(counts, opts.previousCustomers);
  const limit = opts.limit ?? Infinity;
  const counter = new CompanyCounter();
  const queued: CompanyBase[] = [];
  const sync = provider.concurrency === 1 && !opts.dryRun;
  const policy = opts.workers ?? 'auto';
  const worker =
    provider.name === 'rules' && !opts.dryRun && (policy === 'on' || (policy === 'auto' && inputRows >= 20_000))
      ? await CompanyWorker.start({configDir: opts.configDir, paths, simulation: opts.simulation && {seed: opts.simulation.seed, asOf: opts.simulation.asOf}})
      : undefined;
  const companiesOut = opts.dryRun || worker ? undefined : out.open(paths.companies, companyCodec.columns);
  let sink: SimulationSink | undefined;
  try {
    if (opts.simulation && !worker && !opts.dryRun) sink = new SimulationSink({paths, configDir: opts.configDir, seed: opts.simulation.seed, asOf: opts.simulation.asOf, reporter}, loadDealModel(opts.configDir, opts.simulation.asOf));
  } catch (e) {
    await out.abort();
    await worker?.abort();
    throw e;
  }
  let emitted = 0;
  let written = 0;
  const write = (c: Company): void => {
    written++;
    counter.add(c);
    out.push(companiesOut!, companyCodec.encode(c));
    sink?.add(c);
  };
  let providerStats: Record<string, number> | undefined;
  reporter.start(sync ? `Enriching with ${provider.name}${worker ? ' (on a second thread)' : ''}` : 'Merging accounts', inputRows);
  let seen = 0;
  try {
    await readCsv(input, {
      onHeader() {},
      onRecord(r) {
        seen++;
        if ((seen & 4095) === 0) reporter.progress(seen, provider.progressNote?.());
        const res = cleanRow(r.fields, index!, r.row, r.line);
        if (!res.ok || !counts.has(res.value.key)) return undefined;
        const company = assembler.add(res.value);
        if (!company || ++emitted > limit) return undefined;
        if (worker) return worker.post(company);
        if (!sync) {
          queued.push(company);
          return undefined;
        }
        const answer = provider.enrich(company);
        // A provider that answers one company at a time may still answer asynchronously: reading pauses meanwhile.
        if (answer instanceof Promise) return answer.then((e) => write(withEnrichment(company, e)));
        return write(withEnrichment(company, answer));
      },
      onMalformed() {
        seen++;
      },
    });
    if (assembler.incomplete > 0) throw new UserError(`${input} changed while it was being read (${assembler.incomplete} accounts incomplete): run again`);
    if (opts.dryRun) {
      await out.abort();
      return dryRun(opts, queued, {inputRows, companies, mergedRows: assembler.merged, rejected}, read.blank);
    }
    if (!sync) await enrichConcurrently(provider, queued, reporter, write);
    if (worker) {
      const done = await worker.end();
      written = done.written;
      Object.assign(counter.counts, done.counts);
      providerStats = done.providerStats;
      if (opts.simulation && done.simulation) {
        opts.simulation.result = done.simulation;
        reportDeals(reporter, done.simulation.deals);
        reportBilling(reporter, done.simulation.billing);
        reportUnify(reporter, done.simulation.unify);
      }
    }
    await out.commit();
    if (sink && opts.simulation) opts.simulation.result = await sink.finish(reporter);
  } catch (e) {
    await out.abort();
    await sink?.abort();
    await worker?.abort();
    throw e;
  }
  const c = counter.counts;
  reporter.succeed(`Enriched ${written} companies with ${provider.name}: ${c.icp_fit} ICP fit, ${c.uses_x12} X12, ${c.uses_clearinghouse} clearinghouse, ${c.uses_fhir} FHIR, ${c.uses_hl7} HL7`);

  const summary: EnrichSummary = {
    input_file: input,
    input_rows: inputRows,
    companies,
    merged_rows: assembler.merged,
    rejected_rows: rejected,
    blank_lines: read.blank,
    companies_written: written,
    skipped_by_limit: companies - written,
    ...(shard ? {shard: `${shard.index + 1}/${shard.count}`, rows_in_other_shards: otherShards} : {}),
    provider: provider.name,
    output: paths.companies,
    rejects_file: paths.rejects,
    counts: c,
    provider_stats: providerStats ?? provider.stats(),
  };
  writeJsonAtomic(paths.enrichSummary, summary);
  return summary;
}

/** Enriches with an asynchronous provider, `provider.concurrency` at a time, writing in input order. */
async function enrichConcurrently(provider: EnrichmentProvider, companies: CompanyBase[], reporter: Reporter, write: (c: Company) => void): Promise<void> {
  reporter.start(`Enriching with ${provider.name}`, companies.length);
  const results: Array<Company | undefined> = new Array(companies.length);
  let next = 0;
  let done = 0;
  let flushed = 0;
  const drain = async () => {
    while (flushed < companies.length && results[flushed] !== undefined) {
      const c = results[flushed]!;
      results[flushed++] = undefined;
      write(c);
    }
  };
  const worker = async () => {
    while (next < companies.length) {
      const i = next++;
      results[i] = withEnrichment(companies[i], await provider.enrich(companies[i]));
      done++;
      reporter.progress(done, provider.progressNote?.());
      await drain();
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(provider.concurrency, companies.length))}, worker));
  await drain();
}

/** Counts by ICP fit and tech of the companies written, one at a time. */
export class CompanyCounter {
  readonly counts: CompanyCounts = countCompanies([]);
  add(c: Company): void {
    const one = countCompanies([c]);
    const x = this.counts;
    x.icp_fit += one.icp_fit;
    x.uses_x12 += one.uses_x12;
    x.uses_clearinghouse += one.uses_clearinghouse;
    x.uses_fhir += one.uses_fhir;
    x.uses_hl7 += one.uses_hl7;
    x.previous_customers += one.previous_customers;
    for (const k of ['icp_tiers', 'domain_status', 'size_bands', 'enrichment_source'] as const) {
      for (const [key, n] of Object.entries(one[k])) x[k][key] = (x[k][key] ?? 0) + n;
    }
  }
}

/** --dry-run: the provider's plan (cache hits, calls, estimated cost); nothing is called or written. */
async function dryRun(opts: EnrichOptions, selected: CompanyBase[], accounts: {inputRows: number; companies: number; mergedRows: number; rejected: number}, blank: number): Promise<EnrichSummary> {
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
    companies: accounts.companies,
    merged_rows: accounts.mergedRows,
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
  /** Provider-specific flags (the OpenAI provider's, --shard), passed through as parsed. */
  providerFlags?: Record<string, unknown>;
  /** Under `run`: simulate deals, billing and unify in the same pass (see EnrichOptions.simulation). */
  simulation?: EnrichOptions['simulation'];
  workers?: EnrichOptions['workers'];
}

/** STEDI_GTM_WORKERS=0 keeps everything on one thread, =1 always uses the second thread (default: auto). */
export function workersFromEnv(env: NodeJS.ProcessEnv = process.env): EnrichOptions['workers'] {
  return env.STEDI_GTM_WORKERS === '0' ? 'off' : env.STEDI_GTM_WORKERS === '1' ? 'on' : 'auto';
}

/** Loads the config, picks and creates the provider, runs the stage and closes the provider. */
export async function enrichStage(s: EnrichStageInput): Promise<EnrichSummary> {
  const shardFlag = s.providerFlags?.shard;
  let shard: Shard | undefined;
  if (typeof shardFlag === 'string') {
    const parsed = parseShard(shardFlag);
    if (typeof parsed === 'string') throw new UserError(parsed);
    shard = parsed;
  }
  const rules = loadIcpRules(s.configDir);
  const previousCustomers = loadPreviousCustomers(s.configDir, s.reporter);
  const name = chooseProvider(s.provider);
  const why = s.provider === 'auto' ? (name === 'rules' ? ' (auto: no OPENAI_API_KEY set)' : ' (auto: OPENAI_API_KEY is set)') : '';
  s.reporter.info(`Provider: ${name}${why}`);
  const provider = await createProvider(name, {rules, cacheDir: s.cacheDir, flags: s.providerFlags ?? {}, reporter: s.reporter, configDir: s.configDir});
  try {
    const dryRun = s.providerFlags?.['dry-run'] === true;
    return await runEnrich({input: s.input, paths: s.paths, configDir: s.configDir, limit: s.limit, provider, previousCustomers, reporter: s.reporter, dryRun, shard, simulation: s.simulation, workers: s.workers});
  } finally {
    await provider.close?.();
  }
}
