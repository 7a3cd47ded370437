import {compileBillingModel} from '../core/billing.js';
import {formatIsoDay} from '../core/calendar.js';
import type {Reporter} from '../io/reporter.js';
import {WriterGroup} from '../io/writer-group.js';
import type {Company} from '../schemas/companies.js';
import type {Contract} from '../schemas/deals.js';
import {BillingSink, reportBilling, type BillingSummary} from './billing.js';
import {DealsSink, reportDeals, type DealsSummary, type LoadedDealModel, type SimulationStageInput} from './deals.js';
import {reportUnify, UnifySink, type UnifySummary} from './unify.js';

/**
 * `run`'s one pass: each company, as soon as it is enriched, gets its deals, contracts, invoices and unified
 * rows, through the same per-company code as the `deals`, `billing` and `unify` commands, so the files are
 * the same bytes as running the stages one by one, without reading any table back.
 */
export class SimulationSink {
  private readonly out = new WriterGroup();
  private readonly deals: DealsSink;
  private readonly billing: BillingSink;
  private readonly unify: UnifySink;

  constructor(s: SimulationStageInput, private readonly loaded: LoadedDealModel) {
    this.deals = new DealsSink(s, loaded, this.out);
    this.billing = new BillingSink(s, compileBillingModel(loaded.model), loaded.asOf, this.out);
    this.unify = new UnifySink(s, this.out);
  }

  add(company: Company): void {
    const sim = this.deals.add(company);
    const contracts: Contract[] = [];
    for (const d of sim.deals) {
      const c = this.billing.add(d, company);
      if (c) contracts.push(c);
    }
    this.unify.add(company, sim.lead, sim.deals, contracts);
  }

  abort(): Promise<void> {
    return this.out.abort();
  }

  /** Commits the files and returns each stage's summary (also reported). */
  async finish(reporter: Reporter): Promise<{deals: DealsSummary; billing: BillingSummary; unify: UnifySummary}> {
    await this.out.commit();
    const deals = this.deals.summary();
    const billing = this.billing.summary();
    const unify = this.unify.summary(formatIsoDay(this.loaded.asOf));
    reportDeals(reporter, deals);
    reportBilling(reporter, billing);
    reportUnify(reporter, unify);
    return {deals, billing, unify};
  }
}
