import {statSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {join, basename} from 'node:path';
import {count, formatUsd, plural} from '../core/format.js';
import {countCompanies, countCompany, previousCustomerDomains, withEnrichment, type CompanyCounts} from '../core/accounts.js';
import {applyLimit, KeyCollision, splitRanges} from '../core/account-plan.js';
import {formatShard, resolveShard, type Shard} from '../core/shard.js';
import {commitPart, removePart, WriterGroup} from '../io/writer-group.js';
import {checkExportHeader, indexExport, type ExportIndex} from './account-index.js';
import {checkInputFile} from '../io/input-check.js';
import {checkWritable} from '../io/writable.js';
import {assembleRange, rangeInput, readForeign, wholeFile, type RangeInput} from '../parallel/enrich-range.js';
import {indexInParts, indexInWorker, rangeWorkersAvailable, RangeWorkers} from '../parallel/worker-client.js';
import {workerLimits} from '../parallel/worker-pool.js';
import {SimulationSink} from './simulate.js';
import {displayPath, loadDealModel, reportDeals} from './deals.js';
import {reportBilling} from './billing.js';
import {reportUnify} from './unify.js';
import type {SimulationSummaries, WorkerInit} from '../parallel/protocol.js';
import {UserError} from '../errors.js';
import {loadYamlConfig} from '../io/config.js';
import type {DataPaths} from '../io/paths.js';
import type {Reporter} from '../io/reporter.js';
import {companyCodec, rejectCodec} from './codecs.js';
import {writeJsonAtomic} from '../io/json.js';
import type {EnrichmentProvider, EnrichPlan} from '../providers/types.js';
import {chooseProvider, createProvider, getProvider} from '../providers/index.js';
import type {Company, CompanyBase} from '../schemas/companies.js';
import {CONFIG_SCHEMAS} from '../schemas/config-files.js';
import type {IcpRules} from '../schemas/icp-rules.js';
import {ingestRules, type IngestRules} from '../core/ingest.js';
import {formulaGuardOn, setFormulaGuard} from '../io/table-codec.js';
import type {TextCellStats} from '../core/text-cells.js';

export {companyCodec, rejectCodec};

export function loadIcpRules(configDir: string): Promise<IcpRules> {
  return loadYamlConfig(join(configDir, 'icp_rules.yml'), CONFIG_SCHEMAS['icp_rules.yml']);
}

/** config/ingest.yml, compiled: how the export's rows are cleaned before they become companies. */
export async function loadIngestRules(configDir: string): Promise<IngestRules> {
  return ingestRules(await loadYamlConfig(join(configDir, 'ingest.yml'), CONFIG_SCHEMAS['ingest.yml']));
}

export async function loadPreviousCustomers(configDir: string, reporter?: Reporter): Promise<Set<string>> {
  const file = join(configDir, 'previous_customers.yml');
  const cfg = await loadYamlConfig(file, CONFIG_SCHEMAS['previous_customers.yml']);
  const {set, invalid} = previousCustomerDomains(cfg.customers.map((c) => c.domain));
  if (invalid.length) reporter?.warn(`${file}: ignoring entries that are not domains: ${invalid.join(', ')}`);
  return set;
}

export interface EnrichOptions {
  input: string;
  /** How the summary names the input; default its path relative to the working directory. */
  inputName?: string;
  paths: DataPaths;
  configDir: string;
  limit?: number;
  provider: EnrichmentProvider;
  previousCustomers: ReadonlySet<string>;
  reporter: Reporter;
  /** --dry-run: plan the provider's calls, call nothing, write nothing. */
  dryRun?: boolean;
  /**
   * Called with the provider's plan before its first call, when its calls are paid (the plan has
   * confirm_above_usd): resolves to go ahead, throws to stop before any call (see confirmPaidCalls).
   */
  confirm?: (plan: EnrichPlan) => Promise<void>;
  /** --shard K/N: only the companies (and rejected rows) whose key hashes into this shard. */
  shard?: Shard;
  /**
   * Under `run`: simulate deals, billing and unify for every company written, in the same pass. The
   * summaries are left in `result`.
   */
  simulation?: {
    seed: number;
    asOf?: string;
    digest?: boolean;
    result?: SimulationSummaries;
    /**
     * Set when companies.csv and unified.csv (which the report does not read: it has the digest) were left to
     * be renamed into place in the background; they are in place when it settles. The caller must await it.
     */
    renamed?: Promise<void>;
  };
  /** Worker threads for the first and second passes (see WorkerPolicy). */
  workers?: WorkerPolicy;
  /** Bytes of the export per range of the second pass on worker threads (default RANGE_BYTES; tests, benchmarks). */
  rangeBytes?: number;
  /** Compare account keys as strings in the first pass (set after a KeyCollision; see KeyIds). */
  exactKeys?: boolean;
  /** Tests: the first pass's key hash, on this thread (see KeyIds). */
  hashKeys?: (key: string) => void;
}

export type {WorkerPolicy} from '../parallel/worker-pool.js';
import type {WorkerPolicy} from '../parallel/worker-pool.js';

export interface EnrichSummary {
  input_file: string;
  input_rows: number;
  companies: number;
  merged_rows: number;
  /** Of merged_rows: rows without a usable domain merged into the account of the one domain whose rows have their name. */
  merged_by_name: number;
  /** Rows without a usable domain whose name rows on two or more domains have: ambiguous, not merged (their own companies). */
  ambiguous_name_rows: number;
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
  /**
   * The text cells of companies.csv (see core/text-cells.ts): cells that start like a spreadsheet formula
   * (written with a leading apostrophe when formula_guard is on, as they are under --no-formula-guard) and
   * control characters removed. Absent under --dry-run.
   */
  text_cells?: {formula_guard: boolean} & TextCellStats;
  provider_stats: Record<string, number>;
  /** Set under --dry-run: what enriching would take. Nothing was called or written. */
  dry_run?: EnrichPlan;
}

/**
 * The enrich stage, streaming: the export is read twice, never held in memory. The first pass
 * (account-index.ts) reads only the key columns: each record's account, each account's row count and last
 * row, and the rejects. The second pass cleans each row, merges the rows of shared keys as soon as the last
 * one arrives, enriches each company and writes it (and, under `run`, hands it to the simulation sink in the
 * same pass). Companies come out in the order their last row appears. With the rules provider on a large
 * plain-CSV export, the second pass is cut into contiguous ranges that worker threads take in turn; this
 * thread writes each range's rows in range order (see RangeWorkers): the same bytes as one thread.
 */
export async function runEnrich(opts: EnrichOptions): Promise<EnrichSummary> {
  const ingest = await loadIngestRules(opts.configDir);
  try {
    return await enrichOnce(opts, ingest);
  } catch (e) {
    // Two account keys shared a 64-bit hash in the first pass (see KeyIds): nothing was committed; start over
    // comparing the keys themselves.
    if (opts.exactKeys || !isKeyCollision(e)) throw e;
    opts.reporter.info('Two account keys shared a hash: reading the export again, comparing keys exactly');
    return enrichOnce({...opts, exactKeys: true}, ingest);
  }
}

/**
 * Runs the clean-ups of a failed pass, each one even when an earlier one fails (the workers must be stopped, or
 * the process would not exit), and returns the pass's error: it is the one to report, not a clean-up's.
 */
async function afterFailure(e: unknown, ...cleanups: Array<() => unknown>): Promise<unknown> {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch {
      // (Reported: e.)
    }
  }
  return e;
}

const isKeyCollision = (e: unknown) => e instanceof KeyCollision || (e instanceof Error && e.message.startsWith('KeyCollision:'));

async function enrichOnce(opts: EnrichOptions, ingest: IngestRules): Promise<EnrichSummary> {
  const {input, paths, reporter, provider, shard} = opts;
  let out = new WriterGroup();
  // A large export is indexed on a thread of its own (the key table and the garbage of the pass go with it);
  // it writes the rejects to a part file, put in place with the other tables.
  const bytes = fileSize(input);
  const indexThread = (opts.workers ?? 'auto') !== 'off' && rangeWorkersAvailable() && !opts.hashKeys && (bytes >= INDEX_THREAD_BYTES || typeof opts.workers === 'number');
  const openRejects = () => (opts.dryRun || indexThread ? undefined : out.open(paths.rejects, rejectCodec.columns));
  let rejectsOut = openRejects();
  const rejectsPart = indexThread && !opts.dryRun;
  const commitRejects = async () => {
    if (rejectsPart) commitPart(paths.rejects);
  };
  const abortRejects = () => {
    if (rejectsPart) removePart(paths.rejects);
  };
  // The range workers of the second pass start now, loading their code while the first pass runs.
  const simulation = opts.simulation && {seed: opts.simulation.seed, asOf: opts.simulation.asOf, digest: opts.simulation.digest};
  const tables = [paths.companies, ...(simulation ? [paths.leads, paths.deals, paths.history, paths.snapshots, paths.reps, paths.billing, paths.invoices, paths.arrMovements, paths.unified] : [])];
  const poolSize = workerCount(opts, bytes);
  let pool: RangeWorkers | undefined =
    poolSize >= 2 ? new RangeWorkers(Array.from({length: poolSize}, (): WorkerInit => ({configDir: opts.configDir, paths, simulation, formulaGuard: formulaGuardOn()})), workerLimits()) : undefined;

  // Pass 1: keys and rejects.
  reporter.start(`Scanning ${basename(input)}`);
  let ex: ExportIndex;
  try {
    const init = {input, shard, exactKeys: opts.exactKeys, goneNames: [...ingest.goneNames], formulaGuard: formulaGuardOn(), ...(rejectsPart ? {rejects: paths.rejects} : {})};
    const progress = (n: number) => reporter.progress(n);
    // A large export (or any, when the thread count is set) is indexed in two halves at once when it can be.
    const halves = indexThread && !opts.exactKeys && (bytes >= PARALLEL_INDEX_BYTES || typeof opts.workers === 'number');
    ex = indexThread
      ? ((halves ? await indexInParts(init, progress) : undefined) ?? (await indexInWorker(init, progress)))
      : await indexExport(input, {
          shard,
          reporter,
          exactKeys: opts.exactKeys,
          hashKeys: opts.hashKeys,
          ingest,
          onReject(r) {
            if (rejectsOut) out.write(rejectsOut, rejectCodec, r);
          },
          onRestart() {
            void out.abort();
            out = new WriterGroup();
            rejectsOut = openRejects();
          },
        });
  } catch (e) {
    throw await afterFailure(e, () => out.abort(), abortRejects, () => pool?.discard());
  }
  const {inputRows, rejected, otherShards, accounts: companies, mergedByName, ambiguousByName} = ex;
  // Every row accounted for on one line: companies + rows merged into them + rejected (+ other shards) = rows.
  const mergedInto = ex.index.rows.reduce((n, r) => n + r, 0) - companies;
  const byName = mergedByName > 0 ? `, ${count(mergedByName)} of them by name` : '';
  const notByName = ambiguousByName > 0 ? `; ${plural(ambiguousByName, 'row')} without a domain not merged: their name is on several domains` : '';
  reporter.succeed(
    `Scanned ${plural(inputRows, 'row')}: ${plural(companies, 'company', 'companies')} (${plural(mergedInto, 'more row')} merged into them${byName}), ` +
      `${plural(rejected, 'row')} rejected${shard ? `, ${plural(otherShards, 'row')} in other shards` : ''}${notByName}`,
  );
  applyLimit(ex.index, opts.limit ?? Infinity);

  // Pass 2: clean, merge, enrich, write.
  // (A provider with a plan, whose calls may be paid, never starts while the export is read: its plan, and the
  // confirmation that may depend on it, come first.)
  const sync = provider.concurrency === 1 && !opts.dryRun && !provider.plan;
  const ranges = pool && ex.index.offset ? splitRanges(ex.index, rangeCount(bytes, pool.count, opts.rangeBytes)) : [];
  if (pool && ranges.length < 2) {
    // Not plain CSV (no offsets to split at), or a single record: one thread reads it all.
    await pool.discard();
    pool = undefined;
  }
  let written = 0;
  // Rows merged into another row's company: every row of an account but one (with or without --limit).
  const merged = ex.index.rows.reduce((n, r) => n + r, 0) - companies;
  const counter = new CompanyCounter();
  let providerStats: Record<string, number> | undefined;
  // Said when the companies are written, before the stages simulated in the same pass report.
  const reportEnriched = () => {
    const c = counter.counts;
    reporter.succeed(
      `Enriched ${plural(written, 'company', 'companies')} with ${provider.name}: ${count(c.icp_fit)} ICP fit, ${count(c.uses_x12)} X12, ` +
        `${count(c.uses_clearinghouse)} clearinghouse, ${count(c.uses_fhir)} FHIR, ${count(c.uses_hl7)} HL7`,
    );
  };
  // What the text cells of companies.csv held: this thread's cells (from here on), plus the workers'.
  const textBefore = {...companyCodec.textStats};
  let workerText: TextCellStats | undefined;

  if (pool) {
    reporter.start(`Enriching with ${provider.name} on ${pool.count} threads`, inputRows);
    let result;
    try {
      // The per-account row counts are shared with the workers, not copied into every range's message.
      const rows = sharedCopy(ex.index.rows);
      const range = (k: number): RangeInput => {
        const r = rangeInput(input, ex, ranges[k], readForeign(input, ex, ranges[k]));
        // slice: a view would carry the whole array of every record into the message.
        return {...r, account: r.account.slice(), keyHash: r.keyHash.slice(), rows};
      };
      // With a report to make, the two big tables are put in place while it is drawn.
      const background = opts.simulation?.digest ? [paths.companies, paths.unified] : [];
      result = await pool.run(ranges.length, range, [...opts.previousCustomers], {all: tables, background}, (n) => reporter.progress(n));
      if (opts.simulation) opts.simulation.renamed = result.renamed;
      else await result.renamed;
      await out.commit();
      await commitRejects();
    } catch (e) {
      throw await afterFailure(e, () => out.abort(), abortRejects);
    }
    written = result.written;
    workerText = result.text;
    Object.assign(counter.counts, result.counts);
    providerStats = result.providerStats;
    reportEnriched();
    if (opts.simulation && result.simulation) {
      opts.simulation.result = result.simulation;
      reportDeals(reporter, result.simulation.deals);
      reportBilling(reporter, result.simulation.billing);
      reportUnify(reporter, result.simulation.unify);
    }
  } else {
    const queued: CompanyBase[] = [];
    const companiesOut = opts.dryRun ? undefined : out.open(paths.companies, companyCodec.columns);
    let sink: SimulationSink | undefined;
    try {
      if (opts.simulation && !opts.dryRun) sink = new SimulationSink({paths, configDir: opts.configDir, seed: opts.simulation.seed, asOf: opts.simulation.asOf, digest: opts.simulation.digest, reporter}, await loadDealModel(opts.configDir, opts.simulation.asOf));
    } catch (e) {
      throw await afterFailure(e, () => out.abort(), abortRejects);
    }
    const write = (c: Company): void => {
      written++;
      counter.add(c);
      if (sink) sink.writeAndAdd(c, companiesOut!);
      else out.write(companiesOut!, companyCodec, c);
    };
    reporter.start(sync ? `Enriching with ${provider.name}` : 'Merging accounts', inputRows);
    try {
      await assembleRange(
        wholeFile(input, ex),
        opts.previousCustomers,
        (company) => {
          if (!sync) {
            queued.push(company);
            return undefined;
          }
          const answer = provider.enrich(company);
          // A provider that answers one company at a time may still answer asynchronously: reading pauses meanwhile.
          if (answer instanceof Promise) return answer.then((e) => write(withEnrichment(company, e)));
          return write(withEnrichment(company, answer));
        },
        (n) => reporter.progress(n, provider.progressNote?.()),
      );
      if (opts.dryRun) {
        await out.abort();
        abortRejects();
        return dryRun(opts, queued, {inputRows, companies, mergedRows: merged, mergedByName, ambiguousByName, rejected}, ex.blank);
      }
      if (provider.plan && opts.confirm) {
        const plan = await provider.plan(queued);
        if (typeof plan.confirm_above_usd === 'number' && plan.calls_needed > 0) await opts.confirm(plan);
      }
      if (!sync) await enrichConcurrently(provider, queued, reporter, write);
      await out.commit();
      await commitRejects();
      reportEnriched();
      if (sink && opts.simulation) opts.simulation.result = await sink.finish(reporter);
    } catch (e) {
      throw await afterFailure(e, () => out.abort(), () => sink?.abort(), abortRejects);
    }
  }
  const c = counter.counts;

  const summary: EnrichSummary = {
    input_file: opts.inputName ?? displayPath(input),
    input_rows: inputRows,
    companies,
    merged_rows: merged,
    merged_by_name: mergedByName,
    ambiguous_name_rows: ambiguousByName,
    rejected_rows: rejected,
    blank_lines: ex.blank,
    companies_written: written,
    skipped_by_limit: companies - written,
    ...(shard ? {shard: `${shard.index + 1}/${shard.count}`, rows_in_other_shards: otherShards} : {}),
    provider: provider.name,
    output: displayPath(paths.companies),
    rejects_file: displayPath(paths.rejects),
    counts: c,
    text_cells: {
      formula_guard: formulaGuardOn(),
      formula_cells: companyCodec.textStats.formula_cells - textBefore.formula_cells + (workerText?.formula_cells ?? 0),
      control_chars_removed: companyCodec.textStats.control_chars_removed - textBefore.control_chars_removed + (workerText?.control_chars_removed ?? 0),
    },
    provider_stats: providerStats ?? provider.stats(),
  };
  writeJsonAtomic(paths.enrichSummary, summary);
  return summary;
}

/**
 * The second pass on worker threads cuts the export into ranges of about this many bytes (about 9,000 Clay
 * rows; at least one per worker, at most MAX_RANGES), handed out one at a time to whichever worker is free: a
 * worker slowed down (by the other threads of the process, or the machine) takes fewer ranges, where halves
 * would leave the other worker waiting for it.
 */
const RANGE_BYTES = 8 << 20;
const MAX_RANGES = 256;

/** How many ranges the second pass cuts an export of `bytes` into, for `workers` threads. */
export function rangeCount(bytes: number, workers: number, rangeBytes = RANGE_BYTES): number {
  return Math.max(workers, Math.min(MAX_RANGES, Math.ceil(bytes / rangeBytes)));
}

/** A copy of `a` in shared memory (posted to workers without copying). */
function sharedCopy(a: Int32Array): Int32Array {
  const shared = new Int32Array(new SharedArrayBuffer(a.byteLength));
  shared.set(a);
  return shared;
}

/**
 * Exports of this size or more (about 20,000 Clay rows; any size when the thread count is set) are indexed on a
 * thread of their own; from PARALLEL_INDEX_BYTES (about 75,000 rows), on two threads at once, one half each.
 */
const INDEX_THREAD_BYTES = 16 << 20;
const PARALLEL_INDEX_BYTES = 64 << 20;

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // indexExport reports the missing file
  }
}

/**
 * How many range workers the second pass uses: 0 = none (this thread reads the whole file). Decided before
 * the first pass, from the file's size (INDEX_THREAD_BYTES is about 20,000 Clay rows).
 */
function workerCount(opts: EnrichOptions, bytes: number): number {
  if (opts.provider.pureRules !== true || opts.dryRun || !rangeWorkersAvailable()) return 0;
  const policy = opts.workers ?? 'auto';
  if (policy === 'off') return 0;
  if (typeof policy === 'number') return policy;
  return bytes >= INDEX_THREAD_BYTES ? Math.max(2, Math.min(availableParallelism(), 4)) : 0;
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
    countCompany(this.counts, c);
  }
}

/** --dry-run: the provider's plan (cache hits, calls, estimated cost); nothing is called or written. */
async function dryRun(opts: EnrichOptions, selected: CompanyBase[], accounts: {inputRows: number; companies: number; mergedRows: number; mergedByName: number; ambiguousByName: number; rejected: number}, blank: number): Promise<EnrichSummary> {
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

export interface EnrichStageInput {
  input: string;
  /** How the summary names the input (the shipped sample: see Resolved.name); default its path. */
  inputName?: string;
  paths: DataPaths;
  configDir: string;
  cacheDir: string;
  limit?: number;
  reporter: Reporter;
  /** The --provider flag: auto or a registered provider's name (src/providers/registry.ts). */
  provider: string;
  /** Provider-specific flags (the OpenAI provider's, --shard), passed through as parsed. */
  providerFlags?: Record<string, unknown>;
  /** Under `run`: simulate deals, billing and unify in the same pass (see EnrichOptions.simulation). */
  simulation?: EnrichOptions['simulation'];
  confirm?: EnrichOptions['confirm'];
  workers?: EnrichOptions['workers'];
  rangeBytes?: EnrichOptions['rangeBytes'];
}

export {workersFromEnv} from '../parallel/worker-pool.js';

/** Loads the config, picks and creates the provider, runs the stage and closes the provider. */
export async function enrichStage(s: EnrichStageInput): Promise<EnrichSummary> {
  const shardFlag = s.providerFlags?.shard;
  let shard: Shard | undefined;
  if (typeof shardFlag === 'string') {
    const count = s.providerFlags?.['shard-count'];
    const resolved = resolveShard(shardFlag, process.env, typeof count === 'number' ? count : undefined);
    if (typeof resolved === 'string') throw new UserError(resolved);
    shard = resolved.shard;
    if (resolved.engine) s.reporter.info(`Shard ${formatShard(shard)}, from ${resolved.engine}`);
  } else if (s.providerFlags?.['shard-count'] !== undefined) throw new UserError('--shard-count goes with --shard auto');
  setFormulaGuard(s.providerFlags?.['formula-guard'] !== false);
  // The export is checked before anything is created (folders, the cache) or any provider starts.
  checkInputFile(s.input, s.paths);
  await checkExportHeader(s.input);
  const rules = await loadIcpRules(s.configDir);
  const previousCustomers = await loadPreviousCustomers(s.configDir, s.reporter);
  const {name, why} = chooseProvider(s.provider);
  // The folders the stage writes, the cache included, are checked before any work (and any paid call).
  if (s.providerFlags?.['dry-run'] !== true) {
    checkWritable([s.paths.raw, s.paths.interim, ...(s.simulation ? [s.paths.final] : []), ...(getProvider(name).usesCache ? [s.cacheDir] : [])]);
  }
  s.reporter.info(`Provider: ${name}${why}`);
  const provider = await createProvider(name, {rules, cacheDir: s.cacheDir, flags: s.providerFlags ?? {}, reporter: s.reporter, configDir: s.configDir});
  try {
    const dryRun = s.providerFlags?.['dry-run'] === true;
    return await runEnrich({input: s.input, inputName: s.inputName, confirm: s.confirm, paths: s.paths, configDir: s.configDir, limit: s.limit, provider, previousCustomers, reporter: s.reporter, dryRun, shard, simulation: s.simulation, workers: s.workers, rangeBytes: s.rangeBytes});
  } finally {
    await provider.close?.();
  }
}
