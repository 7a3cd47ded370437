import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import {buildContract, buildInvoices, compileBillingModel} from '../src/core/billing.js';
import {parseIsoDay} from '../src/core/calendar.js';
import {simulateDeals} from '../src/core/deals.js';
import {stableId} from '../src/core/hash.js';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import type {Company} from '../src/schemas/companies.js';
import {ContractSchema, InvoiceSchema, type Contract, type Deal} from '../src/schemas/deals.js';
import {companyCodec} from '../src/stages/enrich.js';
import {runCli, tempDir} from './helpers/cli.js';
import {schemaIssues} from './helpers/schema.js';
import {CONFIG_DIR, makeCompany, shippedConfig, shippedModel} from './helpers/simulation.js';

const cfg = shippedConfig();
const dealModel = shippedModel('2030-12-31');
const model = compileBillingModel(dealModel);
const cal = dealModel.calendar;
const AS_OF = parseIsoDay('2025-08-31')!;
const day = (iso: string) => parseIsoDay(iso)!;

function population(n: number, over: Partial<Company> = {}, prefix = 'b'): Company[] {
  return Array.from({length: n}, (_, i) => makeCompany({company_key: `domain:${prefix}${i}.com`, icp_tier: 'tier_1', icp_fit: true, ...over}));
}

/** Won deals with their companies (as-of far enough for every deal to close). */
function wonDeals(cs: Company[], seed = 42, asOf = parseIsoDay('2027-12-31')!): Array<{deal: Deal; company: Company}> {
  return cs.flatMap((company) => simulateDeals(company, dealModel, seed, asOf).filter((d) => d.outcome === 'won').map((deal) => ({deal, company})));
}

describe('buildContract', () => {
  const won = wonDeals(population(3000, {size_band: '51-200'}));

  it('makes no contract for a lost or open deal', () => {
    const c = population(400, {}, 'nw');
    const notWon = c.flatMap((co) => simulateDeals(co, dealModel, 42, AS_OF).filter((d) => d.outcome !== 'won').map((d) => ({d, co})));
    expect(notWon.length).toBeGreaterThan(50);
    expect(notWon.filter(({d, co}) => buildContract(d, co, model, 42, AS_OF) !== null)).toEqual([]);
  });

  it('fills every column consistently with the deal and the config', () => {
    expect(won.length).toBeGreaterThan(200);
    const asOf = parseIsoDay('2027-12-31')!;
    for (const {deal, company} of won) {
      const c = buildContract(deal, company, model, 42, asOf)!;
      expect(schemaIssues(ContractSchema, c)).toEqual([]);
      expect(c.billing_id).toBe(stableId('bil', deal.deal_id));
      expect([c.deal_id, c.company_id, c.deal_type, c.segment]).toEqual([deal.deal_id, deal.company_id, deal.deal_type, deal.segment]);
      expect(c.arr).toBe(deal.closed_arr);
      expect(c.mrr).toBeCloseTo(c.arr / 12, 2);
      expect(c.currency).toBe(cfg.billing.currency);
      const start = day(c.contract_start);
      expect(start - day(deal.close_date)).toBe(c.onboarding_days);
      expect(c.onboarding_days).toBeGreaterThanOrEqual(0);
      // The term in force (after its renewals), or the last one of an ended contract.
      expect(day(c.contract_end)).toBe(cal.addMonths(start, c.contract_term_months * (c.renewals + 1)) - 1);
      if (c.contract_status === 'active') expect(day(c.contract_end)).toBeGreaterThanOrEqual(asOf);
      if (c.contract_status === 'ended') expect(day(c.contract_end)).toBeLessThan(asOf);
      const terms = c.billing_frequency === 'annual' ? cfg.billing.term_months.annual[c.segment] : cfg.billing.term_months.monthly;
      expect(Object.keys(terms)).toContain(String(c.contract_term_months));
      const payments = c.billing_frequency === 'annual' ? cfg.billing.payment_terms.annual[c.segment] : cfg.billing.payment_terms.monthly;
      expect(Object.keys(payments)).toContain(c.payment_terms);
      const plan = [...cfg.billing.plans].reverse().find((p) => c.arr >= p.min_arr)!;
      expect(c.plan).toBe(plan.name);
    }
  });

  it('sets the contract status at the as-of date: scheduled, active through its term, then renewed or ended', () => {
    const outcomes = new Set<string>();
    for (const {deal, company} of won.slice(0, 200)) {
      const c = buildContract(deal, company, model, 42, AS_OF)!;
      const start = day(c.contract_start);
      const end = cal.addMonths(start, c.contract_term_months) - 1;
      expect(buildContract(deal, company, model, 42, start - 1)).toMatchObject({contract_status: 'scheduled', renewals: 0});
      expect(buildContract(deal, company, model, 42, start)).toMatchObject({contract_status: 'active', renewals: 0, contract_end: cal.iso(end)});
      expect(buildContract(deal, company, model, 42, end)).toMatchObject({contract_status: 'active', renewals: 0, contract_end: cal.iso(end)});
      // The day after the first term: churned (the same end), or renewed for the same term.
      const after = buildContract(deal, company, model, 42, end + 1)!;
      const renewedEnd = cal.iso(cal.addMonths(start, 2 * c.contract_term_months) - 1);
      expect([after.contract_status, after.renewals, after.contract_end]).toEqual(after.contract_status === 'ended' ? ['ended', 0, cal.iso(end)] : ['active', 1, renewedEnd]);
      outcomes.add(after.contract_status);
    }
    expect([...outcomes].sort()).toEqual(['active', 'ended']);
  });

  it('renews at each term end with the segment\'s churn chance; a later as-of keeps the earlier renewals and every other column', () => {
    const asOfs = ['2025-08-31', '2026-12-31', '2028-06-30', '2030-12-31'].map(day);
    for (const {deal, company} of won) {
      const seen = asOfs.map((a) => buildContract(deal, company, model, 42, a)!);
      for (let k = 1; k < seen.length; k++) {
        const [was, now] = [seen[k - 1], seen[k]];
        const {renewals: r0, contract_end: e0, contract_status: s0, ...rest0} = was;
        const {renewals: r1, contract_end: e1, contract_status: s1, ...rest1} = now;
        expect(rest1).toEqual(rest0);
        expect(r1).toBeGreaterThanOrEqual(r0);
        // Once ended, always ended, as it was.
        if (s0 === 'ended') expect([s1, r1, e1]).toEqual([s0, r0, e0]);
        if (s1 === 'scheduled') expect(s0).toBe('scheduled');
      }
    }
    // Contracts whose first term ended by 2030 (all of them), billed with 8 seeds: the share not renewed is the
    // segment's churn chance (binomial, 4 standard deviations).
    const first = [1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) => won.map(({deal, company}) => buildContract(deal, company, model, seed, asOfs[3])!));
    const segment = first[0].segment;
    expect(first.every((c) => c.segment === segment)).toBe(true);
    const p = cfg.billing.renewal.churn_probability[segment];
    const churned = first.filter((c) => c.contract_status === 'ended' && c.renewals === 0).length / first.length;
    expect(Math.abs(churned - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / first.length));
    // At the shipped as-of no term has ended: no renewal is drawn, no contract has ended.
    expect(won.map(({deal, company}) => buildContract(deal, company, model, 42, AS_OF)!).filter((c) => c.renewals > 0 || c.contract_status === 'ended')).toEqual([]);
  });

  it('is deterministic per deal and seed, and another seed changes it', () => {
    const sample = won.slice(0, 50);
    const run = (seed: number) => sample.map(({deal, company}) => buildContract(deal, company, model, seed, AS_OF));
    expect(run(42)).toEqual(run(42));
    expect(JSON.stringify(run(42))).not.toBe(JSON.stringify(run(43)));
    // The order in which deals are billed does not matter.
    const reversed = [...sample].reverse().map(({deal, company}) => buildContract(deal, company, model, 42, AS_OF)).reverse();
    expect(reversed).toEqual(run(42));
  });

  it('small buyers mostly pay monthly; enterprises almost always annually', () => {
    const small = wonDeals(population(6000, {size_band: '2-10'}, 'small'))
      .map(({deal, company}) => buildContract(deal, company, model, 42, AS_OF)!)
      .filter((c) => c.arr <= cfg.targets.small_buyer_arr);
    const ent = wonDeals(population(3000, {size_band: '5001-10000'}, 'ent')).map(({deal, company}) => buildContract(deal, company, model, 42, AS_OF)!);
    expect(small.length).toBeGreaterThan(100);
    expect(ent.length).toBeGreaterThan(100);
    const monthly = small.filter((c) => c.billing_frequency === 'monthly').length / small.length;
    const annual = ent.filter((c) => c.billing_frequency === 'annual').length / ent.length;
    expect(monthly).toBeGreaterThan(0.6);
    expect(monthly).toBeLessThan(0.92);
    expect(annual).toBeGreaterThan(0.9);
  });
});

describe('buildInvoices', () => {
  const contract = (over: Partial<Contract>): Contract => ({
    billing_id: 'bil_0000000000000001', deal_id: 'deal_0000000000000001', company_id: 'co_0000000000000001', deal_type: 'new_business',
    segment: 'smb', plan: 'starter', billing_frequency: 'monthly', contract_term_months: 12, contract_start: '2025-01-31',
    contract_end: '2026-01-30', renewals: 0, arr: 6000, mrr: 500, currency: 'USD', payment_terms: 'net_30', onboarding_days: 5,
    contract_status: 'active', ...over,
  });

  it('bills monthly periods from the start to the as-of date, clamping month ends', () => {
    const inv = buildInvoices(contract({}), model, day('2025-08-31'));
    expect(inv.map((i) => i.period_start)).toEqual([
      '2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31', '2025-06-30', '2025-07-31', '2025-08-31',
    ]);
    expect(inv[0].period_end).toBe('2025-02-27');
    expect(inv[1].period_end).toBe('2025-03-30');
    expect(inv.every((i) => i.amount === 500 && i.period_months === 1 && i.invoice_date === i.period_start)).toBe(true);
    expect(inv[0].due_date).toBe('2025-03-02');
    expect(inv.map((i) => i.period_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(inv.map((i) => i.invoice_id)).size).toBe(8);
    for (const i of inv) expect(schemaIssues(InvoiceSchema, i)).toEqual([]);
  });

  it('bills annual contracts a year in advance and never past the term or the as-of date', () => {
    const c = contract({billing_frequency: 'annual', contract_term_months: 36, contract_start: '2025-03-01', contract_end: '2028-02-29', arr: 120000, mrr: 10000});
    expect(buildInvoices(c, model, day('2025-02-28'))).toEqual([]);
    expect(buildInvoices(c, model, day('2025-03-01')).map((i) => [i.period_start, i.period_end, i.amount])).toEqual([['2025-03-01', '2026-02-28', 120000]]);
    const all = buildInvoices(c, model, day('2030-01-01'));
    expect(all.map((i) => i.period_start)).toEqual(['2025-03-01', '2026-03-01', '2027-03-01']);
    expect(all.at(-1)!.period_end).toBe('2028-02-29');
    expect(all.reduce((a, i) => a + i.amount, 0)).toBe(360000);
  });

  it('bills the renewed terms on, without gaps, up to the as-of date or the end of the last term', () => {
    const c = contract({billing_frequency: 'annual', contract_term_months: 24, contract_start: '2025-03-01', contract_end: '2029-02-28', renewals: 1, arr: 24000, mrr: 2000});
    const all = buildInvoices(c, model, day('2030-01-01'));
    expect(all.map((i) => [i.period_number, i.period_start, i.period_end])).toEqual([
      [1, '2025-03-01', '2026-02-28'], [2, '2026-03-01', '2027-02-28'], [3, '2027-03-01', '2028-02-29'], [4, '2028-03-01', '2029-02-28'],
    ]);
    expect(buildInvoices(c, model, day('2027-03-01')).map((i) => i.period_number)).toEqual([1, 2, 3]);
    const monthly = buildInvoices(contract({renewals: 2, contract_end: '2028-01-30'}), model, day('2030-01-01'));
    expect(monthly).toHaveLength(36);
    for (let k = 1; k < monthly.length; k++) expect(day(monthly[k].period_start)).toBe(day(monthly[k - 1].period_end) + 1);
    expect(monthly.at(-1)!.period_end).toBe('2028-01-30');
  });
});

describe('stedi-gtm billing', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());
  const args = (...more: string[]) => ['--data-dir', t.dir, '--config-dir', CONFIG_DIR, ...more];

  function writeCompanies(cs: Company[]) {
    mkdirSync(join(t.dir, 'raw'), {recursive: true});
    writeFileSync(join(t.dir, 'raw', 'companies.csv'), Papa.unparse([companyCodec.columns as string[], ...cs.map((c) => companyCodec.encode(c))], {newline: '\n'}) + '\n');
  }
  const read = (file: string) => Papa.parse<Record<string, string>>(readFileSync(join(t.dir, 'raw', file), 'utf8'), {header: true, skipEmptyLines: true}).data;

  it('fails with exit 2 and says to run deals when deals.csv is missing', async () => {
    writeCompanies(population(3));
    const r = await runCli(Billing, args());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`deals.csv not found: run \`stedi-gtm deals --data-dir ${t.dir}\` first`);
  });

  it('writes one contract per won deal and invoices up to the as-of date of the deals', async () => {
    writeCompanies(population(300));
    expect((await runCli(Deals, args('--as-of', '2025-06-30', '--quiet'))).exitCode).toBe(0);
    const r = await runCli(Billing, args('--json'));
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.as_of).toBe('2025-06-30');
    const deals = read('deals.csv');
    const contracts = read('billing.csv');
    const invoices = read('invoices.csv');
    const won = deals.filter((d) => d.outcome === 'won');
    expect(won.length).toBeGreaterThan(10);
    expect(contracts.map((c) => c.deal_id).sort()).toEqual(won.map((d) => d.deal_id).sort());
    expect(s.contracts).toBe(contracts.length);
    expect(s.invoices).toBe(invoices.length);
    expect(invoices.every((i) => i.invoice_date <= '2025-06-30')).toBe(true);
    const ids = new Set(contracts.map((c) => c.billing_id));
    expect(invoices.every((i) => ids.has(i.billing_id))).toBe(true);
    expect(s.billing_mix.monthly + s.billing_mix.annual).toBe(s.contracts);
    expect(s.checks.map((c: {metric: string}) => c.metric)).toContain('annual_share_enterprise');
  });

  it('refuses an --as-of that differs from the one deals.csv was made with (exit 2)', async () => {
    writeCompanies(population(20));
    await runCli(Deals, args('--quiet'));
    const r = await runCli(Billing, args('--as-of', '2025-05-31'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('differs from the as-of date of deals.csv (2025-08-31)');
  });

  it('refuses deals of a company that is not in companies.csv (exit 2)', async () => {
    writeCompanies(population(200));
    await runCli(Deals, args('--quiet'));
    writeCompanies(population(200, {}, 'other'));
    // Without the record of which companies.csv deals.csv was made from (see io/provenance.ts), the walk finds it.
    rmSync(join(t.dir, 'interim', 'sources.json'));
    const r = await runCli(Billing, args());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/deals\.csv row 2 .*is not in .*companies\.csv.*run `stedi-gtm deals --data-dir \S+` again/);
  });
});
