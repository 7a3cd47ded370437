import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import {billCompany, compileBillingModel} from '../src/core/billing.js';
import {parseIsoDay} from '../src/core/calendar.js';
import {simulateCompany} from '../src/core/deals.js';
import {UNIFIED_COMPANY_COLUMNS, unifyCompany, UnifyStats} from '../src/core/unify.js';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Unify from '../src/commands/unify.js';
import type {Company} from '../src/schemas/companies.js';
import {unifiedSalesSchema, type Contract} from '../src/schemas/deals.js';
import {openVocabulary} from '../src/core/vocabulary.js';
import {companyCodec} from '../src/stages/enrich.js';
import {unifiedCompanyCodec} from '../src/stages/unify.js';
import {runCli, tempDir} from './helpers/cli.js';
import {schemaIssues} from './helpers/schema.js';
import {CONFIG_DIR, makeCompany, shippedModel} from './helpers/simulation.js';

const dealModel = shippedModel();
const UnifiedSalesSchema = unifiedSalesSchema(openVocabulary(dealModel.config));
const billingModel = compileBillingModel(dealModel);
const AS_OF = parseIsoDay('2025-08-31')!;

function population(n: number, over: Partial<Company> = {}, prefix = 'u'): Company[] {
  return Array.from({length: n}, (_, i) => makeCompany({company_key: `domain:${prefix}${i}.com`, ...over}));
}

function unified(c: Company) {
  const sim = simulateCompany(c, dealModel, 42, AS_OF);
  const contracts: Contract[] = billCompany(sim.deals, c, billingModel, 42, AS_OF).terms;
  return {sim, contracts, rows: unifyCompany(c, sim.lead, sim.deals, contracts)};
}

describe('unifyCompany', () => {
  it('gives a company without a deal one no_opportunity row', () => {
    const c = makeCompany({company_key: 'domain:quiet.com', is_previous_customer: true});
    const lead = simulateCompany(c, dealModel, 1, AS_OF).lead;
    const rows = unifyCompany(c, {...lead, deals: 0}, [], []);
    expect(rows).toHaveLength(1);
    const r = rows[0];
    expect([r.outcome, r.is_opportunity, r.is_customer, r.company_deals, r.deal_id, r.billing_id, r.sales_cycle_days, r.amount_arr]).toEqual([
      'no_opportunity',
      false,
      true,
      0,
      '',
      '',
      null,
      null,
    ]);
    expect(r.lead_source).toBe(lead.lead_source);
    expect(r.first_touch_campaign).toBe(lead.campaign);
    expect(schemaIssues(UnifiedSalesSchema, r)).toEqual([]);
  });

  it('gives one row per deal, joins the contract of won deals only; the sink writes the company columns before them', () => {
    const cs = population(600, {icp_tier: 'tier_1', icp_fit: true, uses_x12: true, size_band: '51-200'});
    let withWin = 0;
    for (const c of cs) {
      const {sim, contracts, rows} = unified(c);
      if (sim.deals.length === 0) continue;
      expect(rows.map((r) => r.deal_id)).toEqual(sim.deals.map((d) => d.deal_id));
      const won = sim.deals.some((d) => d.outcome === 'won');
      if (won) withWin++;
      for (const [i, r] of rows.entries()) {
        const d = sim.deals[i];
        expect(schemaIssues(UnifiedSalesSchema, r)).toEqual([]);
        expect([r.outcome, r.stage, r.sales_cycle_days, r.amount_arr, r.is_opportunity, r.company_deals]).toEqual([
          d.outcome,
          d.stage,
          d.sales_cycle_days,
          d.amount_arr,
          true,
          sim.deals.length,
        ]);
        expect(r.is_customer).toBe(won || c.is_previous_customer);
        const cells = Papa.parse<string[]>(unifiedCompanyCodec.record(c), {delimiter: ','}).data[0];
        const company = unifiedCompanyCodec.decode(cells);
        for (const k of UNIFIED_COMPANY_COLUMNS) expect(company[k]).toEqual(c[k]);
        // The deal's latest term by the as-of date (its terms come in order).
        const contract = contracts.filter((x) => x.deal_id === d.deal_id).at(-1);
        if (d.outcome === 'won') {
          expect([r.billing_id, r.term_number, r.arr, r.mrr, r.plan, r.contract_start, r.contract_status]).toEqual([
            contract!.billing_id,
            contract!.term_number,
            contract!.arr,
            contract!.mrr,
            contract!.plan,
            contract!.contract_start,
            contract!.contract_status,
          ]);
          expect(r.contract_status).not.toBe('renewed');
        } else expect([contract, r.billing_id, r.arr, r.billing_frequency]).toEqual([undefined, '', null, '']);
      }
    }
    expect(withWin).toBeGreaterThan(20);
  });

  it('counts rows as deals plus companies without a deal', () => {
    const stats = new UnifyStats();
    let deals = 0;
    let without = 0;
    for (const c of population(500)) {
      const {sim, rows} = unified(c);
      stats.add(rows);
      deals += sim.deals.length;
      if (sim.deals.length === 0) without++;
    }
    const f = stats.figures();
    expect(f.rows).toBe(deals + without);
    expect(f.deal_rows).toBe(deals);
    expect(f.no_opportunity_rows).toBe(without);
    expect(f.companies).toBe(500);
  });
});

describe('stedi-gtm unify', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
    mkdirSync(join(t.dir, 'raw'), {recursive: true});
    const cs = population(250, {icp_tier: 'tier_2', icp_fit: true}, 'cmd');
    writeFileSync(
      join(t.dir, 'raw', 'companies.csv'),
      Papa.unparse([companyCodec.columns as string[], ...cs.map((c) => companyCodec.encode(c))], {newline: '\n'}) + '\n',
    );
  });
  afterEach(() => t.cleanup());
  const args = (...more: string[]) => ['--data-dir', t.dir, '--config-dir', CONFIG_DIR, ...more];
  const read = (file: string) =>
    Papa.parse<Record<string, string>>(readFileSync(join(t.dir, file), 'utf8'), {header: true, skipEmptyLines: true}).data;

  it('fails with exit 2 and names the command to run first', async () => {
    let r = await runCli(Unify, args());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`deals.csv not found: run \`stedi-gtm deals --data-dir ${t.dir}\` first`);
    await runCli(Deals, args('--quiet'));
    r = await runCli(Unify, args());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`billing.csv not found: run \`stedi-gtm billing --data-dir ${t.dir}\` first`);
    await runCli(Billing, args('--quiet'));
    rmSync(join(t.dir, 'raw', 'leads.csv'));
    r = await runCli(Unify, args());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`leads.csv not found: run \`stedi-gtm deals --data-dir ${t.dir}\` first`);
  });

  it('writes deals + companies without a deal, every outcome one of the four', async () => {
    await runCli(Deals, args('--quiet'));
    await runCli(Billing, args('--quiet'));
    const r = await runCli(Unify, args('--json'));
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout);
    const rows = read('final/unified.csv');
    const deals = read('raw/deals.csv');
    const companiesWithDeals = new Set(deals.map((d) => d.company_id));
    expect(rows.length).toBe(deals.length + (250 - companiesWithDeals.size));
    expect(s.rows).toBe(rows.length);
    expect(rows.every((x) => ['won', 'lost', 'open', 'no_opportunity'].includes(x.outcome))).toBe(true);
    expect(rows.filter((x) => x.outcome === 'won').length).toBe(read('raw/billing.csv').filter((c) => c.term_number === '1').length);
    expect(new Set(rows.map((x) => x.company_id)).size).toBe(250);
  });

  it('refuses a billing.csv that does not belong to deals.csv (exit 2)', async () => {
    await runCli(Deals, args('--quiet'));
    await runCli(Billing, args('--quiet'));
    const billing = readFileSync(join(t.dir, 'raw', 'billing.csv'), 'utf8').split('\n');
    const lost = read('raw/deals.csv').find((d) => d.outcome === 'lost')!;
    const forged = billing[1].split(',');
    forged[1] = lost.deal_id;
    writeFileSync(join(t.dir, 'raw', 'billing.csv'), [billing[0], forged.join(','), ...billing.slice(2)].join('\n'));
    const r = await runCli(Unify, args());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is for a deal that is lost');
  });
});
