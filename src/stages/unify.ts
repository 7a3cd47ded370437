import {plural} from '../core/format.js';
import {formatIsoDay, type DayNumber} from '../core/calendar.js';
import {UNIFIED_COMPANY_COLUMNS, unifyCompany, UnifyStats, type UnifyFigures} from '../core/unify.js';
import {UserError} from '../errors.js';
import {existsSync} from 'node:fs';
import {checkMadeFrom, extendingSeed} from '../io/provenance.js';
import {WriterGroup} from '../io/writer-group.js';
import type {Reporter} from '../io/reporter.js';
import type {Company} from '../schemas/companies.js';
import {TableCodec} from '../io/table-codec.js';
import {withVocabulary} from '../io/table-check.js';
import {openVocabulary} from '../core/vocabulary.js';
import {openTable, type RowPart, type TableReader} from '../io/formats/index.js';
import {CONTRACT_TABLE, LEAD_TABLE, UNIFIED_COMPANY_TABLE, UNIFIED_SALES_TABLE, UNIFIED_TABLE} from '../generated/tables.js';
import type {Contract, Deal, Lead, UnifiedCompany, UnifiedRow, UnifiedSalesRow} from '../schemas/deals.js';
import {companyExists, CompanyDeals, contractCodec, downstreamAsOf, findDeal} from './billing.js';
import {
  companyColumns,
  displayPath,
  leadCodec,
  leadsPath,
  loadDealModel,
  openCompanies,
  requireInput,
  runWalk,
  type CompanyWalk,
  type LoadedDealModel,
  type SimulationStageInput,
} from './deals.js';

/** unified.csv as a whole (for readers); it is written as its company columns, then its sales columns. */
// The company columns hold the export's text, written as companies.csv writes it (see CodecOptions.safeText).
export const unifiedCodec = new TableCodec<UnifiedRow>(UNIFIED_TABLE, {safeText: true});
export const unifiedCompanyCodec = new TableCodec<UnifiedCompany>(UNIFIED_COMPANY_TABLE, {safeText: true});
export const unifiedSalesCodec = new TableCodec<UnifiedSalesRow>(UNIFIED_SALES_TABLE);

/**
 * What unify decodes of a company: what unifyCompany reads, and the ID and name for messages. Its columns of
 * unified.csv are copied as the reader of companies.csv gives them (TableReader.cells: CSV's copies the cells as they are in
 * the file), not decoded and encoded again.
 */
type UnifyCompany = Pick<Company, 'company_id' | 'company_key' | 'name' | 'is_previous_customer'>;
const unifyCompanyCodec = companyColumns<keyof UnifyCompany>({company_id: true, company_key: true, name: true, is_previous_customer: true});

export interface UnifySummary extends UnifyFigures {
  as_of: string;
  output: string;
}

/**
 * The unify stage's walk over companies.csv, leads.csv, deals.csv and billing.csv together, company by
 * company: each is written in the order of companies.csv (leads.csv one row per company, deals.csv and
 * billing.csv grouped by company), so nothing is held but the current company's rows. Checks that the
 * tables belong together.
 */
export async function unifyWalk(
  s: SimulationStageInput,
  loaded: LoadedDealModel,
  out: WriterGroup,
): Promise<CompanyWalk<UnifyCompany> & {sink: UnifySink; asOf: DayNumber}> {
  const opened: Array<{close(): Promise<void>}> = [];
  try {
    const companies = await openCompanies(s.paths, unifyCompanyCodec, UNIFIED_COMPANY_COLUMNS);
    opened.push(companies);
    const vocabulary = openVocabulary(loaded.config);
    const deals = await CompanyDeals.open(s.paths, vocabulary);
    opened.push(deals);
    const asOf = downstreamAsOf(s.asOf, deals.asOf, loaded.asOf);
    const leadsFile = leadsPath(s.paths);
    requireInput(leadsFile, 'deals');
    const leads = await openTable(leadsFile, leadCodec, {
      required: leadCodec.columns,
      producedBy: 'deals',
      check: {table: withVocabulary(LEAD_TABLE, vocabulary), all: true, unique: 'company_id'},
    });
    opened.push(leads);
    requireInput(s.paths.billing, 'billing');
    const billing = await openTable(s.paths.billing, contractCodec, {
      required: contractCodec.columns,
      producedBy: 'billing',
      check: {table: CONTRACT_TABLE, all: true, unique: 'billing_id'},
    });
    opened.push(billing);
    for (const c of [leads, billing]) {
      const wait = c.advance();
      if (wait) await wait;
    }
    const billingFile = displayPath(s.paths.billing);

    const sink = new UnifySink(s, out);
    let contractCount = 0;
    let wonCount = 0;
    const own: Deal[] = [];
    const contracts: Contract[] = [];
    const write = (c: UnifyCompany, cells: RowPart, lead: Lead): void => {
      for (const d of own) if (d.outcome === 'won') wonCount++;
      // One contract per won deal: its first term; the renewals follow it.
      for (const ct of contracts) if (ct.term_number === 1) contractCount++;
      sink.add(c, cells, lead, own, contracts);
    };
    /**
     * Unifies the company (`cells`: its columns of unified.csv) whose lead and deals were taken: its
     * contracts are the rows at the billing cursor.
     */
    const unify = (c: UnifyCompany, cells: RowPart, lead: Lead): void | Promise<void> => {
      contracts.length = 0;
      if (billing.row?.company_id === c.company_id) return takeContracts(s, billing, c, own, contracts).then(() => write(c, cells, lead));
      write(c, cells, lead);
    };
    return {
      companies,
      sink,
      asOf,
      walksAll: true,
      add(c, selected) {
        // Past --limit, the company's deals are checked, not unified.
        if (!selected) return deals.take(c.company_id);
        const lead = leads.row;
        if (lead === undefined || lead.company_id !== c.company_id) return noLead(s, leads, c);
        const cells = companies.cells;
        const moved = leads.advance();
        own.length = 0;
        const taken = deals.take(c.company_id, own);
        if (moved || taken) return Promise.all([moved, taken]).then(() => unify(c, cells, lead));
        return unify(c, cells, lead);
      },
      async finish() {
        await deals.finish();
        if (contractCount !== wonCount) {
          const next = billing.row;
          const detail =
            next && s.limit === undefined
              ? ` (row ${billing.rowNumber}, contract ${next.billing_id} of company ${next.company_id}, is out of the order of companies.csv or for a company not in it)`
              : '';
          throw new UserError(`${billingFile} has ${contractCount} contracts for ${wonCount} won deals${detail}: run \`stedi-gtm billing\` again`);
        }
      },
      async close() {
        for (const c of opened) await c.close();
      },
    };
  } catch (e) {
    for (const c of opened) await c.close();
    throw e;
  }
}

/** Throws the error for a company whose lead is not the row at the leads cursor. */
async function noLead(s: SimulationStageInput, leads: TableReader<Lead>, c: UnifyCompany): Promise<never> {
  const lead = leads.row;
  const file = displayPath(leadsPath(s.paths));
  if (lead === undefined) throw new UserError(`${file} has no row for company ${c.company_id} (${c.name}): run \`stedi-gtm deals\` again`);
  if (!(await companyExists(s.paths, lead.company_id))) {
    throw new UserError(
      `${file} row ${leads.rowNumber} is for company ${lead.company_id}, which is not in ${displayPath(s.paths.companies)}; ` +
        `companies.csv changed since the deals were made: run \`stedi-gtm deals\` again`,
    );
  }
  throw new UserError(
    `${file} has no row for company ${c.company_id} (${c.name}) at row ${leads.rowNumber}, which is for company ${lead.company_id} ` +
      `(leads.csv has one row per company, in the order of companies.csv): run \`stedi-gtm deals\` again`,
  );
}

/** Takes into `into` the company's contract terms (the rows at the billing cursor), each for one of its won deals. */
async function takeContracts(
  s: SimulationStageInput,
  billing: TableReader<Contract>,
  c: UnifyCompany,
  own: readonly Deal[],
  into: Contract[],
): Promise<void> {
  for (let ct = billing.row; ct !== undefined && ct.company_id === c.company_id; ct = billing.row) {
    let d: Deal | undefined;
    for (const x of own) if (x.deal_id === ct.deal_id) d = x;
    if (!d || d.outcome !== 'won') {
      const where = `${displayPath(s.paths.billing)} row ${billing.rowNumber}: contract ${ct.billing_id}`;
      const why = `deals.csv changed since billing ran: run \`stedi-gtm billing\` again`;
      d ??= await findDeal(s.paths, ct.deal_id);
      if (!d) throw new UserError(`${where} is for deal ${ct.deal_id}, which is not in deals.csv; ${why}`);
      if (d.outcome !== 'won') throw new UserError(`${where} is for a deal that is ${d.outcome}; ${why}`);
      throw new UserError(`${where} is for deal ${d.deal_id} of company ${d.company_id} in deals.csv, not of company ${c.company_id}; ${why}`);
    }
    into.push(ct);
    const wait = billing.advance();
    if (wait) await wait;
  }
}

/** The unify stage: companies.csv + leads.csv + deals.csv + billing.csv -> final/unified.csv (see unifyWalk). */
export async function runUnify(s: SimulationStageInput): Promise<UnifySummary> {
  const loaded = await loadDealModel(s.configDir, s.asOf);
  // The tables must belong together: deals.csv made from this companies.csv, billing.csv from this deals.csv.
  for (const table of ['deals', 'billing'] as const) {
    if (!existsSync(s.paths[table])) continue;
    extendingSeed(await checkMadeFrom(s.paths, table), s.seed, s.seedGiven === true, table);
  }
  s.reporter.start('Unifying', s.limit);
  const walk = await runWalk(s, (out) => unifyWalk(s, loaded, out));
  const summary = walk.sink.summary(formatIsoDay(walk.asOf));
  reportUnify(s.reporter, summary);
  return summary;
}

/**
 * The unify stage's per-company work: the company's rows of unified.csv. `unify` feeds it the tables it
 * reads; `run` feeds it each company as soon as its deals and contracts exist, so both write the same bytes.
 */
export class UnifySink {
  readonly stats = new UnifyStats();
  /** Writes a row of unified.csv: the company's columns (a part encoded by the format), then the sales columns. */
  private readonly row: (company: RowPart, sales: UnifiedSalesRow) => void;

  constructor(
    private readonly s: SimulationStageInput,
    private readonly out: WriterGroup,
  ) {
    this.row = out.joined(out.open(s.paths.unified, unifiedCodec), unifiedSalesCodec);
  }

  /**
   * `cells` is the company's columns of unified.csv, encoded by the tables' format (see RowPart): as the writer of
   * companies.csv gives them (TableEncoder.withPart), or as the reader of companies.csv does (TableReader.cells;
   * CSV's copies them as they are in the file).
   */
  add(
    company: Pick<Company, 'company_key' | 'is_previous_customer'>,
    cells: RowPart,
    lead: Lead,
    deals: readonly Deal[],
    contracts: readonly Contract[],
  ): void {
    this.out.company(company.company_key);
    const rows = unifyCompany(company, lead, deals, contracts);
    this.stats.add(rows);
    for (const r of rows) this.row(cells, r);
  }

  summary(asOf: string): UnifySummary {
    return {as_of: asOf, output: displayPath(this.s.paths.unified), ...this.stats.figures()};
  }
}

export function reportUnify(reporter: Reporter, f: UnifySummary): void {
  reporter.succeed(
    `Wrote ${plural(f.rows, 'unified row')}: ${plural(f.deal_rows, 'deal')} + ${plural(f.no_opportunity_rows, 'company', 'companies')} without a deal`,
  );
}
