/**
 * The report's figures on the real pipeline's output (sample export, rules provider) agree with what the
 * deals and billing stages count themselves and with the raw columns the report does not read.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import {
  computeFigures,
  type FigureCompany,
  type FigureContract,
  type FigureDeal,
  type FigureInvoice,
  type FigureUnified,
} from '../src/core/report/figures.js';
import {digestOf} from './fixtures/report/tables.js';
import {ALL_SIZE_BANDS} from '../src/core/normalize.js';
import {DEAL_STAGES, ICP_TIERS} from '../src/core/vocabulary.js';
import {createReporter} from '../src/io/reporter.js';
import {dataPaths} from '../src/io/paths.js';
import {runBilling, type BillingSummary} from '../src/stages/billing.js';
import {runDeals, type DealsSummary} from '../src/stages/deals.js';
import {enrichStage} from '../src/stages/enrich.js';
import {readReportTables, reportStage, type ReportResult} from '../src/stages/report.js';
import {runUnify, type UnifySummary} from '../src/stages/unify.js';
import {tempDir} from './helpers/cli.js';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');

let t: ReturnType<typeof tempDir>;
let paths: ReturnType<typeof dataPaths>;
let deals: DealsSummary;
let billing: BillingSummary;
let unify: UnifySummary;
let report: ReportResult;

beforeAll(async () => {
  t = tempDir('stedi-gtm-report-sample-');
  paths = dataPaths(join(t.dir, 'data'));
  const reporter = await createReporter('quiet');
  await enrichStage({input: SAMPLE, paths, configDir: CONFIG, cacheDir: paths.defaultCache, reporter, provider: 'rules'});
  const sim = {paths, configDir: CONFIG, seed: 42, reporter};
  deals = await runDeals(sim);
  billing = await runBilling(sim);
  unify = await runUnify(sim);
  report = await reportStage({paths, reporter});
});
afterAll(() => t.cleanup());

describe('report on the sample dataset', () => {
  it('agrees with the deals and billing stages', () => {
    expect(report.as_of).toBe(deals.as_of);
    expect(report.companies).toBe(deals.companies);
    expect(report.companies_with_opportunity).toBe(deals.companies_with_deals);
    expect({won: report.won, lost: report.lost, open: report.open}).toEqual({won: deals.won, lost: deals.lost, open: deals.open});
    expect(report.win_rate).toBeCloseTo(deals.win_rate!, 4);
    expect(report.open_pipeline_arr).toBe(deals.open_pipeline_arr);
    expect(Math.round(report.weighted_pipeline_arr)).toBe(deals.weighted_pipeline_arr);
    expect(report.median_cycle_days).toBe(deals.median_cycle_days.overall);
    expect(report.contracts).toBe(billing.contracts);
    expect(report.booked_arr).toBe(billing.total_arr);
    expect(report.arr).toBe(billing.active_arr);
    expect(report.customers).toBe(unify.customers);
  });

  it('draws the funnel the stage dates of deals.csv describe', async () => {
    const parsed = Papa.parse<Record<string, string>>(readFileSync(paths.deals, 'utf8'), {header: true, skipEmptyLines: true});
    const reachedByDates = DEAL_STAGES.map((s) => parsed.data.filter((d) => d[`${s}_date`] !== '').length);
    const {figures} = await readReportTables(paths, options());
    expect(
      figures
        .figures(report.as_of)
        .funnel.slice(0, DEAL_STAGES.length)
        .map((r) => r.reached),
    ).toEqual(reachedByDates);
  });

  it('streams the tables into the figures computed from all their rows, keeping the companies with a deal', async () => {
    const rows = (file: string) => Papa.parse<Record<string, string>>(readFileSync(file, 'utf8'), {header: true, skipEmptyLines: true}).data;
    const num = (x: string) => Number(x);
    const numOrNull = (x: string) => (x === '' ? null : Number(x));
    const companies: FigureCompany[] = rows(paths.companies).map((c) => ({
      company_id: c.company_id,
      icp_fit: c.icp_fit === 'true',
      icp_tier: c.icp_tier,
      size_band: c.size_band,
      uses_x12: c.uses_x12 === 'true',
      uses_clearinghouse: c.uses_clearinghouse === 'true',
      uses_fhir: c.uses_fhir === 'true',
      uses_hl7: c.uses_hl7 === 'true',
      enrichment_source: c.enrichment_source,
    }));
    const unified: FigureUnified[] = rows(paths.unified).map((u) => ({company_id: u.company_id, is_customer: u.is_customer === 'true'}));
    const dealRows: FigureDeal[] = rows(paths.deals).map((d) => ({
      deal_id: d.deal_id,
      company_id: d.company_id,
      lead_source: d.lead_source,
      segment: d.segment,
      created_date: d.created_date,
      stage: d.stage,
      close_date: d.close_date,
      outcome: d.outcome,
      loss_reason: d.loss_reason,
      lost_at_stage: d.lost_at_stage,
      amount_arr: num(d.amount_arr),
      closed_arr: numOrNull(d.closed_arr),
      probability: num(d.probability),
      sales_cycle_days: numOrNull(d.sales_cycle_days) as number,
    }));
    const contracts: FigureContract[] = rows(paths.billing).map((c) => ({
      billing_id: c.billing_id,
      deal_id: c.deal_id,
      company_id: c.company_id,
      arr: num(c.arr),
      contract_status: c.contract_status,
      term_number: num(c.term_number),
    }));
    const invoices: FigureInvoice[] = rows(paths.invoices).map((i) => ({
      period_start: i.period_start,
      period_months: num(i.period_months),
      amount: num(i.amount),
    }));
    const tables = await readReportTables(paths, options());
    expect(tables.strayCustomers).toBe(0);
    expect(tables.asOf).toBe(report.as_of);
    expect(tables.figures.companies.keptCount).toBe(deals.companies_with_deals);
    expect(tables.figures.figures(report.as_of)).toEqual(
      computeFigures({companies: digestOf(companies, unified), deals: dealRows, contracts, invoices}, {...options(), asOf: report.as_of}),
    );
  });
});

/** The figure options of the sample's config. */
function options() {
  return {stages: DEAL_STAGES, segments: ['smb', 'mid_market', 'enterprise'], icpTiers: ICP_TIERS, sizeBands: ALL_SIZE_BANDS};
}
