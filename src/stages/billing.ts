import {buildContract, buildInvoices, BillingStats, compileBillingModel, type BillingCompany, type BillingFigures, type BillingModel} from '../core/billing.js';
import {parseIsoDay, type DayNumber} from '../core/calendar.js';
import {compileDealModel} from '../core/deals.js';
import type {TargetCheck} from '../core/targets.js';
import {UserError} from '../errors.js';
import {readTable} from '../io/csv.js';
import type {DataPaths} from '../io/paths.js';
import {TableCodec} from '../io/table-codec.js';
import type {Company} from '../schemas/companies.js';
import {ContractSchema, InvoiceSchema, type Contract, type Deal, type Invoice} from '../schemas/deals.js';
import {dealCodec, displayPath, pct, formatChecks, loadDealModel, readCompanies, requireInput, type SimulationStageInput} from './deals.js';
import {writeJsonAtomic} from './enrich.js';
import {WriterGroup} from '../io/writer-group.js';
import type {Reporter} from '../io/reporter.js';

export const contractCodec = new TableCodec<Contract>(ContractSchema);
export const invoiceCodec = new TableCodec<Invoice>(InvoiceSchema);

/**
 * deals.csv, decoded and checked: every deal's company is in `companies`, dates parse, and all rows share
 * one as_of_date. Deals of companies beyond --limit are dropped (they were not selected).
 */
export async function readDeals(paths: DataPaths, companies: ReadonlyMap<string, Company>, allCompanyIds: ReadonlySet<string>): Promise<{deals: Deal[]; asOf?: string}> {
  requireInput(paths.deals, 'deals');
  const rows = await readTable(paths.deals, dealCodec.columns, 'deals');
  const file = displayPath(paths.deals);
  const deals: Deal[] = [];
  let asOf: string | undefined;
  for (let i = 0; i < rows.length; i++) {
    const d = dealCodec.decode(rows[i]);
    const where = `${file} row ${i + 2} (${d.deal_id || 'no deal_id'})`;
    if (!allCompanyIds.has(d.company_id)) {
      throw new UserError(`${where}: company ${d.company_id} is not in ${displayPath(paths.companies)}; companies.csv changed since the deals were made: run \`stedi-gtm deals\` again`);
    }
    if (asOf === undefined) asOf = d.as_of_date;
    else if (d.as_of_date !== asOf) throw new UserError(`${where}: as_of_date ${d.as_of_date} differs from ${asOf} on earlier rows: run \`stedi-gtm deals\` again`);
    if (d.outcome === 'won' && (d.closed_arr === null || !Number.isFinite(d.closed_arr) || d.close_date === '')) {
      throw new UserError(`${where}: a won deal needs close_date and closed_arr: run \`stedi-gtm deals\` again`);
    }
    if (companies.has(d.company_id)) deals.push(d);
  }
  return {deals, asOf};
}

/**
 * The as-of date of a downstream stage: the one deals.csv was made with. An explicit --as-of must match it
 * (billing or unify at another date than the deals would mix two snapshots).
 */
export function downstreamAsOf(flag: string | undefined, dealsAsOf: string | undefined, requested: DayNumber): DayNumber {
  if (dealsAsOf === undefined) return requested;
  const fromDeals = parseIsoDay(dealsAsOf);
  if (fromDeals === null) throw new UserError(`deals.csv: as_of_date ${JSON.stringify(dealsAsOf)} is not a date: run \`stedi-gtm deals\` again`);
  if (flag !== undefined && requested !== fromDeals) {
    throw new UserError(`--as-of ${flag} differs from the as-of date of deals.csv (${dealsAsOf}): run \`stedi-gtm deals --as-of ${flag}\` first, or leave --as-of out`);
  }
  return fromDeals;
}

export interface BillingSummary extends BillingFigures {
  seed: number;
  as_of: string;
  won_deals: number;
  output: string;
  invoices_file: string;
  checks: TargetCheck[];
  warnings: string[];
}

/**
 * The billing stage's per-deal work and outputs: a contract for each won deal and its invoices, written to
 * billing.csv and invoices.csv. `billing` feeds it deals.csv; `run` feeds it each company's deals as soon as
 * they are simulated, so both write the same bytes.
 */
export class BillingSink {
  readonly stats: BillingStats;
  won = 0;
  private readonly contracts;
  private readonly invoices;

  constructor(private readonly s: SimulationStageInput, readonly model: BillingModel, readonly asOf: DayNumber, private readonly out: WriterGroup) {
    this.stats = new BillingStats(model);
    this.contracts = out.open(s.paths.billing, contractCodec.columns);
    this.invoices = out.open(s.paths.invoices, invoiceCodec.columns);
  }

  /** The contract of a deal (null unless it is won), written with its invoices. */
  add(deal: Deal, company: BillingCompany): Contract | null {
    const contract = buildContract(deal, company, this.model, this.s.seed, this.asOf);
    if (!contract) return null;
    this.won++;
    const invoices = buildInvoices(contract, this.model, this.asOf);
    this.stats.add(contract, invoices);
    this.out.push(this.contracts, contractCodec.encode(contract));
    for (const inv of invoices) this.out.push(this.invoices, invoiceCodec.encode(inv));
    return contract;
  }

  summary(): BillingSummary {
    const {figures, checks, warnings} = this.stats.summary();
    const summary: BillingSummary = {
      seed: this.s.seed,
      as_of: this.model.deal.calendar.iso(this.asOf),
      won_deals: this.won,
      output: this.s.paths.billing,
      invoices_file: this.s.paths.invoices,
      ...figures,
      checks,
      warnings,
    };
    writeJsonAtomic(this.s.paths.billingSummary, summary);
    return summary;
  }
}

export function reportBilling(reporter: Reporter, summary: BillingSummary): void {
  reporter.succeed(`Wrote ${summary.contracts} contracts (${summary.billing_mix.monthly} monthly, ${summary.billing_mix.annual} annual) and ${summary.invoices} invoices`);
  for (const w of summary.warnings) reporter.warn(w);
}

/** The billing stage: deals.csv -> billing.csv (one contract per won deal) and invoices.csv. */
export async function runBilling(s: SimulationStageInput): Promise<BillingSummary> {
  const loaded = loadDealModel(s.configDir, s.asOf);
  const all = await readCompanies(s.paths);
  const selected = s.limit !== undefined ? all.slice(0, s.limit) : all;
  const companies = new Map(selected.map((c) => [c.company_id, c]));
  const {deals, asOf: dealsAsOf} = await readDeals(s.paths, companies, new Set(all.map((c) => c.company_id)));
  const asOf = downstreamAsOf(s.asOf, dealsAsOf, loaded.asOf);
  const model = compileBillingModel(asOf === loaded.asOf ? loaded.model : compileDealModel(loaded.config, asOf));
  s.reporter.start('Building contracts', deals.length);
  const out = new WriterGroup();
  const sink = new BillingSink(s, model, asOf, out);
  await out.feed(deals, (d) => {
    if (d.outcome === 'won' && model.deal.calendar.day(d.close_date) === undefined) {
      throw new UserError(`${displayPath(s.paths.deals)}: deal ${d.deal_id} has close_date ${JSON.stringify(d.close_date)}, not a date the model covers: run \`stedi-gtm deals\` again`);
    }
    sink.add(d, companies.get(d.company_id)!);
  }, s.reporter);
  const summary = sink.summary();
  reportBilling(s.reporter, summary);
  return summary;
}


export function formatBillingSummary(s: BillingSummary): string {
  const terms = Object.entries(s.contract_terms).map(([k, v]) => `${k}m ${v}`).join(', ');
  const plans = Object.entries(s.plans).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `Billing as of ${s.as_of}`,
    `  contracts         ${s.contracts} (one per won deal): ${s.billing_mix.monthly} monthly, ${s.billing_mix.annual} annual; ${s.invoices} invoices, $${Math.round(s.invoiced_amount).toLocaleString('en-US')} invoiced`,
    `  billing mix       small buyers (<= $300/month) monthly ${pct(s.monthly_share_small_buyers)} (n=${s.small_buyers}); enterprise annual ${pct(s.annual_share_enterprise)} (n=${s.enterprise_contracts})`,
    `  terms             median ${s.median_contract_term_months ?? 'n/a'} months, mean ${s.mean_contract_term_months ?? 'n/a'} (${terms}); plans ${plans}`,
    `  ARR               $${s.total_arr.toLocaleString('en-US')} signed, $${s.active_arr.toLocaleString('en-US')} active at the as-of date`,
    ...formatChecks(s.checks),
  ].join('\n');
}
