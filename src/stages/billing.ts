import {
  billCompany,
  BillingStats,
  compileBillingModel,
  type BillingCompany,
  type CompanyBilling,
  type BillingFigures,
  type BillingModel,
  type RetentionFigures,
} from '../core/billing.js';
import {parseIsoDay, type DayNumber} from '../core/calendar.js';
import {count, formatUsd, plural, segmentLabel} from '../core/format.js';
import {compileDealModel} from '../core/deals.js';
import type {TargetCheck} from '../core/targets.js';
import {withVocabulary} from '../io/table-check.js';
import {openVocabulary, type OpenVocabulary} from '../core/vocabulary.js';
import {UserError} from '../errors.js';
import type {DataPaths} from '../io/paths.js';
import {TableCodec} from '../io/table-codec.js';
import {openTable, type TableReader} from '../io/formats/index.js';
import {ARR_MOVEMENT_TABLE, CONTRACT_TABLE, DEAL_TABLE, INVOICE_TABLE} from '../generated/tables.js';
import type {Contract, Deal, Invoice} from '../schemas/deals.js';
import type {ArrMovement} from '../schemas/retention.js';
import {
  companyColumns,
  dealCodec,
  displayPath,
  pct,
  formatChecks,
  loadDealModel,
  openCompanies,
  requireInput,
  runWalk,
  type CompanyWalk,
  type LoadedDealModel,
  type SimulationStageInput,
} from './deals.js';
import {writeJsonAtomic} from '../io/json.js';
import {checkMadeFrom, extendingSeed, recordSources, sourceOf} from '../io/provenance.js';
import {WriterGroup} from '../io/writer-group.js';
import type {Reporter} from '../io/reporter.js';

export const contractCodec = new TableCodec<Contract>(CONTRACT_TABLE);
export const invoiceCodec = new TableCodec<Invoice>(INVOICE_TABLE);
export const arrMovementCodec = new TableCodec<ArrMovement>(ARR_MOVEMENT_TABLE);

/** What billing reads of companies.csv: the company IDs, to walk deals.csv along them. */
export const companyIdCodec = companyColumns<keyof BillingCompany>({company_id: true, company_key: true});

/** Reads one column of a table to the end, looking for a value (error paths only: it reads the whole file). */
async function findRow<T extends Record<string, unknown>>(cursor: TableReader<T>, match: (row: T) => boolean): Promise<T | undefined> {
  try {
    for (;;) {
      const wait = cursor.advance();
      if (wait) await wait;
      if (cursor.row === undefined || match(cursor.row)) return cursor.row;
    }
  } finally {
    await cursor.close();
  }
}

/** Is the company in companies.csv? (An error path: reads the file again.) */
export async function companyExists(paths: DataPaths, companyId: string): Promise<boolean> {
  return (await findRow(await openCompanies(paths, companyIdCodec), (c) => c.company_id === companyId)) !== undefined;
}

/** The deal with this ID in deals.csv, if any (an error path: reads the file again). */
export async function findDeal(paths: DataPaths, dealId: string): Promise<Deal | undefined> {
  return findRow(await openTable(paths.deals, dealCodec, {required: dealCodec.columns, producedBy: 'deals'}), (d) => d.deal_id === dealId);
}

/**
 * deals.csv, walked in step with companies.csv: the deals stage writes each company's deals together, in the
 * order of companies.csv, so the deals of each company are the rows at the cursor when its turn comes (a
 * merge-join; nothing is held but the current rows). Every row is checked: all rows share one as_of_date
 * (`asOf`, from the first row), a won deal has close_date and closed_arr, and after the last company no row
 * is left (a row left over is for a company not in companies.csv, or out of its order).
 */
export class CompanyDeals {
  /** as_of_date of deals.csv (of its first row); undefined when it has no deal. */
  readonly asOf: string | undefined;
  private readonly file: string;

  private constructor(
    private readonly cursor: TableReader<Deal>,
    private readonly paths: DataPaths,
  ) {
    this.asOf = cursor.row?.as_of_date;
    this.file = displayPath(paths.deals);
  }

  /** Opens deals.csv at its first row (its lead_source checked against the lead sources of `vocabulary`). */
  static async open(paths: DataPaths, vocabulary: OpenVocabulary): Promise<CompanyDeals> {
    requireInput(paths.deals, 'deals');
    const cursor = await openTable(paths.deals, dealCodec, {
      required: dealCodec.columns,
      producedBy: 'deals',
      check: {table: withVocabulary(DEAL_TABLE, vocabulary), all: true, unique: 'deal_id'},
    });
    try {
      const wait = cursor.advance();
      if (wait) await wait;
    } catch (e) {
      await cursor.close();
      throw e;
    }
    return new CompanyDeals(cursor, paths);
  }

  /**
   * Moves past the deals of the company (the rows at the cursor with its ID), checking each, and appends them
   * to `into` when given. Returns a promise only when it had to wait for the reader.
   */
  take(companyId: string, into?: Deal[]): void | Promise<void> {
    const c = this.cursor;
    for (let d = c.row; d !== undefined && d.company_id === companyId; d = c.row) {
      this.check(d, c.rowNumber);
      into?.push(d);
      const wait = c.advance();
      if (wait) return wait.then(() => this.take(companyId, into));
    }
  }

  private where(d: Deal, row: number): string {
    return `${this.file} row ${row} (${d.deal_id || 'no deal_id'})`;
  }

  private check(d: Deal, row: number): void {
    if (d.as_of_date !== this.asOf) {
      throw new UserError(
        `${this.where(d, row)}: as_of_date ${d.as_of_date} differs from ${this.asOf} on earlier rows: run \`stedi-gtm deals\` again`,
      );
    }
    if (d.outcome === 'won' && (d.closed_arr === null || !Number.isFinite(d.closed_arr) || d.close_date === '')) {
      throw new UserError(`${this.where(d, row)}: a won deal needs close_date and closed_arr: run \`stedi-gtm deals\` again`);
    }
  }

  /** After the last company: throws when rows are left (see the class comment). Closes the file. */
  async finish(): Promise<void> {
    const d = this.cursor.row;
    const row = this.cursor.rowNumber;
    await this.cursor.close();
    if (d === undefined) return;
    const companies = displayPath(this.paths.companies);
    if (!(await companyExists(this.paths, d.company_id))) {
      throw new UserError(
        `${this.where(d, row)}: company ${d.company_id} is not in ${companies}; companies.csv changed since the deals were made: run \`stedi-gtm deals\` again`,
      );
    }
    throw new UserError(
      `${this.where(d, row)}: the deals of company ${d.company_id} are out of the order of ${companies} (deals.csv lists each company's deals together, ` +
        `companies in the order of companies.csv); deals.csv was edited or companies.csv changed since the deals were made: run \`stedi-gtm deals\` again`,
    );
  }

  close(): Promise<void> {
    return this.cursor.close();
  }
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
    throw new UserError(
      `--as-of ${flag} differs from the as-of date of deals.csv (${dealsAsOf}): run \`stedi-gtm deals --as-of ${flag}\` first, or leave --as-of out`,
    );
  }
  return fromDeals;
}

export interface BillingSummary extends BillingFigures {
  seed: number;
  as_of: string;
  won_deals: number;
  output: string;
  invoices_file: string;
  arr_movements_file: string;
  checks: TargetCheck[];
  warnings: string[];
}

/**
 * The billing stage's per-company work and outputs: the terms of each won deal's contract with their invoices,
 * and the company's ARR movements, written to billing.csv, invoices.csv and arr_movements.csv. `billing` feeds it
 * deals.csv; `run` feeds it each company's deals as soon as they are simulated, so both write the same bytes.
 */
export class BillingSink {
  readonly stats: BillingStats;
  won = 0;
  private readonly contracts;
  private readonly invoices;
  private readonly movements;

  constructor(
    private readonly s: SimulationStageInput,
    readonly model: BillingModel,
    readonly asOf: DayNumber,
    private readonly out: WriterGroup,
  ) {
    this.stats = new BillingStats(model, asOf);
    this.contracts = out.open(s.paths.billing, contractCodec);
    this.invoices = out.open(s.paths.invoices, invoiceCodec);
    this.movements = out.open(s.paths.arrMovements, arrMovementCodec);
  }

  /**
   * A company's deals (in their order): the terms of each won deal's contract, written with their invoices, and
   * the company's ARR movements by date. Returns every term (a deal's latest term is its last).
   */
  /** Bills a company's deals: its contract terms and invoices (written). */
  addCompany(deals: readonly Deal[], company: BillingCompany): CompanyBilling {
    this.out.company(company.company_key);
    const b = billCompany(deals, company, this.model, this.s.seed, this.asOf);
    if (b.contracts === 0) return b;
    this.won += b.contracts;
    this.stats.addBilled(b);
    for (const c of b.terms) this.out.write(this.contracts, contractCodec, c);
    for (const inv of b.invoices) this.out.write(this.invoices, invoiceCodec, inv);
    for (const m of b.movements) this.out.write(this.movements, arrMovementCodec, m);
    return b;
  }

  /** The summary (written by writeBillingSummary on the thread that holds the dataset, as the deals summary). */
  summary(): BillingSummary {
    const {figures, checks, warnings} = this.stats.summary();
    const summary: BillingSummary = {
      seed: this.s.seed,
      as_of: this.model.deal.calendar.iso(this.asOf),
      won_deals: this.won,
      output: displayPath(this.s.paths.billing),
      invoices_file: displayPath(this.s.paths.invoices),
      arr_movements_file: displayPath(this.s.paths.arrMovements),
      ...figures,
      checks,
      warnings,
    };
    return summary;
  }
}

/** Writes billing_summary.json (staged for the dataset's commit: see writeDealsSummary). */
export function writeBillingSummary(paths: Pick<DataPaths, 'billingSummary'>, summary: BillingSummary): void {
  writeJsonAtomic(paths.billingSummary, summary);
}

export function reportBilling(reporter: Reporter, summary: BillingSummary): void {
  const r = summary.retention;
  reporter.succeed(
    `Wrote ${plural(summary.contracts, 'contract')} (${count(summary.billing_mix.monthly)} monthly, ${count(summary.billing_mix.annual)} annual; ` +
      `${plural(summary.renewals, 'renewal')}), ${plural(summary.invoices, 'invoice')} and ${plural(summary.arr_movements, 'ARR movement')}` +
      (r.customers ? `: NRR ${pct(r.nrr)}, GRR ${pct(r.grr)}` : ''),
  );
  for (const w of summary.warnings) reporter.warn(w);
}

/**
 * The billing stage's walk over companies.csv and deals.csv together: each selected company's deals
 * through the BillingSink; the deals of every company are checked.
 */
export async function billingWalk(
  s: SimulationStageInput,
  loaded: LoadedDealModel,
  out: WriterGroup,
): Promise<CompanyWalk<BillingCompany> & {sink: BillingSink}> {
  const companies = await openCompanies(s.paths, companyIdCodec);
  let opened: CompanyDeals | undefined;
  try {
    const deals = (opened = await CompanyDeals.open(s.paths, openVocabulary(loaded.config)));
    const asOf = downstreamAsOf(s.asOf, deals.asOf, loaded.asOf);
    const model = compileBillingModel(asOf === loaded.asOf ? loaded.model : compileDealModel(loaded.config, asOf));
    const sink = new BillingSink(s, model, asOf, out);
    const own: Deal[] = [];
    const bill = (company: BillingCompany) => {
      for (const d of own) {
        if (d.outcome === 'won' && model.deal.calendar.day(d.close_date) === undefined) {
          throw new UserError(
            `${displayPath(s.paths.deals)}: deal ${d.deal_id} has close_date ${JSON.stringify(d.close_date)}, not a date the model covers: run \`stedi-gtm deals\` again`,
          );
        }
      }
      sink.addCompany(own, company);
    };
    return {
      companies,
      sink,
      walksAll: true,
      add(company, selected) {
        // Past --limit, the company's deals are checked, not billed.
        if (!selected) return deals.take(company.company_id);
        own.length = 0;
        const taken = deals.take(company.company_id, own);
        if (taken) return taken.then(() => bill(company));
        bill(company);
      },
      finish: () => deals.finish(),
      async close() {
        await deals.close();
        await companies.close();
      },
    };
  } catch (e) {
    await opened?.close();
    await companies.close();
    throw e;
  }
}

/** The billing stage: deals.csv -> billing.csv (one row per contract term), invoices.csv and arr_movements.csv. */
export async function runBilling(stage: SimulationStageInput): Promise<BillingSummary> {
  const loaded = await loadDealModel(stage.configDir, stage.asOf);
  // deals.csv must have been made from this companies.csv; its contracts take its seed.
  const deals = await checkMadeFrom(stage.paths, 'deals');
  const s = {...stage, seed: extendingSeed(deals, stage.seed, stage.seedGiven === true, 'deals')};
  s.reporter.start('Building contracts');
  const walk = await runWalk(s, (out) => billingWalk(s, loaded, out));
  const summary = walk.sink.summary();
  writeBillingSummary(s.paths, summary);
  recordSources(s.paths, {billing: await sourceOf(s.paths, 'billing', s.seed, summary.as_of)});
  reportBilling(s.reporter, summary);
  return summary;
}

function formatRetention(label: string, r: RetentionFigures): string {
  if (r.customers === 0) return `  ${label.padEnd(18)}no customers a year before the as-of date`;
  return `  ${label.padEnd(18)}NRR ${pct(r.nrr)}, GRR ${pct(r.grr)}, logo churn ${pct(r.logo_churn)} (n=${count(r.customers)}, ${formatUsd(r.arr_then)} -> ${formatUsd(r.arr_now)})`;
}

export function formatBillingSummary(s: BillingSummary): string {
  const terms = Object.entries(s.contract_terms)
    .map(([k, v]) => `${k}m ${v}`)
    .join(', ');
  const plans = Object.entries(s.plans)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const st = s.contract_status;
  const bridge = s.arr_bridge.filter((q) => q.starting_arr || q.ending_arr);
  return [
    `Billing as of ${s.as_of}`,
    `  contracts         ${count(s.contracts)} (one per won deal; ${count(s.contract_terms_listed)} term rows): ${count(s.billing_mix.monthly)} monthly, ${count(s.billing_mix.annual)} annual; ${plural(s.invoices, 'invoice')}, ${formatUsd(s.invoiced_amount)} invoiced`,
    `  billing mix       small buyers (<= $300/month) monthly ${pct(s.monthly_share_small_buyers)} (n=${count(s.small_buyers)})${Object.keys(s)
      .filter((k) => k.startsWith('annual_share_'))
      .map((k) => k.slice('annual_share_'.length))
      .map((g) => `; ${segmentLabel(g)} annual ${pct(s[`annual_share_${g}`])} (n=${count(s[`${g}_contracts`] ?? 0)})`)
      .join('')}`,
    s.contracts === 0
      ? '  terms             none (no contracts)'
      : `  terms             median ${s.median_contract_term_months ?? 'n/a'} months, mean ${s.mean_contract_term_months ?? 'n/a'} (${terms}); plans by term ${plans}`,
    `  ARR               ${formatUsd(s.total_arr)} signed, ${formatUsd(s.active_arr)} active at the as-of date`,
    `  renewals          ${plural(s.renewals, 'renewal')} (${plural(s.uplifts, 'uplift')}, ${plural(s.downsells, 'downsell')}), ${plural(s.churned_contracts, 'contract')} churned; ` +
      `terms: ${count(st.active)} active, ${count(st.renewed)} renewed, ${count(st.churned)} churned, ${count(st.scheduled)} not started`,
    `  retention         trailing 12 months, company level, base ${s.retention_base_date} (${plural(s.arr_movements, 'ARR movement')})`,
    formatRetention('all', s.retention),
    ...Object.entries(s.retention_by_segment).map(([g, r]) => formatRetention(g, r)),
    formatRetention(`ACV > ${formatUsd(s.large_contract_arr)}`, s.retention_by_acv.large),
    formatRetention(`ACV <= ${formatUsd(s.large_contract_arr)}`, s.retention_by_acv.small),
    bridge.length === 0
      ? '  ARR bridge        no ARR yet'
      : '  ARR bridge        quarter    starting       +new  +expansion  -contraction     -churn     ending',
    ...bridge.map(
      (q) =>
        `                    ${q.quarter}  ${[q.starting_arr, q.new, q.expansion, q.contraction, q.churn, q.ending_arr].map((v, i) => formatUsd(v).padStart([10, 10, 11, 13, 10, 10][i])).join(' ')}`,
    ),
    ...formatChecks(s.checks),
  ].join('\n');
}
