import {existsSync, readFileSync, realpathSync, statSync} from 'node:fs';
import {hostname} from 'node:os';
import {basename, join, resolve} from 'node:path';
import {countCompanies, type CompanyCounts} from '../core/accounts.js';
import {displayPath} from '../core/display-path.js';
import {count, plural} from '../core/format.js';
import {addInto} from '../core/merge.js';
import {checkShardSet, type ShardFolder, type ShardSet} from '../core/merge-order.js';
import {pickPipelineFigures} from '../core/pipeline-stats.js';
import {CompanyDigest} from '../core/report/figures.js';
import {UserError} from '../errors.js';
import {StagedFileWriter} from '../io/csv-records.js';
import {readablePaths, STATE_DIR} from '../io/dataset.js';
import {lockHolder, processAlive} from '../io/lock.js';
import {writeJsonAtomic} from '../io/json.js';
import {checkDataset, datasetFiles, MANIFEST, type ManifestRun} from '../io/manifest.js';
import type {DataPaths} from '../io/paths.js';
import {recordSources, sourceOf} from '../io/provenance.js';
import type {Reporter} from '../io/reporter.js';
import {readShardState, SHARD_STATE} from '../io/shard-state.js';
import {ManifestSchema} from '../schemas/manifest.js';
import type {BillingSummary} from './billing.js';
import {loadDealModel, pct, type DealsSummary} from './deals.js';
import type {EnrichSummary} from './enrich.js';
import type {ReportResult} from './report.js';
import {SimulationSink, writeSimulationSummaries} from './simulate.js';
import {WriterGroup} from '../io/writer-group.js';
import {copyReps, mergeCompanies, mergeRejects, ShardTables, type MergeIo} from './merge-tables.js';

/*
 * `stedi-gtm merge <shard dirs...> --data-dir <out>`: the N shards of one sharded run as one dataset, the same
 * bytes as the unsharded run (tables, summaries, report).
 *
 * - The shards' manifests must be whole (each file as its manifest says) and agree (checkShardSet).
 * - The tables are merged record by record, their bytes copied as they are (CSV-aware: a line break inside a
 *   quoted field is part of the record): companies.csv by each company's last input row (core/merge-order.ts),
 *   each company followed by its rows of the other tables, which every shard writes in company order
 *   (opportunity_history and pipeline_snapshots by the company's deals); rejects.csv by input row; reps.csv
 *   (the whole team, in every shard) once. Memory: one record per table per shard, whatever the sizes.
 * - The summaries: enrich_summary.json from the shards' counts (the company counts again from the merged rows,
 *   in their order), deals_summary.json and billing_summary.json from the shards' additive statistics
 *   (interim/shard_state.json) added up as the worker threads' are; then sources.json and the report.
 * - The output is one dataset (lock, manifest, journalled commit), like any command's.
 *
 * The merged tables are CSV. `merge --partitioned DIR` lays the shards' tables out as Parquet parts as well
 * (<table>/shard=K/part-K-of-N.parquet, no k-way merge): see merge-parquet.ts.
 */

export interface MergeInput {
  /** The shard folders, as given. */
  dirs: readonly string[];
  /** The output folder (open as the command's dataset). */
  paths: DataPaths;
  configDir: string;
  reporter: Reporter;
  /** Write the report (when the shards hold the sales tables). */
  report: boolean;
}

export interface MergeSummary {
  shards: number;
  /** The shards' run (command, seed, as-of date, input, config), as their manifests say. */
  run: ManifestRun;
  /** Data rows of each table written, by path relative to the data folder. */
  rows: Record<string, number>;
  enrich: EnrichSummary;
  deals?: DealsSummary;
  billing?: BillingSummary;
  report?: ReportResult;
}

/** Reads and checks the shard folders' manifests (whole, and of one run); throws a UserError listing every problem. */
export function readShards(dirs: readonly string[], out: string): ShardSet {
  const problems: string[] = [];
  const folders: ShardFolder[] = [];
  const parquetOnly: string[] = [];
  const outReal = realOrResolved(out);
  for (const dir of dirs) {
    const abs = resolve(dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      problems.push(`${dir} is not a folder`);
      continue;
    }
    if (realOrResolved(abs) === outReal) {
      problems.push(`${dir} is the --data-dir merge writes to: give the merged dataset a folder of its own`);
      continue;
    }
    const holder = lockHolder(join(abs, STATE_DIR, 'lock'));
    if (holder && (holder.host !== hostname() || processAlive(holder.pid))) {
      problems.push(
        `${dir} is in use by \`stedi-gtm ${holder.command}\` (pid ${holder.pid} on ${holder.host}, since ${holder.started}): a shard still running; merge once it has finished`,
      );
      continue;
    }
    if (existsSync(join(abs, STATE_DIR, 'journal.json'))) {
      problems.push(`${dir}: a command was stopped during its commit there; run the shard again`);
      continue;
    }
    const path = join(abs, MANIFEST);
    if (!existsSync(path)) {
      problems.push(`${dir} has no ${MANIFEST}: not a data folder a shard (\`stedi-gtm run --shard K/N\`) has finished writing`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      problems.push(`${join(dir, MANIFEST)} is not JSON (${(e as Error).message})`);
      continue;
    }
    const parsed = ManifestSchema.safeParse(json);
    if (!parsed.success) {
      problems.push(`${join(dir, MANIFEST)} is not a manifest this version reads (${parsed.error.issues[0]?.message})`);
      continue;
    }
    const mismatches = checkDataset(abs, parsed.data);
    if (mismatches.length > 0) {
      problems.push(
        `${dir} does not hold what its manifest says (${mismatches.map((m) => `${m.path} ${m.problem}`).join(', ')}): a shard still running, or changed since; run it again`,
      );
      continue;
    }
    if (!('raw/companies.csv' in parsed.data.files) && 'raw/companies.parquet' in parsed.data.files) {
      parquetOnly.push(dir);
      continue;
    }
    folders.push({dir, manifest: parsed.data});
  }
  if (parquetOnly.length > 0)
    problems.push(
      `${parquetOnly.join(', ')} ${parquetOnly.length === 1 ? 'holds its' : 'hold their'} tables as Parquet only (--format parquet): merge combines the shards' CSV tables; run the shards with --format csv,parquet (merge --partitioned DIR then lays their Parquet files out as they are)`,
    );
  if (problems.length === 0) {
    const set = checkShardSet(folders);
    if (!Array.isArray(set)) {
      if (set.run.shard!.n !== dirs.length) problems.push(`${plural(dirs.length, 'folder')} given for ${set.run.shard!.n} shards`);
      else return set;
    } else problems.push(...set);
  }
  throw new UserError(`Cannot merge: ${problems.join('; ')}`);
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Merges the shards into the open dataset at `paths` (see the top of this file). The caller commits.
 */
export async function mergeShards(m: MergeInput, set: ShardSet): Promise<MergeSummary> {
  const {paths, reporter} = m;
  const dirs = set.shards.map((s) => s.dir);
  const files = new Set(set.files);
  const rows: Record<string, number> = {};
  const writers: StagedFileWriter[] = [];
  const open = (file: string) => {
    const w = new StagedFileWriter(join(paths.root, file));
    writers.push(w);
    return w;
  };
  const tables: ShardTables[] = [];
  // The company counts of enrich_summary.json, counted again in the merged order (their keys in order of first appearance).
  const counts: CompanyCounts = countCompanies([]);
  const read = (file: string) => {
    const t = new ShardTables(file, dirs);
    tables.push(t);
    return t;
  };
  const io: MergeIo = {dirs, files, rows, open, read};
  try {
    mergeCompanies(io, reporter, counts);
    if (files.has('interim/rejects.csv')) mergeRejects(io);
    if (files.has('raw/reps.csv')) copyReps(io);
    for (const w of writers.splice(0)) w.close();
    reporter.succeed(combinedLine(dirs.length, rows));
  } catch (e) {
    for (const w of writers) w.abort();
    throw e;
  } finally {
    for (const t of tables) t.close();
  }

  return writeSummaries(m, set, rows, counts);
}

/** Writes enrich_summary.json of the whole export and, when the shards simulated deals, the deal and billing summaries (and the report). */
async function writeSummaries(m: MergeInput, set: ShardSet, rows: Record<string, number>, counts: CompanyCounts): Promise<MergeSummary> {
  const {paths, reporter} = m;
  const dirs = set.shards.map((s) => s.dir);
  const files = new Set(set.files);
  const n = dirs.length;
  const enrich = mergeEnrichSummaries(dirs, paths, counts);
  writeJsonAtomic(paths.enrichSummary, enrich);
  const summary: MergeSummary = {shards: n, run: set.run, rows, enrich};
  if (files.has(SHARD_STATE) && files.has('raw/deals.csv')) {
    const seed = set.run.seed ?? 42;
    const loaded = await loadDealModel(m.configDir, set.run.as_of ?? undefined);
    const s = {paths, configDir: m.configDir, seed, reporter, digest: false};
    const sink = new SimulationSink(s, loaded, new WriterGroup({stream: () => undefined, header: false}));
    const noDigest = new CompanyDigest().state();
    for (const d of dirs) sink.absorb({...readShardState(resolve(d)), digest: noDigest});
    // (Written, and reported as recomputed: not as a simulation, which merge does not run.)
    const result = sink.results();
    writeSimulationSummaries(paths, result);
    summary.deals = result.deals;
    summary.billing = result.billing;
    reporter.succeed(recomputedLine(enrich, result.deals, result.billing));
    for (const w of [...result.deals.warnings, ...result.billing.warnings]) reporter.warn(w);
    const asOf = result.deals.as_of;
    recordSources(paths, {deals: await sourceOf(paths, 'deals', seed, asOf), billing: await sourceOf(paths, 'billing', seed, asOf)});
    if (m.report) {
      const {reportStage} = await import('./report.js');
      summary.report = await reportStage({
        paths,
        reporter,
        configDir: m.configDir,
        pipeline: pickPipelineFigures(result.deals),
        readFrom: readablePaths(paths),
      });
    }
  } else reporter.succeed(recomputedLine(enrich));
  return summary;
}

/** What merge combined: the shards, and each table's rows (in the dataset's order). */
export function combinedLine(shards: number, rows: Readonly<Record<string, number>>): string {
  const order = datasetFiles();
  const files = Object.keys(rows).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return `Combined ${plural(shards, 'shard')}, rows per table: ${files.map((f) => `${basename(f)} ${count(rows[f])}`).join(', ')}`;
}

/** The summaries merge recomputed from the shards' (no stage ran: their figures are the shards' added up). */
export function recomputedLine(enrich: EnrichSummary, deals?: DealsSummary, billing?: BillingSummary): string {
  const parts = [
    `enrich_summary.json (${plural(enrich.input_rows, 'input row')}: ${plural(enrich.companies, 'company', 'companies')}, ${count(enrich.merged_rows)} merged, ${count(enrich.rejected_rows)} rejected)`,
  ];
  if (deals)
    parts.push(`deals_summary.json (${plural(deals.deals, 'deal')}: ${count(deals.won)} won, ${count(deals.lost)} lost, ${count(deals.open)} open)`);
  if (billing) {
    const r = billing.retention;
    parts.push(
      `billing_summary.json (${plural(billing.contracts, 'contract')}, ${plural(billing.renewals, 'renewal')}, ${plural(billing.invoices, 'invoice')}, ${plural(billing.arr_movements, 'ARR movement')}${r.customers ? `; NRR ${pct(r.nrr)}, GRR ${pct(r.grr)}` : ''})`,
    );
  }
  return `Recomputed from the shards' counts: ${parts.join(', ')}`;
}

/**
 * enrich_summary.json of the whole export from the shards': the same input rows and blank lines in every shard
 * (each reads the whole export), the companies, merged and rejected rows of each added up, `counts` counted
 * again from the merged companies (see mergeShards), no shard fields. Every input row must be accounted for.
 */
export function mergeEnrichSummaries(dirs: readonly string[], paths: DataPaths, counts: CompanyCounts): EnrichSummary {
  const parts = dirs.map((d) => JSON.parse(readFileSync(join(resolve(d), 'interim/enrich_summary.json'), 'utf8')) as EnrichSummary);
  const first = parts[0];
  const sum = (f: (p: EnrichSummary) => number | undefined) => parts.reduce((a, p) => a + (f(p) ?? 0), 0);
  for (const [k, p] of parts.entries()) {
    if (
      p.input_rows !== first.input_rows ||
      p.blank_lines !== first.blank_lines ||
      p.provider !== first.provider ||
      p.text_cells?.formula_guard !== first.text_cells?.formula_guard
    ) {
      throw new UserError(
        `${join(dirs[k], 'interim/enrich_summary.json')} differs from shard 1's in its input rows, blank lines, provider or formula guard: the shards come from different command lines`,
      );
    }
  }
  const companies = sum((p) => p.companies);
  const merged = sum((p) => p.merged_rows);
  const rejected = sum((p) => p.rejected_rows);
  if (companies + merged + rejected !== first.input_rows) {
    throw new UserError(
      `The shards account for ${companies + merged + rejected} of the export's ${first.input_rows} rows (companies ${companies} + merged ${merged} + rejected ${rejected}): they are not the shards of one run`,
    );
  }
  const providerStats: Record<string, number> = {};
  for (const p of parts) addInto(providerStats, p.provider_stats);
  return {
    input_file: first.input_file,
    input_rows: first.input_rows,
    companies,
    merged_rows: merged,
    merged_by_name: sum((p) => p.merged_by_name),
    ambiguous_name_rows: sum((p) => p.ambiguous_name_rows),
    rejected_rows: rejected,
    blank_lines: first.blank_lines,
    companies_written: sum((p) => p.companies_written),
    skipped_by_limit: sum((p) => p.skipped_by_limit),
    provider: first.provider,
    output: displayPath(paths.companies, process.cwd()),
    rejects_file: displayPath(paths.rejects, process.cwd()),
    counts,
    ...(first.text_cells
      ? {
          text_cells: {
            formula_guard: first.text_cells.formula_guard,
            formula_cells: sum((p) => p.text_cells?.formula_cells),
            control_chars_removed: sum((p) => p.text_cells?.control_chars_removed),
          },
        }
      : {}),
    provider_stats: providerStats,
  };
}
