import {existsSync, readFileSync, realpathSync, statSync} from 'node:fs';
import {hostname} from 'node:os';
import {join, resolve} from 'node:path';
import {countCompanies, countCompany, type CompanyCounts} from '../core/accounts.js';
import {displayPath} from '../core/display-path.js';
import {plural} from '../core/format.js';
import {addInto} from '../core/merge.js';
import {checkShardSet, lastSourceRow, nextShard, type ShardFolder, type ShardSet} from '../core/merge-order.js';
import {pickPipelineFigures} from '../core/pipeline-stats.js';
import {CompanyDigest} from '../core/report/figures.js';
import {UserError} from '../errors.js';
import {CsvRecordReader, parseRecord, StagedFileWriter} from '../io/csv-records.js';
import {readablePaths, STATE_DIR} from '../io/dataset.js';
import {lockHolder, processAlive} from '../io/lock.js';
import {writeJsonAtomic} from '../io/json.js';
import {checkDataset, MANIFEST, type ManifestRun} from '../io/manifest.js';
import type {DataPaths} from '../io/paths.js';
import {recordSources, sourceOf} from '../io/provenance.js';
import type {Reporter} from '../io/reporter.js';
import {readShardState, SHARD_STATE} from '../io/shard-state.js';
import {ManifestSchema} from '../schemas/manifest.js';
import type {Company} from '../schemas/companies.js';
import type {BillingSummary} from './billing.js';
import {loadDealModel, type DealsSummary} from './deals.js';
import type {EnrichSummary} from './enrich.js';
import type {ReportResult} from './report.js';
import {SimulationSink} from './simulate.js';
import {WriterGroup} from '../io/writer-group.js';

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
 * The tables are CSV for now: a Parquet layout (<table>/shard=K/part-K-of-N.parquet) would take each shard's
 * Parquet files as they are (no k-way merge) and is to come with the Parquet export.
 */

/** The tables whose rows follow the companies: by company_id, or by the deal_id of the company's deals. */
const COMPANY_TABLES = [
  {file: 'raw/leads.csv', by: 'company_id'},
  {file: 'raw/deals.csv', by: 'company_id', deals: true},
  {file: 'raw/opportunity_history.csv', by: 'deal_id'},
  {file: 'raw/pipeline_snapshots.csv', by: 'deal_id'},
  {file: 'raw/billing.csv', by: 'company_id'},
  {file: 'raw/invoices.csv', by: 'company_id'},
  {file: 'final/arr_movements.csv', by: 'company_id'},
  {file: 'final/unified.csv', by: 'company_id'},
] as const;

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
      problems.push(`${dir} is in use by \`stedi-gtm ${holder.command}\` (pid ${holder.pid} on ${holder.host}, since ${holder.started}): a shard still running; merge once it has finished`);
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
      problems.push(`${dir} does not hold what its manifest says (${mismatches.map((m) => `${m.path} ${m.problem}`).join(', ')}): a shard still running, or changed since; run it again`);
      continue;
    }
    folders.push({dir, manifest: parsed.data});
  }
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

/** One table of every shard, read record by record. */
class ShardTables {
  readonly readers: CsvRecordReader[];
  constructor(
    readonly file: string,
    dirs: readonly string[],
  ) {
    this.readers = dirs.map((d) => new CsvRecordReader(join(resolve(d), file)));
    const header = this.readers[0].headerBytes;
    for (const [k, r] of this.readers.entries()) {
      if (!r.headerBytes.equals(header)) throw new UserError(`${r.path}: its header differs from shard 1's ${file} (shard ${k + 1}): the shards come from different versions`);
    }
  }
  close(): void {
    for (const r of this.readers) r.close();
  }
}

/** The head record of one shard's table, with its cells and key cell. */
class Head {
  rec: Buffer | undefined;
  cells: string[] = [];
  key = '';
  constructor(
    private readonly reader: CsvRecordReader,
    private readonly column: number,
  ) {
    this.advance();
  }
  advance(): void {
    this.rec = this.reader.next();
    this.cells = this.rec ? parseRecord(this.rec) : [];
    this.key = this.cells[this.column] ?? '';
  }
  get path(): string {
    return this.reader.path;
  }
  get row(): number {
    return this.reader.rows;
  }
}

/**
 * Merges the shards into the open dataset at `paths` (see the top of this file). The caller commits.
 */
export async function mergeShards(m: MergeInput, set: ShardSet): Promise<MergeSummary> {
  const {paths, reporter} = m;
  const dirs = set.shards.map((s) => s.dir);
  const files = new Set(set.files);
  const n = dirs.length;
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
  try {
    // companies.csv and the tables that follow it.
    reporter.start(`Merging ${plural(n, 'shard')}`);
    const companies = read('raw/companies.csv');
    const companiesOut = open('raw/companies.csv');
    companiesOut.writeBytes(companies.readers[0].headerBytes);
    const cols = companies.readers[0].columns;
    const col = (name: string) => {
      const i = cols.indexOf(name);
      if (i === -1) throw new UserError(`${companies.readers[0].path}: no column ${name}`);
      return i;
    };
    const idCol = col('company_id');
    const rowsCol = col('source_rows');
    const countCols = {
      icp_fit: col('icp_fit'), icp_tier: col('icp_tier'), uses_x12: col('uses_x12'), uses_clearinghouse: col('uses_clearinghouse'), uses_fhir: col('uses_fhir'),
      uses_hl7: col('uses_hl7'), is_previous_customer: col('is_previous_customer'), domain_status: col('domain_status'), size_band: col('size_band'), enrichment_source: col('enrichment_source'),
    };
    const followers = COMPANY_TABLES.filter((t) => files.has(t.file)).map((t) => {
      const shardTables = read(t.file);
      const out = open(t.file);
      out.writeBytes(shardTables.readers[0].headerBytes);
      const heads = shardTables.readers.map((r) => new Head(r, r.column(t.by)));
      // deals.csv: its deal_id, for the rows of the tables keyed by deal.
      const dealId = 'deals' in t ? shardTables.readers[0].column('deal_id') : -1;
      return {...t, heads, out, dealId};
    });
    // Each shard's next company: its record, cells and key (last input row).
    const next = companies.readers.map((r) => ({reader: r, rec: undefined as Buffer | undefined, cells: [] as string[], key: undefined as number | undefined, last: -1}));
    const load = (k: number) => {
      const h = next[k];
      h.rec = h.reader.next();
      if (!h.rec) {
        h.key = undefined;
        return;
      }
      h.cells = parseRecord(h.rec);
      const key = lastSourceRow(h.cells[rowsCol] ?? '');
      if (!Number.isFinite(key) || key <= h.last) {
        throw new UserError(`${h.reader.path}, row ${h.reader.rows + 1}: source_rows ${JSON.stringify(h.cells[rowsCol])} is ${Number.isFinite(key) ? 'out of the order of the export' : 'not a list of row numbers'}: not a companies.csv written by \`stedi-gtm run --shard\` (edited since?)`);
      }
      h.key = h.last = key;
    };
    for (let k = 0; k < n; k++) load(k);
    const keys: Array<number | undefined> = next.map((h) => h.key);
    let merged = 0;
    for (;;) {
      const k = nextShard(keys);
      if (k === -1) break;
      const h = next[k];
      companiesOut.writeRecord(h.rec!);
      const c = h.cells;
      const bool = (i: number) => c[i] === 'true';
      countCompany(counts, {
        icp_fit: bool(countCols.icp_fit), icp_tier: c[countCols.icp_tier], uses_x12: bool(countCols.uses_x12), uses_clearinghouse: bool(countCols.uses_clearinghouse),
        uses_fhir: bool(countCols.uses_fhir), uses_hl7: bool(countCols.uses_hl7), is_previous_customer: bool(countCols.is_previous_customer),
        domain_status: c[countCols.domain_status], size_band: c[countCols.size_band], enrichment_source: c[countCols.enrichment_source],
      } as unknown as Company);
      // The company's rows of the other tables: at the head of each of its shard's tables.
      const id = c[idCol];
      const deals = new Set<string>();
      for (const t of followers) {
        const head = t.heads[k];
        const mine = t.by === 'company_id' ? (key: string) => key === id : (key: string) => deals.has(key);
        while (head.rec && mine(head.key)) {
          t.out.writeRecord(head.rec);
          if (t.dealId !== -1) deals.add(head.cells[t.dealId]);
          head.advance();
        }
      }
      load(k);
      keys[k] = h.key;
      if ((++merged & 4095) === 0) reporter.progress(merged);
    }
    // Every row of the other tables belongs to a company, in its order.
    for (const t of followers) {
      for (const head of t.heads) {
        if (head.rec) throw new UserError(`${head.path}, row ${head.row}: ${t.by} ${head.key} is out of the order of its shard's companies.csv, or of no company in it: the shard's tables do not belong together; run the shard again`);
      }
      rows[t.file] = t.out.rows;
    }
    rows['raw/companies.csv'] = companiesOut.rows;
    reporter.succeed(`Merged ${plural(merged, 'company', 'companies')} from ${plural(n, 'shard')}`);

    // rejects.csv, by input row.
    if (files.has('interim/rejects.csv')) {
      const rejects = read('interim/rejects.csv');
      const out = open('interim/rejects.csv');
      out.writeBytes(rejects.readers[0].headerBytes);
      const heads = rejects.readers.map((r) => new Head(r, r.column('row')));
      const key = (h: Head) => (h.rec ? Number(h.key) : undefined);
      const rk = heads.map(key);
      for (let k = nextShard(rk); k !== -1; k = nextShard(rk)) {
        out.writeRecord(heads[k].rec!);
        heads[k].advance();
        rk[k] = key(heads[k]);
      }
      rows['interim/rejects.csv'] = out.rows;
    }

    // reps.csv: the configured team, the same in every shard.
    if (files.has('raw/reps.csv')) {
      const bytes = dirs.map((d) => readFileSync(join(resolve(d), 'raw/reps.csv')));
      for (const [k, b] of bytes.entries()) if (!b.equals(bytes[0])) throw new UserError(`${join(dirs[k], 'raw/reps.csv')} differs from shard 1's: the shards were made with different teams (deal_model.yml)`);
      const reps = read('raw/reps.csv').readers[0];
      const out = open('raw/reps.csv');
      out.writeBytes(reps.headerBytes);
      for (let rec = reps.next(); rec; rec = reps.next()) out.writeRecord(rec);
      rows['raw/reps.csv'] = out.rows;
    }
    for (const w of writers.splice(0)) w.close();
  } catch (e) {
    for (const w of writers) w.abort();
    throw e;
  } finally {
    for (const t of tables) t.close();
  }

  // The summaries.
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
    const result = sink.summaries(reporter);
    summary.deals = result.deals;
    summary.billing = result.billing;
    const asOf = result.deals.as_of;
    recordSources(paths, {deals: await sourceOf(paths, 'deals', seed, asOf), billing: await sourceOf(paths, 'billing', seed, asOf)});
    if (m.report) {
      const {reportStage} = await import('./report.js');
      summary.report = await reportStage({paths, reporter, configDir: m.configDir, pipeline: pickPipelineFigures(result.deals), readFrom: readablePaths(paths)});
    }
  }
  return summary;
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
    if (p.input_rows !== first.input_rows || p.blank_lines !== first.blank_lines || p.provider !== first.provider || p.text_cells?.formula_guard !== first.text_cells?.formula_guard) {
      throw new UserError(`${join(dirs[k], 'interim/enrich_summary.json')} differs from shard 1's in its input rows, blank lines, provider or formula guard: the shards come from different command lines`);
    }
  }
  const companies = sum((p) => p.companies);
  const merged = sum((p) => p.merged_rows);
  const rejected = sum((p) => p.rejected_rows);
  if (companies + merged + rejected !== first.input_rows) {
    throw new UserError(`The shards account for ${companies + merged + rejected} of the export's ${first.input_rows} rows (companies ${companies} + merged ${merged} + rejected ${rejected}): they are not the shards of one run`);
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
      ? {text_cells: {formula_guard: first.text_cells.formula_guard, formula_cells: sum((p) => p.text_cells?.formula_cells), control_chars_removed: sum((p) => p.text_cells?.control_chars_removed)}}
      : {}),
    provider_stats: providerStats,
  };
}
