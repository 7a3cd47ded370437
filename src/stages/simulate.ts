import {compileBillingModel} from '../core/billing.js';
import {formatIsoDay} from '../core/calendar.js';
import {isCustomer} from '../core/unify.js';
import {CompanyDigest, FigureBuilder, type CompanyDigestState, type FigureState} from '../core/report/figures.js';
import {DEAL_STAGES} from '../core/vocabulary.js';
import type {RowPart, TableEncoder} from '../io/formats/index.js';
import type {DataPaths} from '../io/paths.js';
import type {Reporter} from '../io/reporter.js';
import {WriterGroup} from '../io/writer-group.js';
import type {BillingCompany} from '../core/billing.js';
import type {FigureCompany} from '../core/report/figures.js';
import type {Company} from '../schemas/companies.js';
import {BillingSink, reportBilling, writeBillingSummary, type BillingSummary} from './billing.js';
import {
  companyColumns,
  DEALS_COMPANY_COLUMNS,
  DealsSink,
  reportDeals,
  writeDealsSummary,
  type DealsCompany,
  type DealsSummary,
  type LoadedDealModel,
  type SimulationStageInput,
} from './deals.js';
import {companyCodec} from './codecs.js';
import {reportUnify, UnifySink, unifiedCompanyCodec, type UnifySummary} from './unify.js';

/** The statistics of a part of the companies, as they cross from a worker (plain data). */
export interface SimulationStates {
  deals: ReturnType<DealsSink['stats']['state']>;
  pipeline: ReturnType<DealsSink['pipeline']['state']>;
  billing: ReturnType<BillingSink['stats']['state']>;
  billingWon: number;
  unify: ReturnType<UnifySink['stats']['state']>;
  digest: CompanyDigestState;
  /** The report's figures of the deals, contracts and invoices (absent when the run makes no report). */
  figures?: FigureState;
}

/** Each stage's summary, and the companies' digest for the report (see reportStage). */
export interface SimulationResult {
  deals: DealsSummary;
  billing: BillingSummary;
  unify: UnifySummary;
  digest: CompanyDigestState;
  /** The report's figures of the rows made (see SimulationStates.figures): the report need not read the tables back. */
  figures?: FigureState;
  /** The accumulated statistics (see states()): what a shard keeps for `merge` to add up. */
  states?: SimulationStates;
}

/** What the one pass reads of a company (besides its cells of unified.csv): what each stage's sink and the digest read. */
export type SimulatedCompany = DealsCompany & BillingCompany & FigureCompany & Pick<Company, 'is_previous_customer'>;

/**
 * `run`'s one pass: each company, as soon as it is enriched, gets its deals, contracts, invoices and unified
 * rows, through the same per-company code as the `deals`, `billing` and `unify` commands, so the files are
 * the same bytes as running the stages one by one, without reading any table back.
 */
export class SimulationSink {
  private readonly out: WriterGroup;
  private readonly deals: DealsSink;
  private readonly billing: BillingSink;
  private readonly unify: UnifySink;
  /**
   * What the report needs of the companies (their counts; no company is kept: the figures look each one up as
   * it is fed, see figures): `run` passes it on. Left empty when the run makes no report (s.digest false).
   */
  private readonly digest = new CompanyDigest();
  /** The report's figures of the deals, contracts and invoices, fed a company at a time (absent: no report). */
  private readonly figures: FigureBuilder | undefined;
  private readonly paths: DataPaths;
  /** companies.csv as writeAndAdd was last given it, and what writes a company there and gives its cells of unified.csv. */
  private companies: TableEncoder | undefined;
  private writeCompany: ((company: Company) => RowPart) | undefined;

  /** `out`: where the tables go (a worker writes its part of each, see WriterGroup). */
  constructor(
    s: SimulationStageInput,
    private readonly loaded: LoadedDealModel,
    out = new WriterGroup(),
  ) {
    this.out = out;
    this.deals = new DealsSink(s, loaded, this.out);
    this.billing = new BillingSink(s, compileBillingModel(loaded.model), loaded.asOf, this.out);
    this.unify = new UnifySink(s, this.out);
    this.figures = s.digest !== false ? FigureBuilder.part(DEAL_STAGES) : undefined;
    this.paths = s.paths;
  }

  /**
   * Writes the company's row of companies.csv to `companies` and adds the company: the cells companies.csv
   * and unified.csv share are encoded once for both (see TableEncoder.withPart).
   */
  writeAndAdd(company: Company, companies: TableEncoder): void {
    this.out.company(company.company_key);
    if (companies !== this.companies) {
      this.companies = companies;
      this.writeCompany = companies.withPart(companyCodec, unifiedCompanyCodec);
    }
    this.addWithCells(company, this.writeCompany!(company));
  }

  /** `cells`: the company's columns of unified.csv, encoded by the tables' format (see UnifySink.add). */
  addWithCells(company: SimulatedCompany, cells: RowPart): void {
    const sim = this.deals.add(company);
    const billed = this.billing.addCompany(sim.deals, company);
    this.unify.add(company, cells, sim.lead, sim.deals, billed.terms);
    if (this.figures) {
      // (The figures look the company up as it is fed: the digest need not keep it, see CompanyDigest.add.)
      this.digest.add(company, false, isCustomer(company, sim.deals));
      this.figures.addCompany(company, sim.deals, billed.terms, billed.invoices);
    }
  }

  abort(): Promise<void> {
    return this.out.abort();
  }

  commitFiles(): Promise<void> {
    return this.out.commit();
  }

  /** The statistics so far, to merge into the sink of the part before (see absorb). */
  states(): SimulationStates {
    return {
      deals: this.deals.stats.state(),
      pipeline: this.deals.pipeline.state(),
      billing: this.billing.stats.state(),
      billingWon: this.billing.won,
      unify: this.unify.stats.state(),
      digest: this.digest.state(),
      ...(this.figures ? {figures: this.figures.state()} : {}),
    };
  }

  /** Adds the statistics of the next part of the companies (parts are absorbed in order). */
  absorb(s: SimulationStates): void {
    this.deals.stats.merge(s.deals);
    this.deals.pipeline.merge(s.pipeline);
    this.billing.stats.merge(s.billing);
    this.billing.won += s.billingWon;
    this.unify.stats.merge(s.unify);
    this.digest.merge(s.digest);
    if (s.figures) this.figures?.merge(s.figures);
  }

  /**
   * Each stage's summary, neither written nor reported: what a worker thread sends back to the lead thread,
   * which writes them (writeSimulationSummaries) into the dataset it holds.
   */
  results(): SimulationResult {
    const deals = this.deals.summary();
    const billing = this.billing.summary();
    const unify = this.unify.summary(formatIsoDay(this.loaded.asOf));
    // One copy of the digest and of the figures: posted once, the two references kept.
    const states = this.states();
    return {deals, billing, unify, digest: states.digest, figures: states.figures, states};
  }

  /** Writes (staged into the dataset's commit: call on the thread that holds it) and reports each stage's summary (after the files are committed). */
  summaries(reporter: Reporter): SimulationResult {
    const result = this.results();
    writeSimulationSummaries(this.paths, result);
    reportDeals(reporter, result.deals);
    reportBilling(reporter, result.billing);
    reportUnify(reporter, result.unify);
    return result;
  }

  /** Commits the files and returns each stage's summary (also reported). */
  async finish(reporter: Reporter): Promise<SimulationResult> {
    await this.commitFiles();
    return this.summaries(reporter);
  }
}

/**
 * Writes the summary files of the one pass (deals_summary.json, billing_summary.json; unify has none): on the
 * thread that opened the command's dataset, where they are staged into its commit with the tables. (A worker
 * thread has no dataset open: a summary written there would be renamed into place on its own.)
 */
export function writeSimulationSummaries(paths: Pick<DataPaths, 'dealsSummary' | 'billingSummary'>, result: SimulationResult): void {
  writeDealsSummary(paths, result.deals);
  writeBillingSummary(paths, result.billing);
}

/** The tables the one pass writes (after companies.csv), in the order the sinks open them. */
export function simulationTables(p: DataPaths): string[] {
  return [p.leads, p.deals, p.history, p.snapshots, p.reps, p.billing, p.invoices, p.arrMovements, p.unified];
}

/** The columns of companies.csv that the one pass decodes. */
export const simulatedCodec = companyColumns<keyof SimulatedCompany>({...DEALS_COMPANY_COLUMNS, enrichment_source: true});
