import {existsSync} from 'node:fs';
import {writeTextAtomic} from '../io/json.js';
import {join, relative, sep} from 'node:path';
import {plural} from '../core/format.js';
import {loadDealModelConfig} from './deals.js';
import {displayCheck, type RecordedCheck} from '../core/report/checks.js';
import {
  CompanyDigest,
  FigureBuilder,
  type CompanyDigestState,
  type FigureCompany,
  type FigureContract,
  type FigureDeal,
  type FigureInvoice,
  type FigureOptions,
  type ReportFigures,
  type FigureState,
  type FigureUnified,
} from '../core/report/figures.js';
import {renderPage, type RunFacts} from '../core/report/html.js';
import {chartDefs} from '../core/report/specs.js';
import {displayPath} from '../core/display-path.js';
import type {ReportResult} from '../core/report/summary.js';
import {preloadCharts, renderCharts} from './report/charts.js';
import {readRunFacts, retentionFacts, stageSummaryPath} from './report/facts.js';
import {ALL_SIZE_BANDS} from '../core/size-bands.js';
import {DEAL_STAGES, ICP_TIERS, openVocabulary} from '../core/vocabulary.js';
import {UserError} from '../errors.js';
import {checkMadeFrom} from '../io/provenance.js';
import type {DataPaths} from '../io/paths.js';
import type {Reporter} from '../io/reporter.js';
import {pickColumns, TableCodec, type TableColumn} from '../io/table-codec.js';
import {openTable} from '../io/formats/index.js';
import {COMPANY_TABLE, CONTRACT_TABLE, DEAL_TABLE, INVOICE_TABLE, REP_TABLE, SNAPSHOT_TABLE, UNIFIED_TABLE} from '../generated/tables.js';
import {PipelineStats, type PipelineDeal, type PipelineFigures, type PipelineRep, type PipelineSnapshotRow} from '../core/pipeline-stats.js';

export type {ReportResult} from '../core/report/summary.js';
export {formatSummaryTable} from '../core/report/summary.js';

/** A codec for some columns of a table (`read` projects the file onto them). */
function projected<T extends Record<string, unknown>>(table: readonly TableColumn[], columns: Record<keyof T & string, true>): TableCodec<T> {
  // (Text cells of companies.csv and unified.csv are read with the formula guard undone, as written.)
  return new TableCodec<T>(pickColumns(table, columns), {safeText: table === COMPANY_TABLE || table === UNIFIED_TABLE});
}

// The columns the report reads: every field of the Figure* row types (the Record type makes the lists complete).
type DealRow = FigureDeal & {as_of_date: string};
const companyCodec = projected<FigureCompany>(COMPANY_TABLE, {
  company_id: true,
  icp_fit: true,
  icp_tier: true,
  size_band: true,
  uses_x12: true,
  uses_clearinghouse: true,
  uses_fhir: true,
  uses_hl7: true,
  enrichment_source: true,
});
const dealCodec = projected<DealRow>(DEAL_TABLE, {
  deal_id: true,
  company_id: true,
  lead_source: true,
  segment: true,
  created_date: true,
  stage: true,
  close_date: true,
  outcome: true,
  loss_reason: true,
  lost_at_stage: true,
  amount_arr: true,
  closed_arr: true,
  probability: true,
  sales_cycle_days: true,
  as_of_date: true,
});
const repCodec = projected<PipelineRep>(REP_TABLE, {name: true, segment: true, hire_date: true, quarterly_quota_arr: true});
const snapshotCodec = projected<PipelineSnapshotRow>(SNAPSHOT_TABLE, {
  snapshot_date: true,
  deal_id: true,
  amount_arr: true,
  expected_close_date: true,
});
const contractCodec = projected<FigureContract>(CONTRACT_TABLE, {
  billing_id: true,
  deal_id: true,
  company_id: true,
  arr: true,
  contract_status: true,
  term_number: true,
});
const invoiceCodec = projected<FigureInvoice>(INVOICE_TABLE, {period_start: true, period_months: true, amount: true});
const unifiedCodec = projected<FigureUnified>(UNIFIED_TABLE, {company_id: true, is_customer: true});

/** What the report checks of each table it reads, by the command that writes it (see CursorOptions.check). */
const CHECKS: Record<string, {table: readonly TableColumn[]; unique?: string}> = {
  enrich: {table: COMPANY_TABLE, unique: 'company_id'},
  deals: {table: DEAL_TABLE, unique: 'deal_id'},
  billing: {table: CONTRACT_TABLE, unique: 'billing_id'},
  invoices: {table: INVOICE_TABLE},
  unify: {table: UNIFIED_TABLE},
  reps: {table: REP_TABLE},
  snapshots: {table: SNAPSHOT_TABLE},
};

/** data/raw/leads.csv, written by the deals stage (listed with the outputs when present). */
function leadsFile(paths: DataPaths): string {
  return paths.leads;
}

/** <data-dir>/final/report.html */
export function reportPath(paths: DataPaths): string {
  return join(paths.final, 'report.html');
}

/** The tables the report reads, in pipeline order, with the command that writes each. */
function inputs(paths: DataPaths) {
  return [
    {name: 'companies', file: paths.companies, command: 'enrich'},
    {name: 'deals', file: paths.deals, command: 'deals'},
    {name: 'billing', file: paths.billing, command: 'billing'},
    {name: 'invoices', file: paths.invoices, command: 'billing'},
    {name: 'unified', file: paths.unified, command: 'unify'},
  ] as const;
}

/**
 * Streams the codec's columns of a table (see TableReader; CSV's: the fast scanner, papaparse when the file is not
 * plain CSV), passing each decoded row to `onRow`. A missing column names the command that writes the table.
 */
async function stream<T extends Record<string, unknown>>(
  file: string,
  codec: TableCodec<T>,
  command: string,
  onRow: (row: T) => void,
  check = CHECKS[command],
  required: readonly string[] = codec.columns,
): Promise<void> {
  // The cells the report reads are checked (and the IDs it reads unique), not the others.
  const cursor = await openTable(file, codec, {required, producedBy: command, check});
  try {
    for (;;) {
      const wait = cursor.advance();
      if (wait) await wait;
      const row = cursor.row;
      if (row === undefined) break;
      onRow(row);
    }
  } finally {
    await cursor.close();
  }
}

/**
 * One shared string per distinct value of a column that repeats (dates), so that the values kept in memory do
 * not each hold their own copy.
 */
class Interner {
  private readonly values = new Map<string, string>();

  of(s: string): string {
    const v = this.values.get(s);
    if (v !== undefined) return v;
    this.values.set(s, s);
    return s;
  }
}

/** What readPipeline reads of deals.csv. */
const pipelineDealCodec = projected<Pick<PipelineDeal, 'deal_id' | 'owner' | 'outcome' | 'close_date' | 'closed_arr'>>(DEAL_TABLE, {
  deal_id: true,
  owner: true,
  outcome: true,
  close_date: true,
  closed_arr: true,
});

/**
 * Quota attainment, pipeline coverage and slip rate (core/pipeline-stats.ts) from reps.csv, deals.csv (the
 * owners and bookings; of each deal only its id and close_date are kept, in file order) and
 * pipeline_snapshots.csv, streamed: its rows follow the deals (each deal's weeks together), so each row's deal
 * is found by walking the deals in step; the snapshot rows are never held. null when the dataset has no
 * reps.csv or pipeline_snapshots.csv (made before they existed).
 */
export async function readPipeline(paths: DataPaths, windowStart: string, asOf: string): Promise<PipelineFigures | null> {
  if (!existsSync(paths.reps) || !existsSync(paths.snapshots)) return null;
  const reps: PipelineRep[] = [];
  await stream(paths.reps, repCodec, 'deals', (r) => reps.push(r), CHECKS.reps);
  const stats = new PipelineStats({reps, windowStart, asOf});
  const ids: string[] = [];
  const closes: string[] = [];
  const dates = new Interner();
  await stream(
    paths.deals,
    pipelineDealCodec,
    'deals',
    (d) => {
      stats.addDeal(d);
      ids.push(d.deal_id);
      closes.push(dates.of(d.close_date));
    },
    {table: DEAL_TABLE},
  );
  let k = 0;
  let byId: Map<string, number> | undefined;
  await stream(
    paths.snapshots,
    snapshotCodec,
    'deals',
    (row) => {
      if (k >= ids.length || ids[k] !== row.deal_id) {
        // The next deal, else (rows out of the deals' order) a look-up.
        if (k + 1 < ids.length && ids[k + 1] === row.deal_id) k++;
        else {
          byId ??= new Map(ids.map((id, i) => [id, i]));
          k = byId.get(row.deal_id) ?? ids.length;
        }
      }
      stats.addSnapshot(row, k < ids.length ? closes[k] : '');
    },
    CHECKS.snapshots,
  );
  return stats.figures();
}

/** The company_id of deals.csv and billing.csv: the companies whose icp_tier and size_band the figures look up. */
async function companiesWithDeals(paths: DataPaths): Promise<Set<string>> {
  const keep = new Set<string>();
  const ids = (table: readonly TableColumn[]) => projected<{company_id: string}>(table, {company_id: true});
  // (A table that lacks columns the report reads is named with all of them, as the later full read would.)
  await stream(paths.deals, ids(DEAL_TABLE), 'deals', (d) => keep.add(d.company_id), {table: DEAL_TABLE}, dealCodec.columns);
  await stream(paths.billing, ids(CONTRACT_TABLE), 'billing', (c) => keep.add(c.company_id), {table: CONTRACT_TABLE}, contractCodec.columns);
  return keep;
}

/** The companies that are customers: distinct company_id of the rows of unified.csv with is_customer. */
async function readCustomers(paths: DataPaths): Promise<Set<string>> {
  const customers = new Set<string>();
  await stream(paths.unified, unifiedCodec, 'unify', (u) => {
    if (u.is_customer) customers.add(u.company_id);
  });
  return customers;
}

/**
 * Streams companies.csv into a digest: each company's icp_tier and size_band are kept when it has a deal or a
 * contract; it is a customer when unified.csv says so. Customers of unified.csv left over (not companies of
 * companies.csv: the tables do not belong together) are counted in `strayCustomers`, not in the digest.
 */
async function digestCompanies(paths: DataPaths): Promise<{digest: CompanyDigest; strayCustomers: number}> {
  const keep = await companiesWithDeals(paths);
  const customers = await readCustomers(paths);
  const digest = new CompanyDigest();
  await stream(paths.companies, companyCodec, 'enrich', (c) => {
    // delete: a company id seen twice is one customer, as unified.csv counts it.
    digest.add(c, keep.has(c.company_id), customers.delete(c.company_id));
  });
  return {digest, strayCustomers: customers.size};
}

/** What readReportTables reads. */
export interface ReportTables {
  /** The rows of deals.csv, billing.csv and invoices.csv, fed (see FigureBuilder), and the companies' digest. */
  figures: FigureBuilder;
  /** The as_of_date of deals.csv (its first row's; null when it has no deals). */
  asOf: string | null;
  /** Customers in unified.csv that are not companies of companies.csv (0 when given a digest). */
  strayCustomers: number;
}

/**
 * Reads the tables (only the columns the report uses), streamed: deals.csv, billing.csv and invoices.csv into a
 * FigureBuilder, companies.csv and unified.csv into a CompanyDigest; no row is held. With `digest` (built
 * while the companies were simulated, see reportStage), companies.csv and unified.csv are not read. A missing
 * table names the command to run.
 */
export async function readReportTables(
  paths: DataPaths,
  options: Omit<FigureOptions, 'asOf'>,
  digest?: CompanyDigest | CompanyDigestState,
  made?: FigureState,
): Promise<ReportTables> {
  if (digest && made) {
    // The rows' figures were made with the rows (run): nothing to read.
    const figures = new FigureBuilder(digest instanceof CompanyDigest ? digest : CompanyDigest.of(digest), options);
    figures.merge(made);
    return {figures, asOf: null, strayCustomers: 0};
  }
  for (const t of inputs(paths)) {
    if (digest && (t.name === 'companies' || t.name === 'unified')) continue;
    if (!existsSync(t.file)) {
      throw new UserError(
        `${displayPath(t.file, process.cwd())} not found: run \`stedi-gtm ${t.command}\` first (or \`stedi-gtm run\` for the whole pipeline), then \`stedi-gtm report\``,
      );
    }
  }
  // The companies first (the deal and contract figures look up their icp_tier and size_band).
  const companies = digest
    ? {digest: digest instanceof CompanyDigest ? digest : CompanyDigest.of(digest), strayCustomers: 0}
    : await digestCompanies(paths);
  const figures = new FigureBuilder(companies.digest, options);
  let asOf: string | null = null;
  await Promise.all([
    stream(paths.deals, dealCodec, 'deals', (d) => {
      asOf ??= d.as_of_date;
      figures.addDeal(d);
    }),
    stream(paths.billing, contractCodec, 'billing', (c) => figures.addContract(c)),
    stream(paths.invoices, invoiceCodec, 'billing', (inv) => figures.addInvoice(inv), CHECKS.invoices),
  ]);
  return {figures, asOf, strayCustomers: companies.strayCustomers};
}

/**
 * Refuses (exit 2) tables made for only some of the companies or deals (a stage run alone with --limit), as unify
 * does: the report would show a part as the whole. `simulated`: the companies the deals stage simulated (its
 * summary's), when known.
 */
function refusePartial(paths: DataPaths, s: ReportFigures['summary'], simulated: number | undefined): void {
  const at = (file: string) => displayPath(file, process.cwd());
  if (simulated !== undefined && simulated < s.companies) {
    throw new UserError(
      `${at(paths.deals)} was made for ${plural(simulated, 'company', 'companies')} of the ${s.companies.toLocaleString('en-US')} in ${at(paths.companies)} (made with --limit): ` +
        'the report would leave the others out. Run `stedi-gtm deals` again without --limit, then billing and unify (or `stedi-gtm run --limit N` for a smaller dataset)',
    );
  }
  if (s.contracts !== s.won) {
    throw new UserError(
      `${at(paths.billing)} has ${plural(s.contracts, 'contract')} for ${plural(s.won, 'won deal')} of ${at(paths.deals)} (made with --limit, or from other deals): run \`stedi-gtm billing\` again`,
    );
  }
}

export interface ReportStageInput {
  paths: DataPaths;
  reporter: Reporter;
  /** The config folder: its deal_model.yml's targets.min_sample is the group size below which bars are faded (default 10). */
  configDir?: string;
  /**
   * The companies' digest, when the caller built it while it had the companies at hand (`run`: the worker
   * threads each digest their companies and the main thread merges the posted states). companies.csv and
   * unified.csv are then not read (nor required to exist). It must describe the companies of companies.csv:
   * one CompanyDigest.add per row of companies.csv, with `keep` true at least for every company that has a
   * deal in deals.csv (or a contract in billing.csv), unless `figures` is given, and `customer` its unified.csv
   * is_customer (see CompanyDigest.add). A CompanyDigest is used as is (not copied: do not add to it while the report runs).
   */
  digest?: CompanyDigest | CompanyDigestState;
  /**
   * With `digest`: the figures of the deals, contracts and invoices, when the caller made them with the rows
   * (`run`: a company at a time, on each worker thread; see FigureState). deals.csv, billing.csv and invoices.csv
   * are then not read either.
   */
  figures?: FigureState;
  /** Where the tables and summaries are read from, when not at `paths` (`run`: the files it wrote, before its commit). */
  readFrom?: DataPaths;
  /** The pipeline figures, when the caller computed them while simulating (`run`): pipeline_snapshots.csv is then not read. */
  pipeline?: PipelineFigures;
}

/**
 * The report stage: reads the output tables and the stages' summaries, computes the figures, draws the
 * charts and writes <data-dir>/final/report.html. Returns the headline figures (the terminal summary).
 * Memory: no row of any table. deals.csv, billing.csv and invoices.csv are streamed into the figures'
 * accumulators (counts and sums; the won deals' cycle days and the first terms' ARR, for the medians), and the
 * companies into a digest (counts, and icp_tier / size_band of the companies with a deal or contract);
 * companies.csv and unified.csv are not read at all when `digest` is given.
 */
export async function reportStage(s: ReportStageInput): Promise<ReportResult> {
  const {paths, reporter} = s;
  // The chart modules load while the tables are read (renderCharts waits for them).
  preloadCharts().catch(() => undefined);
  // Tables read from the folder (not just made by `run`) must belong together (see io/provenance.ts).
  if (!s.digest) {
    for (const table of ['deals', 'billing'] as const) if (existsSync(paths[table])) await checkMadeFrom(paths, table);
  }
  // The segments in the config's order (without a config folder: alphabetical).
  const config = s.configDir ? await loadDealModelConfig(s.configDir) : undefined;
  const segments = config ? openVocabulary(config).segments : [];
  const made = s.digest ? s.figures : undefined;
  if (!made) reporter.start('Reading the tables for the report');
  const from = s.readFrom ?? paths;
  const tables = await readReportTables(from, {stages: DEAL_STAGES, segments, icpTiers: ICP_TIERS, sizeBands: ALL_SIZE_BANDS}, s.digest, made);
  const read = tables.figures;
  const what = `${plural(read.companies.companies, 'company', 'companies')}, ${plural(read.deals, 'deal')}, ${plural(read.contracts, 'contract')} and ${plural(read.invoices, 'invoice')}`;
  reporter.succeed(made ? `Figures of ${what} (made with the rows: no table read back)` : `Read ${what}`);
  if (tables.strayCustomers > 0) {
    reporter.warn(
      `${displayPath(paths.unified, process.cwd())} has ${plural(tables.strayCustomers, 'customer')} that ${tables.strayCustomers === 1 ? 'is' : 'are'} not in ${displayPath(paths.companies, process.cwd())}; they are left out of the report's customers: run \`stedi-gtm unify\` again`,
    );
  }
  const facts = readRunFacts(from, reporter);
  const asOf = tables.asOf ?? facts.deals?.as_of ?? null;
  if (asOf === null) {
    throw new UserError(
      `${displayPath(paths.deals, process.cwd())} has no deals and ${displayPath(stageSummaryPath(paths, 'deals'), process.cwd())} no as_of: run \`stedi-gtm deals\` again, then \`stedi-gtm report\``,
    );
  }
  if (facts.deals?.as_of !== undefined && facts.deals.as_of !== asOf) {
    reporter.warn(
      `${displayPath(stageSummaryPath(paths, 'deals'), process.cwd())} is from another run (as of ${facts.deals.as_of}; deals.csv is as of ${asOf}): its seed and checks are left out of the report`,
    );
    facts.deals = null;
    facts.billing = null;
  }
  const firstCreated = read.firstCreated;
  const windowStart = facts.deals?.window?.start ?? (firstCreated !== undefined && firstCreated < asOf ? firstCreated : asOf);
  const pipeline = s.pipeline ?? (await readPipeline(from, windowStart, asOf));
  const figures = read.figures(asOf, pipeline);
  if (!made) refusePartial(paths, figures.summary, facts.deals?.companies);
  reporter.start('Drawing the charts');
  const minGroup = config?.targets.min_sample;
  const charts = await renderCharts(chartDefs(figures, minGroup));
  const report = reportPath(paths);
  const outputs: Record<string, string> = {};
  for (const t of inputs(paths)) {
    outputs[t.name] = t.file;
    if (t.name === 'companies' && existsSync(from.leads)) outputs.leads = leadsFile(paths);
    if (t.name === 'deals') {
      for (const key of ['history', 'snapshots', 'reps'] as const) if (existsSync(from[key])) outputs[key] = paths[key];
    }
    if (t.name === 'billing' && existsSync(from.arrMovements)) outputs.movements = paths.arrMovements;
  }
  outputs.report = report;
  const e = facts.enrich;
  const runFacts: RunFacts = {
    input_file: e?.input_file ?? null,
    input_rows: e?.input_rows ?? null,
    companies_in_input: e?.companies ?? null,
    merged_rows: e?.merged_rows ?? null,
    rejected_rows: e?.rejected_rows ?? null,
    skipped_by_limit: e?.skipped_by_limit ?? null,
    provider: e?.provider ?? null,
    enrichment_fallbacks: figures.summary.enrichment_fallbacks,
    seed: facts.deals?.seed ?? null,
    as_of: asOf,
    window: facts.deals?.window ? `${facts.deals.window.start} to ${facts.deals.window.end}` : null,
    checks: [...(facts.deals?.checks ?? []), ...(facts.billing?.checks ?? [])].map((c: RecordedCheck) => displayCheck(c)),
    retention: retentionFacts(facts.billing),
    data_dir: displayPath(paths.root, process.cwd()),
    outputs: Object.entries(outputs).map(([name, file]) => [name, relative(paths.root, file).split(sep).join('/')]),
  };
  writeTextAtomic(report, renderPage(runFacts, figures.summary, charts, figures.pipeline));
  const shown = (file: string) => displayPath(file, process.cwd());
  reporter.succeed(`Wrote ${shown(report)} (${plural(charts.length, 'chart')})`);
  return {
    ...figures.summary,
    as_of: asOf,
    seed: runFacts.seed,
    report: shown(report),
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, file]) => [name, shown(file)])),
  };
}
