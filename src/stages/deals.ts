import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {formatIsoDay, parseIsoDay, type DayNumber} from '../core/calendar.js';
import {displayPath as pathFromCwd} from '../core/display-path.js';
import {count, formatUsd, plural, segmentLabel} from '../core/format.js';
import {compileDealModel, DealStats, repRows, simulateCompany, type CompanySimulation, type DealModel, type DealsFigures} from '../core/deals.js';
import {PipelineStats, type PipelineFigures} from '../core/pipeline-stats.js';
import {formatShard, type Shard} from '../core/shard.js';
import {targetWarnings, type TargetCheck} from '../core/targets.js';
import {UserError} from '../errors.js';
import {loadYamlConfig} from '../io/config.js';
import {knownExtensions, openTable, type TableReader} from '../io/formats/index.js';
import {WriterGroup} from '../io/writer-group.js';
import type {DataPaths} from '../io/paths.js';
import type {Reporter} from '../io/reporter.js';
import {pickColumns, TableCodec} from '../io/table-codec.js';
import {COMPANY_TABLE, DEAL_TABLE, HISTORY_TABLE, LEAD_TABLE, REP_TABLE, SNAPSHOT_TABLE} from '../generated/tables.js';
import type {Company} from '../schemas/companies.js';
import {CONFIG_SCHEMAS} from '../schemas/config-files.js';
import type {DealModelConfig} from '../schemas/deal-model.js';
import type {Deal, Lead} from '../schemas/deals.js';
import type {OpportunityChange, PipelineSnapshot, Rep} from '../schemas/history.js';
import {writeJsonAtomic} from '../io/json.js';
import {fileSha256, recordSources, sourceOf} from '../io/provenance.js';
import {companyCodec} from './codecs.js';

export const dealCodec = new TableCodec<Deal>(DEAL_TABLE);
/** What the readers of companies.csv check (see CursorOptions.check): every typed cell, unique company IDs. */
export const COMPANY_CHECK = {table: COMPANY_TABLE, all: true, unique: 'company_id'} as const;
export const leadCodec = new TableCodec<Lead>(LEAD_TABLE);
export const historyCodec = new TableCodec<OpportunityChange>(HISTORY_TABLE);
export const snapshotCodec = new TableCodec<PipelineSnapshot>(SNAPSHOT_TABLE);
export const repCodec = new TableCodec<Rep>(REP_TABLE);

/** data/raw/leads.csv (not in dataPaths: written by the deals stage next to deals.csv). */
export function leadsPath(paths: DataPaths): string {
  return paths.leads;
}

/** What the simulation stages (deals, billing, unify) need from the command. */
export interface SimulationStageInput {
  paths: DataPaths;
  configDir: string;
  seed: number;
  limit?: number;
  reporter: Reporter;
  /** The --as-of flag (YYYY-MM-DD), if given. */
  asOf?: string;
  /** Whether --seed was given (billing and unify take the seed the deals were made with otherwise). */
  seedGiven?: boolean;
  /** false: the one pass makes no company digest for the report (the run makes no report). Default true. */
  digest?: boolean;
  /** `run --shard K/N`: the pass simulates one shard of the export (see the quota warning in DealsSink.summary). */
  shard?: Shard;
}

export function loadDealModelConfig(configDir: string): Promise<DealModelConfig> {
  return loadYamlConfig(join(configDir, 'deal_model.yml'), CONFIG_SCHEMAS['deal_model.yml']);
}

/** Validates --as-of: a real YYYY-MM-DD date, not before the simulation window. */
export function parseAsOfFlag(value: string, config: DealModelConfig): DayNumber {
  const day = parseIsoDay(value.trim());
  if (day === null)
    throw new UserError(
      `--as-of ${JSON.stringify(value)} is not a valid date: expected a real calendar date as YYYY-MM-DD, e.g. ${config.simulation.as_of} (the default, deal_model.yml simulation.as_of)`,
    );
  const start = parseIsoDay(config.simulation.window_start)!;
  if (day < start)
    throw new UserError(
      `--as-of ${value} is before the simulation window, which starts on ${config.simulation.window_start} (deal_model.yml simulation.window_start)`,
    );
  return day;
}

/** The config and the compiled model for an as-of date (flag, else the config's simulation.as_of). */
export async function loadDealModel(configDir: string, asOfFlag?: string): Promise<{config: DealModelConfig; model: DealModel; asOf: DayNumber}> {
  const config = await loadDealModelConfig(configDir);
  const asOf = asOfFlag !== undefined ? parseAsOfFlag(asOfFlag, config) : parseIsoDay(config.simulation.as_of)!;
  try {
    return {config, model: compileDealModel(config, asOf), asOf};
  } catch (e) {
    // A config the schema lets through but the model cannot use is still the config's fault: named, exit 2.
    throw new UserError(`${join(configDir, 'deal_model.yml')}: the deal model cannot be built from it: ${(e as Error).message}`);
  }
}

/** Throws the "run X first" error when a stage's input is missing. */
export function requireInput(file: string, command: string): void {
  if (existsSync(file)) return;
  // The table in the other format: the folder was written with another --format.
  const other = knownExtensions()
    .map((ext) => file.replace(/\.[a-z0-9]+$/, ext))
    .find((f) => f !== file && existsSync(f));
  if (other) {
    const format = other.slice(other.lastIndexOf('.') + 1);
    throw new UserError(`${displayPath(file)} not found, but ${displayPath(other)} is: give --format ${format} to read the ${format} tables`);
  }
  throw new UserError(`${displayPath(file)} not found: run \`stedi-gtm ${command}\` first`);
}

export function displayPath(file: string): string {
  return pathFromCwd(file, process.cwd());
}

/**
 * A codec for some columns of companies.csv: the stages decode only what they read (the long description
 * and evidence columns are most of the file). The key list must name every key of the row type; deals and
 * billing type it with the company parameter types of their core functions, so a core function that starts
 * reading another column fails to compile until the column is added to the list.
 */
export function companyColumns<K extends keyof Company>(keys: Record<K, true>): TableCodec<Pick<Company, K>> {
  return new TableCodec<Pick<Company, K>>(pickColumns(COMPANY_TABLE, keys), {safeText: true});
}

/**
 * companies.csv, streamed in file order (see TableReader), decoding the codec's columns (and giving the
 * `cells` columns as a RowPart of the tables' format); every column of CompanySchema must be in the header, as for the full decode.
 */
export async function openCompanies<T extends Partial<Company>>(
  paths: DataPaths,
  codec: TableCodec<T>,
  cells?: readonly (keyof Company)[],
): Promise<TableReader<T>> {
  requireInput(paths.companies, 'enrich');
  return openTable(paths.companies, codec, {required: companyCodec.columns, producedBy: 'enrich', cells, check: COMPANY_CHECK});
}

/**
 * A simulation stage's walk over companies.csv, company by company, with the other tables it reads in
 * step (see CompanyDeals in billing.ts) and the sink it writes to. Made by dealsWalk, billingWalk and
 * unifyWalk; runWalk drives it.
 */
export interface CompanyWalk<C> {
  companies: TableReader<C & Record<string, unknown>>;
  /** Whether the companies past --limit are walked too (their rows checked), or the walk stops there. */
  walksAll: boolean;
  /** The company at the cursor; `selected` is false past --limit. */
  add(company: C, selected: boolean): void | Promise<void>;
  /** After the last company: the checks that no row of the other tables is left over. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a stage's walk (`open` makes its cursors, then its sink writing to `out`), walks the companies,
 * reporting progress, and commits the output tables; on any error they are left as they were. Memory holds
 * only the rows at the cursors, whatever the number of companies.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runWalk<W extends CompanyWalk<any>>(s: SimulationStageInput, open: (out: WriterGroup) => Promise<W>): Promise<W> {
  const out = new WriterGroup();
  const walk = await open(out);
  try {
    const companies = walk.companies;
    for (let n = 0; walk.walksAll || s.limit === undefined || n < s.limit; n++) {
      const wait = companies.advance();
      if (wait) await wait;
      const company = companies.row;
      if (company === undefined) break;
      const pending = walk.add(company, s.limit === undefined || n < s.limit);
      if (pending) await pending;
      if ((n & 1023) === 0) s.reporter.progress(n, undefined, companies.estimatedRows());
    }
    await walk.finish();
    await out.commit();
    return walk;
  } catch (e) {
    await out.abort();
    throw e;
  } finally {
    await walk.close();
  }
}

/** What the deals stage reads of a company: what DealsSink.add passes on (simulateCompany, DealStats.add). */
export type DealsCompany = Parameters<typeof simulateCompany>[0] & Parameters<DealStats['add']>[0];
/** The columns of companies.csv the deals stage decodes (the one pass decodes these and a few more: simulatedCodec). */
export const DEALS_COMPANY_COLUMNS = {
  company_id: true,
  company_key: true,
  size_band: true,
  icp_tier: true,
  icp_fit: true,
  icp_confidence: true,
  uses_x12: true,
  uses_clearinghouse: true,
  uses_fhir: true,
  uses_hl7: true,
  techstack_confidence: true,
  is_previous_customer: true,
  company_kind: true,
  is_competitor: true,
  techstack_basis: true,
} as const satisfies Record<keyof DealsCompany, true>;
const dealsCompanyCodec = companyColumns<keyof DealsCompany>(DEALS_COMPANY_COLUMNS);

export interface DealsSummary extends DealsFigures, PipelineFigures {
  seed: number;
  as_of: string;
  window: {start: string; end: string};
  output: string;
  leads_file: string;
  history_file: string;
  snapshots_file: string;
  reps_file: string;
  checks: TargetCheck[];
  warnings: string[];
}

/** The deal model, compiled for the as-of date (from loadDealModel). */
export type LoadedDealModel = Awaited<ReturnType<typeof loadDealModel>>;

/** What the pipeline figures are measured against: the configured team, the window and the as-of date. */
export function pipelineSetup(loaded: LoadedDealModel) {
  const config = loaded.model.config;
  return {reps: config.reps, segments: loaded.model.segments, windowStart: config.simulation.window_start, asOf: formatIsoDay(loaded.asOf)};
}

/**
 * The deals stage's per-company work and outputs: one pure simulation per company, written to leads.csv,
 * deals.csv, opportunity_history.csv and pipeline_snapshots.csv (and reps.csv, once per dataset). `deals`
 * feeds it the companies of companies.csv; `run` feeds it each company as soon as enrichment produced it, so
 * both write the same bytes.
 */
export class DealsSink {
  readonly stats: DealStats;
  /** Quota attainment, pipeline coverage and slip rate (see core/pipeline-stats.ts). */
  readonly pipeline: PipelineStats;
  private readonly leads;
  private readonly deals;
  private readonly history;
  private readonly snapshots;

  constructor(
    private readonly s: SimulationStageInput,
    readonly loaded: LoadedDealModel,
    private readonly out: WriterGroup,
  ) {
    this.stats = new DealStats(loaded.model);
    this.pipeline = new PipelineStats(pipelineSetup(loaded));
    this.leads = out.open(s.paths.leads, leadCodec);
    this.deals = out.open(s.paths.deals, dealCodec);
    this.history = out.open(s.paths.history, historyCodec);
    this.snapshots = out.open(s.paths.snapshots, snapshotCodec);
    // reps.csv: the configured team, written by the first piece of a chunked pass only (see writesOnce).
    const reps = out.open(s.paths.reps, repCodec, {perCompany: false});
    if (out.writesOnce) for (const r of repRows(loaded.model.config)) out.write(reps, repCodec, r);
  }

  add(company: DealsCompany): CompanySimulation {
    const sim = simulateCompany(company, this.loaded.model, this.s.seed, this.loaded.asOf);
    this.stats.add(company, sim);
    this.pipeline.add(sim);
    const out = this.out;
    out.company(company.company_key);
    out.write(this.leads, leadCodec, sim.lead);
    for (const d of sim.deals) out.write(this.deals, dealCodec, d);
    // A company's history and snapshot rows (a dozen each for a company with deals) go as one string: one UTF-8
    // write per company instead of one per row (see AtomicCsvWriter.addAll).
    if (sim.history.length > 0) out.writeAll(this.history, historyCodec, sim.history);
    if (sim.snapshots.length > 0) out.writeAll(this.snapshots, snapshotCodec, sim.snapshots);
    return sim;
  }

  /**
   * The summary, after the group's files are committed. Not written here: the thread that holds the command's
   * dataset writes it (writeDealsSummary), so that it is staged into the same commit as the tables.
   */
  summary(): DealsSummary {
    const deals = this.stats.summary();
    const pipeline = this.pipeline.figures();
    const pipelineChecks = this.pipeline.checks(this.loaded.model.config.targets);
    const figures = deals.figures;
    const checks = [...deals.checks, ...pipelineChecks];
    const {model, asOf} = this.loaded;
    // Quotas are configured for an export of a certain size: say so where attainment misses its range. A shard
    // leaves the advice to the merge: it holds only its part of the export's companies, and its bookings are
    // measured against the whole team's quotas (every shard has the whole of reps.csv), so neither its count nor
    // its attainment says how to scale the quotas. merge recomputes this summary over all the shards (no shard
    // set there) and gives the advice for the whole export.
    const sized = model.config.simulation.quota_sized_for_companies;
    const shard = this.s.shard;
    const quotaHint = (w: string) =>
      !w.startsWith('quota_attainment_share')
        ? w
        : shard
          ? `${w}: shard ${formatShard(shard)} holds ${count(figures.companies)} of the export's companies, measured against the whole team's quotas; merging the shards measures attainment over the whole export and says how to scale quarterly_quota_arr`
          : `${w}: the quotas (deal_model.yml reps) suit a team selling to about ${count(sized)} companies and this export has ${count(figures.companies)}; scale quarterly_quota_arr by about ${(figures.companies / sized).toFixed(2)}`;
    const warnings = [...deals.warnings, ...targetWarnings(pipelineChecks).map(quotaHint)];
    const summary: DealsSummary = {
      seed: this.s.seed,
      as_of: formatIsoDay(asOf),
      window: {start: model.config.simulation.window_start, end: model.config.simulation.window_end},
      output: displayPath(this.s.paths.deals),
      leads_file: displayPath(this.s.paths.leads),
      history_file: displayPath(this.s.paths.history),
      snapshots_file: displayPath(this.s.paths.snapshots),
      reps_file: displayPath(this.s.paths.reps),
      ...figures,
      ...pipeline,
      checks,
      warnings,
    };
    return summary;
  }
}

/**
 * Writes deals_summary.json: inside the command's data folder it is staged for the dataset's commit (see
 * writeJsonAtomic). Call on the thread that opened the dataset (a worker has none: the file would be renamed
 * into place on its own, outside the commit).
 */
export function writeDealsSummary(paths: Pick<DataPaths, 'dealsSummary'>, summary: DealsSummary): void {
  writeJsonAtomic(paths.dealsSummary, summary);
}

/** Reports a stage's summary line and its calibration warnings. */
export function reportDeals(reporter: Reporter, summary: DealsSummary): void {
  reporter.succeed(
    `Simulated ${plural(summary.companies, 'company', 'companies')}: ${plural(summary.deals, 'deal')} (${count(summary.won)} won, ${count(summary.lost)} lost, ${count(summary.open)} open)`,
  );
  for (const w of summary.warnings) reporter.warn(w);
}

/**
 * A walk over companies.csv alone (up to --limit; `cells` as for openCompanies): each company is given to
 * `add` with the sink `makeSink` makes (after companies.csv is opened) and the cursor.
 */
export async function sinkWalk<C extends Partial<Company>, S>(
  s: SimulationStageInput,
  codec: TableCodec<C>,
  makeSink: () => S,
  add: (sink: S, company: C, companies: TableReader<C>) => void,
  cells?: readonly (keyof Company)[],
): Promise<CompanyWalk<C> & {sink: S}> {
  const companies = await openCompanies(s.paths, codec, cells);
  let sink: S;
  try {
    sink = makeSink();
  } catch (e) {
    await companies.close();
    throw e;
  }
  return {
    companies: companies as TableReader<C & Record<string, unknown>>,
    sink,
    walksAll: false,
    add: (c) => add(sink, c, companies),
    finish: async () => {},
    close: () => companies.close(),
  };
}

/** The deals stage's walk: each company of companies.csv (up to --limit) through the DealsSink. */
export function dealsWalk(
  s: SimulationStageInput,
  loaded: LoadedDealModel,
  out: WriterGroup,
): Promise<CompanyWalk<DealsCompany> & {sink: DealsSink}> {
  return sinkWalk(
    s,
    dealsCompanyCodec,
    () => new DealsSink(s, loaded, out),
    (sink, c) => void sink.add(c),
  );
}

/**
 * The deals stage: companies.csv -> leads.csv, deals.csv, opportunity_history.csv, pipeline_snapshots.csv and
 * reps.csv, one pure simulation per company.
 */
export async function runDeals(s: SimulationStageInput): Promise<DealsSummary> {
  const loaded = await loadDealModel(s.configDir, s.asOf);
  s.reporter.start('Simulating deals', s.limit);
  // companies.csv is hashed (for the record of what the deals are made from) on its own thread meanwhile.
  const hashed = existsSync(s.paths.companies) ? fileSha256(s.paths.companies) : undefined;
  hashed?.catch(() => undefined);
  const walk = await runWalk(s, (out) => dealsWalk(s, loaded, out));
  const summary = walk.sink.summary();
  writeDealsSummary(s.paths, summary);
  recordSources(s.paths, {deals: await sourceOf(s.paths, 'deals', s.seed, summary.as_of, hashed)});
  reportDeals(s.reporter, summary);
  return summary;
}

export const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const usd = (x: number | null) => (x === null ? 'n/a' : formatUsd(x));
const days = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)}d`);

/** A short, human-readable deals summary. */
export function formatDealsSummary(s: DealsSummary): string {
  const losses = Object.entries(s.loss_reasons)
    .map(([k, v]) => `${k} ${pct(v)}`)
    .join(', ');
  const sources = Object.entries(s.lead_sources)
    .map(([k, v]) => `${k} ${pct(v.opportunity_rate)}/${pct(v.win_rate)}`)
    .join(', ');
  // With the companies and closed deals each rate rests on: small groups are noise.
  const groups = (g: Record<string, {companies: number; won: number; lost: number; opportunity_rate: number | null; win_rate: number | null}>) =>
    Object.entries(g)
      .filter(([, v]) => v.companies > 0)
      .map(
        ([k, v]) =>
          `${k} ${pct(v.opportunity_rate)} of ${count(v.companies)}/${v.won + v.lost > 0 ? `${pct(v.win_rate)} of ${count(v.won + v.lost)}` : 'n/a'}`,
      )
      .join(', ');
  const c = s.median_cycle_days;
  return [
    `Deals as of ${s.as_of} (window ${s.window.start} to ${s.window.end}, seed ${s.seed})`,
    `  opportunity rate  ${pct(s.opportunity_rate)} of ${plural(s.companies_touched, 'company', 'companies')} touched${s.companies_touched < s.companies ? ` (of ${count(s.companies)})` : ''} (ICP ${pct(s.opportunity_rate_icp)}, others ${pct(s.opportunity_rate_non_icp)})`,
    `  deals             ${count(s.deals)}: ${count(s.won)} won, ${count(s.lost)} lost, ${count(s.open)} open (${count(s.deal_types.new_business)} new business, ${count(s.deal_types.expansion)} expansion)`,
    `  win rate          ${pct(s.win_rate)} of closed; open share ${pct(s.open_share)}; open pipeline ${usd(s.open_pipeline_arr)} (weighted ${usd(s.weighted_pipeline_arr)})`,
    `  median cycle      ${days(c.overall)} won (${Object.keys(c)
      .filter((g) => g !== 'overall')
      .map((g) => `${segmentLabel(g)} ${days(c[g])}`)
      .join(', ')}); lost ${days(s.median_cycle_days_lost)}`,
    `  median ARR        ${usd(s.median_won_arr)} won (${pct(s.won_arr_below_5k_share)} < $5K, ${pct(s.won_arr_above_100k_share)} > $100K); all deals ${usd(s.median_amount_arr)}`,
    `  loss reasons      ${losses}`,
    `  by lead source    (opportunity rate / win rate) ${sources}`,
    `  by X12 evidence   (opportunity rate of companies / win rate of closed deals) ${groups(s.by_x12_evidence)}`,
    `  by company kind   (opportunity rate of companies / win rate of closed deals) ${groups(s.by_company_kind)}`,
    `  quarter-end       ${pct(s.quarter_end_close_share)} of closes in the last 15 days of a quarter`,
    ...formatPipeline(s),
    ...formatChecks(s.checks),
  ].join('\n');
}

/** The quota attainment, pipeline coverage and slip rate lines of the deals summary. */
export function formatPipeline(s: PipelineFigures): string[] {
  const qa = s.quota_attainment;
  const segments = Object.entries(qa.by_segment)
    .filter(([, g]) => g.rep_quarters > 0)
    .map(([k, g]) => `${k} ${pct(g.at_quota_share)} of ${count(g.rep_quarters)}`)
    .join(', ');
  const measured = s.pipeline_quarters.filter((q) => q.measured);
  const range = measured.length ? `, ${measured[0].quarter} to ${measured.at(-1)!.quarter}` : '';
  const x = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)}x`);
  return [
    `  quota attainment  ${pct(qa.at_quota_share)} of ${plural(qa.rep_quarters, 'rep-quarter')} at quota (median attainment ${pct(qa.median_attainment)}${segments ? `; ${segments}` : ''})`,
    `  pipeline          coverage ${x(s.median_pipeline_coverage)}, slip rate ${pct(s.median_slip_rate)} (medians over ${plural(measured.length, 'quarter')}${range}); ` +
      `${count(s.snapshot_rows)} snapshot rows, ${count(s.history_rows)} history rows`,
  ];
}

export function formatChecks(checks: readonly TargetCheck[]): string[] {
  const n = (...st: Array<TargetCheck['status']>) => checks.filter((c) => st.includes(c.status)).length;
  const noisy = checks.filter((c) => c.status === 'within_noise').map((c) => c.metric);
  return [
    `  targets           ${n('ok')} within range, ${n('within_noise')} outside but within sampling noise, ${n('outside')} outside, ` +
      `${n('too_few', 'no_data')} not judged (fewer than targets.min_sample observations)`,
    ...(noisy.length ? [`                    within noise: ${noisy.join(', ')}`] : []),
  ];
}
