import {formatIsoDay} from '../core/calendar.js';
import {unifyCompany, UnifyStats, type UnifyFigures} from '../core/unify.js';
import {UserError} from '../errors.js';
import {readTable} from '../io/csv.js';
import {WriterGroup} from '../io/writer-group.js';
import type {Reporter} from '../io/reporter.js';
import type {Company} from '../schemas/companies.js';
import {TableCodec} from '../io/table-codec.js';
import {UnifiedSchema, type Contract, type Deal, type Lead, type UnifiedRow} from '../schemas/deals.js';
import {contractCodec, downstreamAsOf, readDeals} from './billing.js';
import {displayPath, leadCodec, leadsPath, loadDealModel, readCompanies, requireInput, type SimulationStageInput} from './deals.js';

export const unifiedCodec = new TableCodec<UnifiedRow>(UnifiedSchema);

export interface UnifySummary extends UnifyFigures {
  as_of: string;
  output: string;
}

/**
 * The unify stage: companies.csv + leads.csv + deals.csv + billing.csv -> final/unified.csv, one row per
 * deal plus one per company without a deal. Checks that the tables belong together.
 */
export async function runUnify(s: SimulationStageInput): Promise<UnifySummary> {
  const loaded = loadDealModel(s.configDir, s.asOf);
  const all = await readCompanies(s.paths);
  const companies = s.limit !== undefined ? all.slice(0, s.limit) : all;
  const selected = new Map(companies.map((c) => [c.company_id, c]));
  const {deals, asOf: dealsAsOf} = await readDeals(s.paths, selected, new Set(all.map((c) => c.company_id)));
  const asOf = downstreamAsOf(s.asOf, dealsAsOf, loaded.asOf);

  const leadsFile = leadsPath(s.paths);
  requireInput(leadsFile, 'deals');
  const leads = new Map<string, Lead>();
  for (const r of await readTable(leadsFile, leadCodec.columns, 'deals')) {
    const l = leadCodec.decode(r);
    leads.set(l.company_id, l);
  }
  requireInput(s.paths.billing, 'billing');
  const dealsById = new Map(deals.map((d) => [d.deal_id, d]));
  const contracts = new Map<string, Contract[]>();
  const billingRows = await readTable(s.paths.billing, contractCodec.columns, 'billing');
  for (let i = 0; i < billingRows.length; i++) {
    const c = contractCodec.decode(billingRows[i]);
    if (!selected.has(c.company_id)) continue;
    const d = dealsById.get(c.deal_id);
    if (!d || d.outcome !== 'won') {
      throw new UserError(`${displayPath(s.paths.billing)} row ${i + 2}: contract ${c.billing_id} is for ${d ? `a deal that is ${d.outcome}` : `deal ${c.deal_id}, which is not in deals.csv`}; deals.csv changed since billing ran: run \`stedi-gtm billing\` again`);
    }
    const list = contracts.get(c.company_id);
    if (list) list.push(c);
    else contracts.set(c.company_id, [c]);
  }
  const dealsByCompany = new Map<string, Deal[]>();
  for (const d of deals) {
    const list = dealsByCompany.get(d.company_id);
    if (list) list.push(d);
    else dealsByCompany.set(d.company_id, [d]);
  }
  const contractCount = [...contracts.values()].reduce((n, l) => n + l.length, 0);
  const wonCount = deals.filter((d) => d.outcome === 'won').length;
  if (contractCount !== wonCount) {
    throw new UserError(`${displayPath(s.paths.billing)} has ${contractCount} contracts for ${wonCount} won deals: run \`stedi-gtm billing\` again`);
  }

  s.reporter.start('Unifying', companies.length);
  const out = new WriterGroup();
  const sink = new UnifySink(s, out);
  await out.feed(companies, (c) => {
    const lead = leads.get(c.company_id);
    if (!lead) throw new UserError(`${displayPath(leadsFile)} has no row for company ${c.company_id} (${c.name}): run \`stedi-gtm deals\` again`);
    sink.add(c, lead, dealsByCompany.get(c.company_id) ?? [], contracts.get(c.company_id) ?? []);
  }, s.reporter);
  const summary = sink.summary(formatIsoDay(asOf));
  reportUnify(s.reporter, summary);
  return summary;
}

/**
 * The unify stage's per-company work: the company's rows of unified.csv. `unify` feeds it the tables it
 * reads; `run` feeds it each company as soon as its deals and contracts exist, so both write the same bytes.
 */
export class UnifySink {
  readonly stats = new UnifyStats();
  private readonly unified;

  constructor(private readonly s: SimulationStageInput, private readonly out: WriterGroup) {
    this.unified = out.open(s.paths.unified, unifiedCodec.columns);
  }

  add(company: Company, lead: Lead, deals: readonly Deal[], contracts: readonly Contract[]): void {
    const rows = unifyCompany(company, lead, deals, contracts);
    this.stats.add(rows);
    for (const r of rows) this.out.push(this.unified, unifiedCodec.encode(r));
  }

  summary(asOf: string): UnifySummary {
    return {as_of: asOf, output: this.s.paths.unified, ...this.stats.figures()};
  }
}

export function reportUnify(reporter: Reporter, f: UnifySummary): void {
  reporter.succeed(`Wrote ${f.rows} unified rows: ${f.deal_rows} deals + ${f.no_opportunity_rows} companies without a deal`);
}
