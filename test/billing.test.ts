import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import fc from 'fast-check';
import {billCompany, buildInvoices, compileBillingModel, type BillingCompany, type BillingModel} from '../src/core/billing.js';
import {parseIsoDay} from '../src/core/calendar.js';
import {simulateDeals} from '../src/core/deals.js';
import {stableId} from '../src/core/hash.js';
import {openVocabulary} from '../src/core/vocabulary.js';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import type {Company} from '../src/schemas/companies.js';
import {contractSchema, InvoiceSchema, type Contract, type Deal} from '../src/schemas/deals.js';
import {arrMovementSchema} from '../src/schemas/retention.js';
import {companyCodec} from '../src/stages/enrich.js';
import {runCli, tempDir} from './helpers/cli.js';
import {schemaIssues} from './helpers/schema.js';
import {CONFIG_DIR, makeCompany, shippedConfig, shippedModel} from './helpers/simulation.js';

const cfg = shippedConfig();
const dealModel = shippedModel('2030-12-31');
const model = compileBillingModel(dealModel);
const vocabulary = openVocabulary(dealModel.config);
const cal = dealModel.calendar;
const AS_OF = parseIsoDay('2025-08-31')!;
const day = (iso: string) => parseIsoDay(iso)!;

function population(n: number, over: Partial<Company> = {}, prefix = 'b'): Company[] {
  return Array.from({length: n}, (_, i) => makeCompany({company_key: `domain:${prefix}${i}.com`, icp_tier: 'tier_1', icp_fit: true, ...over}));
}

/** Won deals with their companies (as-of far enough for every deal to close). */
function wonDeals(cs: Company[], seed = 42, asOf = parseIsoDay('2027-12-31')!): Array<{deal: Deal; company: Company}> {
  return cs.flatMap((company) =>
    simulateDeals(company, dealModel, seed, asOf)
      .filter((d) => d.outcome === 'won')
      .map((deal) => ({deal, company})),
  );
}

/** The first term of a deal's contract (null for a deal not won). */
/** The terms of one won deal's contract (none for another deal): billCompany of that deal alone. */
const termsOf = (deal: Deal, company: BillingCompany, m: BillingModel, seed: number, asOf: number): Contract[] =>
  billCompany([deal], company, m, seed, asOf).terms;
const firstTerm = (deal: Deal, company: Company, seed: number, asOf: number): Contract | null => termsOf(deal, company, model, seed, asOf)[0] ?? null;

describe('contract terms', () => {
  const won = wonDeals(population(3000, {size_band: '51-200'}));

  it('makes no contract for a lost or open deal', () => {
    const c = population(400, {}, 'nw');
    const notWon = c.flatMap((co) =>
      simulateDeals(co, dealModel, 42, AS_OF)
        .filter((d) => d.outcome !== 'won')
        .map((d) => ({d, co})),
    );
    expect(notWon.length).toBeGreaterThan(50);
    expect(notWon.filter(({d, co}) => termsOf(d, co, model, 42, AS_OF).length > 0)).toEqual([]);
  });

  it('fills every column consistently with the deal and the config; each term renews the one before, back to back', () => {
    expect(won.length).toBeGreaterThan(200);
    const asOf = parseIsoDay('2029-12-31')!;
    for (const {deal, company} of won) {
      const terms = termsOf(deal, company, model, 42, asOf);
      expect(terms.length).toBeGreaterThan(0);
      const c = terms[0];
      expect(c.billing_id).toBe(stableId('bil', deal.deal_id));
      expect([c.term_number, c.renews_billing_id]).toEqual([1, '']);
      expect(c.arr).toBe(deal.closed_arr);
      expect(day(c.contract_start) - day(deal.close_date)).toBe(c.onboarding_days);
      expect(c.onboarding_days).toBeGreaterThanOrEqual(0);
      terms.forEach((t, k) => {
        expect(schemaIssues(contractSchema(vocabulary), t)).toEqual([]);
        expect([t.deal_id, t.company_id, t.deal_type, t.segment]).toEqual([deal.deal_id, deal.company_id, deal.deal_type, deal.segment]);
        expect([t.billing_frequency, t.contract_term_months, t.payment_terms, t.onboarding_days, t.currency]).toEqual([
          c.billing_frequency,
          c.contract_term_months,
          c.payment_terms,
          c.onboarding_days,
          cfg.billing.currency,
        ]);
        expect(t.term_number).toBe(k + 1);
        expect(day(t.contract_end)).toBe(cal.addMonths(day(c.contract_start), c.contract_term_months * (k + 1)) - 1);
        expect(t.mrr).toBeCloseTo(t.arr / 12, 2);
        const plan = [...cfg.billing.plans].reverse().find((p) => t.arr >= p.min_arr)!;
        expect(t.plan).toBe(plan.name);
        if (k > 0) {
          expect(t.billing_id).toBe(stableId('bil', `${deal.deal_id}#${k + 1}`));
          expect(t.renews_billing_id).toBe(terms[k - 1].billing_id);
          expect(day(t.contract_start)).toBe(day(terms[k - 1].contract_end) + 1);
          expect(day(t.contract_start)).toBeLessThanOrEqual(asOf);
          expect(terms[k - 1].contract_status).toBe('renewed');
        }
      });
      const last = terms.at(-1)!;
      // The last term: in force at the as-of date, not started, or ended without renewal.
      if (last.contract_status === 'churned') expect(day(last.contract_end)).toBeLessThan(asOf);
      else if (last.contract_status === 'scheduled') expect([terms.length, day(last.contract_start) > asOf]).toEqual([1, true]);
      else expect([last.contract_status, day(last.contract_start) <= asOf, day(last.contract_end) >= asOf]).toEqual(['active', true, true]);
      const terms0 = c.billing_frequency === 'annual' ? cfg.billing.term_months.annual[c.segment] : cfg.billing.term_months.monthly;
      expect(Object.keys(terms0)).toContain(String(c.contract_term_months));
      const payments = c.billing_frequency === 'annual' ? cfg.billing.payment_terms.annual[c.segment] : cfg.billing.payment_terms.monthly;
      expect(Object.keys(payments)).toContain(c.payment_terms);
    }
  });

  it('sets the term status at the as-of date: scheduled, active through its term, then churned or renewed', () => {
    const outcomes = new Set<string>();
    for (const {deal, company} of won.slice(0, 200)) {
      const c = firstTerm(deal, company, 42, AS_OF)!;
      const start = day(c.contract_start);
      const end = cal.addMonths(start, c.contract_term_months) - 1;
      expect(termsOf(deal, company, model, 42, start - 1).map((t) => t.contract_status)).toEqual(['scheduled']);
      expect(termsOf(deal, company, model, 42, start).map((t) => t.contract_status)).toEqual(['active']);
      expect(termsOf(deal, company, model, 42, end).map((t) => [t.contract_status, t.contract_end])).toEqual([['active', cal.iso(end)]]);
      // The day after the first term: churned, or renewed by a second term that starts that day.
      const after = termsOf(deal, company, model, 42, end + 1);
      if (after.length === 1) expect(after[0].contract_status).toBe('churned');
      else
        expect(after.map((t) => [t.contract_status, t.contract_start])).toEqual([
          ['renewed', c.contract_start],
          ['active', cal.iso(end + 1)],
        ]);
      outcomes.add(after[0].contract_status);
    }
    expect([...outcomes].sort()).toEqual(['churned', 'renewed']);
  });

  it('churns, downsells and uplifts at renewal at the configured rates; a later as-of keeps the earlier terms', () => {
    const asOfs = ['2025-08-31', '2026-12-31', '2028-06-30', '2030-12-31'].map(day);
    for (const {deal, company} of won) {
      const seen = asOfs.map((a) => termsOf(deal, company, model, 42, a));
      for (let k = 1; k < seen.length; k++) {
        const [was, now] = [seen[k - 1], seen[k]];
        expect(now.length).toBeGreaterThanOrEqual(was.length);
        // Every earlier term as it was but its status; once churned, always churned as it was.
        expect(now.slice(0, was.length).map(({contract_status: _, ...rest}) => rest)).toEqual(was.map(({contract_status: _, ...rest}) => rest));
        if (was.at(-1)!.contract_status === 'churned') expect(now).toEqual(was);
      }
    }
    // The fate of first terms ended by 2030, billed with 8 seeds: the shares of churn, downsell and uplift are
    // the configured ones (binomial, 4 standard deviations).
    const fates = [1, 2, 3, 4, 5, 6, 7, 8]
      .flatMap((seed) => won.map(({deal, company}) => termsOf(deal, company, model, seed, asOfs[3]).slice(0, 2)))
      .filter((t) => t[0].contract_status === 'renewed' || t[0].contract_status === 'churned');
    expect(fates.length).toBeGreaterThan(won.length * 4);
    const segment = fates[0][0].segment;
    expect(fates.every((t) => t[0].segment === segment)).toBe(true);
    const r = cfg.billing.renewal;
    const near = (k: number, n: number, p: number) => expect(Math.abs(k / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    const renewed = fates.filter((t) => t.length === 2);
    near(fates.length - renewed.length, fates.length, r.churn_probability[segment]);
    const down = renewed.filter(([a, b]) => b.arr < a.arr);
    const up = renewed.filter(([a, b]) => b.arr > a.arr);
    near(down.length, renewed.length, r.downsell_probability[segment]);
    near(up.length, renewed.length, r.uplift_probability[segment]);
    // Sizes within the configured ranges (up to the rounding to amount.round_to).
    const slack = cfg.amount.round_to;
    for (const [a, b] of down) expect(a.arr - b.arr).toBeLessThanOrEqual(a.arr * r.downsell_size[1] + slack);
    for (const [a, b] of up) expect(b.arr - a.arr).toBeLessThanOrEqual(a.arr * r.uplift_size[segment][1] + slack);
  });

  it('is deterministic per deal and seed, and another seed changes it', () => {
    const sample = won.slice(0, 50);
    const run = (seed: number) => sample.map(({deal, company}) => termsOf(deal, company, model, seed, AS_OF));
    expect(run(42)).toEqual(run(42));
    expect(JSON.stringify(run(42))).not.toBe(JSON.stringify(run(43)));
    // The order in which deals are billed does not matter.
    const reversed = [...sample]
      .reverse()
      .map(({deal, company}) => termsOf(deal, company, model, 42, AS_OF))
      .reverse();
    expect(reversed).toEqual(run(42));
  });

  it('small buyers mostly pay monthly; enterprises almost always annually', () => {
    const small = wonDeals(population(6000, {size_band: '2-10'}, 'small'))
      .map(({deal, company}) => firstTerm(deal, company, 42, AS_OF)!)
      .filter((c) => c.arr <= cfg.targets.small_buyer_arr);
    const ent = wonDeals(population(3000, {size_band: '5001-10000'}, 'ent')).map(({deal, company}) => firstTerm(deal, company, 42, AS_OF)!);
    expect(small.length).toBeGreaterThan(100);
    expect(ent.length).toBeGreaterThan(100);
    const monthly = small.filter((c) => c.billing_frequency === 'monthly').length / small.length;
    const annual = ent.filter((c) => c.billing_frequency === 'annual').length / ent.length;
    expect(monthly).toBeGreaterThan(0.6);
    expect(monthly).toBeLessThan(0.92);
    expect(annual).toBeGreaterThan(0.9);
  });
});

describe('ARR movements and invoices of a company (billCompany)', () => {
  const companies = population(2500, {size_band: '11-50', icp_tier: 'tier_1'}, 'mv').concat(population(1500, {size_band: '201-500'}, 'mv2'));
  /** Companies with a contract, their deals simulated to a far as-of (so that renewals and churn happen). */
  const far = parseIsoDay('2029-12-31')!;
  const customers = companies
    .map((company) => ({company, deals: simulateDeals(company, dealModel, 7, far)}))
    .filter(({deals}) => deals.some((d) => d.outcome === 'won'));

  /** Sum of arr of the terms active on day d (contract_start <= d <= contract_end). */
  const activeArr = (terms: readonly Contract[], d: number) =>
    terms.reduce((a, t) => a + (day(t.contract_start) <= d && d <= day(t.contract_end) ? t.arr : 0), 0);
  /** Every month end from 2023-09 to the as-of date. */
  const monthEndsTo = (asOf: number) => {
    const out: number[] = [];
    for (let first = day('2023-09-01'); first <= asOf; first = cal.addMonths(first, 1)) {
      const end = cal.addMonths(first, 1) - 1;
      if (end <= asOf) out.push(end);
    }
    return out;
  };

  it('sums the movements to the ARR of the terms in force at every month end, for any as-of date', () => {
    expect(customers.length).toBeGreaterThan(150);
    fc.assert(
      fc.property(
        fc.integer({min: 0, max: customers.length - 1}),
        fc.integer({min: 1, max: 1000}),
        fc.integer({min: 0, max: 60}),
        (i, seed, months) => {
          const {company, deals} = customers[i];
          const asOf = cal.addMonths(day('2024-01-31'), months);
          const b = billCompany(deals, company, model, seed, asOf);
          for (const m of b.movements) {
            expect(schemaIssues(arrMovementSchema(vocabulary), m)).toEqual([]);
            expect(m.movement_date <= cal.iso(asOf)).toBe(true);
            expect(m.arr_delta).toBe(m.arr_after - m.arr_before);
          }
          for (const M of [...monthEndsTo(asOf), asOf]) {
            const iso = cal.iso(M);
            const sum = b.movements.reduce((a, m) => a + (m.movement_date <= iso ? m.arr_delta : 0), 0);
            expect(sum).toBe(activeArr(b.terms, M));
          }
          // By date within the company; stable IDs, unique.
          for (let k = 1; k < b.movements.length; k++) expect(b.movements[k - 1].movement_date <= b.movements[k].movement_date).toBe(true);
          expect(new Set(b.movements.map((m) => m.movement_id)).size).toBe(b.movements.length);
        },
      ),
      {numRuns: 300},
    );
  });

  it('has one start per contract, a renewal per renewed term, a churn per churned term, re-pricings as expansion or contraction', () => {
    for (const {company, deals} of customers.slice(0, 300)) {
      const b = billCompany(deals, company, model, 11, far);
      const byType = (t: string) => b.movements.filter((m) => m.movement_type === t);
      const started = b.terms.filter((t) => t.term_number === 1 && day(t.contract_start) <= far);
      expect(byType('new').length + byType('expansion').filter((m) => m.arr_before === 0).length).toBe(started.length);
      for (const m of byType('new')) expect(m.deal_type).toBe('new_business');
      expect(byType('renewal').length).toBe(b.terms.filter((t) => t.term_number > 1).length);
      expect(
        byType('churn')
          .map((m) => m.billing_id)
          .sort(),
      ).toEqual(
        b.terms
          .filter((t) => t.contract_status === 'churned')
          .map((t) => t.billing_id)
          .sort(),
      );
      for (const m of byType('churn')) {
        const t = b.terms.find((x) => x.billing_id === m.billing_id)!;
        expect([m.movement_date, m.arr_before, m.arr_after]).toEqual([cal.iso(day(t.contract_end) + 1), t.arr, 0]);
      }
      for (const m of byType('contraction')) expect(m.arr_delta).toBeLessThan(0);
      for (const m of [...byType('renewal')]) expect(m.arr_delta).toBe(0);
    }
  });

  it('invoices each term within its dates at its ARR, never after a churn or the as-of date', () => {
    for (const {company, deals} of customers.slice(0, 400)) {
      for (const asOf of [day('2025-08-31'), day('2026-08-31'), far]) {
        const b = billCompany(deals, company, model, 5, asOf);
        const terms = new Map(b.terms.map((t) => [t.billing_id, t]));
        for (const inv of b.invoices) {
          const t = terms.get(inv.billing_id)!;
          expect(inv.invoice_date <= cal.iso(asOf)).toBe(true);
          expect(inv.period_start >= t.contract_start && inv.period_end <= t.contract_end).toBe(true);
          expect(inv.amount).toBeCloseTo((t.arr * inv.period_months) / 12, 2);
        }
        for (const t of b.terms.filter((x) => x.contract_status === 'churned')) {
          expect(b.invoices.filter((i) => i.deal_id === t.deal_id && i.period_start > t.contract_end)).toEqual([]);
        }
      }
    }
  });
});

describe('buildInvoices', () => {
  const contract = (over: Partial<Contract>): Contract => ({
    billing_id: 'bil_0000000000000001',
    deal_id: 'deal_0000000000000001',
    company_id: 'co_0000000000000001',
    deal_type: 'new_business',
    segment: 'smb',
    plan: 'starter',
    billing_frequency: 'monthly',
    contract_term_months: 12,
    contract_start: '2025-01-31',
    contract_end: '2026-01-30',
    term_number: 1,
    renews_billing_id: '',
    arr: 6000,
    mrr: 500,
    currency: 'USD',
    payment_terms: 'net_30',
    onboarding_days: 5,
    contract_status: 'active',
    ...over,
  });

  it('bills monthly periods from the start to the as-of date, clamping month ends', () => {
    const inv = buildInvoices(contract({}), model, day('2025-08-31'));
    expect(inv.map((i) => i.period_start)).toEqual([
      '2025-01-31',
      '2025-02-28',
      '2025-03-31',
      '2025-04-30',
      '2025-05-31',
      '2025-06-30',
      '2025-07-31',
      '2025-08-31',
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
    const c = contract({
      billing_frequency: 'annual',
      contract_term_months: 36,
      contract_start: '2025-03-01',
      contract_end: '2028-02-29',
      arr: 120000,
      mrr: 10000,
    });
    expect(buildInvoices(c, model, day('2025-02-28'))).toEqual([]);
    expect(buildInvoices(c, model, day('2025-03-01')).map((i) => [i.period_start, i.period_end, i.amount])).toEqual([
      ['2025-03-01', '2026-02-28', 120000],
    ]);
    const all = buildInvoices(c, model, day('2030-01-01'));
    expect(all.map((i) => i.period_start)).toEqual(['2025-03-01', '2026-03-01', '2027-03-01']);
    expect(all.at(-1)!.period_end).toBe('2028-02-29');
    expect(all.reduce((a, i) => a + i.amount, 0)).toBe(360000);
  });

  it('bills a renewal term from its own start, its periods numbered from 1 under its own billing_id', () => {
    const c = contract({
      billing_id: 'bil_0000000000000002',
      term_number: 2,
      renews_billing_id: 'bil_0000000000000001',
      billing_frequency: 'annual',
      contract_term_months: 24,
      contract_start: '2027-03-01',
      contract_end: '2029-02-28',
      arr: 24000,
      mrr: 2000,
    });
    const all = buildInvoices(c, model, day('2030-01-01'));
    expect(all.map((i) => [i.period_number, i.period_start, i.period_end, i.billing_id])).toEqual([
      [1, '2027-03-01', '2028-02-29', c.billing_id],
      [2, '2028-03-01', '2029-02-28', c.billing_id],
    ]);
    expect(buildInvoices(c, model, day('2027-03-01')).map((i) => i.period_number)).toEqual([1]);
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
    writeFileSync(
      join(t.dir, 'raw', 'companies.csv'),
      Papa.unparse([companyCodec.columns as string[], ...cs.map((c) => companyCodec.encode(c))], {newline: '\n'}) + '\n',
    );
  }
  const ids = (rows: Array<Record<string, string>>) => new Set(rows.map((c) => c.billing_id));
  const read = (file: string) =>
    Papa.parse<Record<string, string>>(readFileSync(join(t.dir, 'raw', file), 'utf8'), {header: true, skipEmptyLines: true}).data;

  it('fails with exit 2 and says to run deals when deals.csv is missing', async () => {
    writeCompanies(population(3));
    const r = await runCli(Billing, args());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`deals.csv not found: run \`stedi-gtm deals --data-dir ${t.dir}\` first`);
  });

  it('writes one contract per won deal and invoices up to the as-of date of the deals', async () => {
    writeCompanies(population(600));
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
    expect(
      contracts
        .filter((c) => c.term_number === '1')
        .map((c) => c.deal_id)
        .sort(),
    ).toEqual(won.map((d) => d.deal_id).sort());
    expect(s.contracts).toBe(won.length);
    expect(s.contract_terms_listed).toBe(contracts.length);
    const movements = Papa.parse<Record<string, string>>(readFileSync(join(t.dir, 'final', 'arr_movements.csv'), 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(s.arr_movements).toBe(movements.length);
    expect(movements.every((m) => m.movement_date <= '2025-06-30' && ids(contracts).has(m.billing_id))).toBe(true);
    expect(s.invoices).toBe(invoices.length);
    expect(invoices.every((i) => i.invoice_date <= '2025-06-30')).toBe(true);
    expect(invoices.every((i) => ids(contracts).has(i.billing_id))).toBe(true);
    expect(s.billing_mix.monthly + s.billing_mix.annual).toBe(s.contracts);
    expect(s.checks.map((c: {metric: string}) => c.metric)).toContain('annual_share_enterprise');
  });

  it('refuses an --as-of that differs from the one deals.csv was made with (exit 2)', async () => {
    writeCompanies(population(20));
    await runCli(Deals, args('--quiet'));
    const r = await runCli(Billing, args('--as-of', '2025-05-31'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`differs from the as-of date of deals.csv (${cfg.simulation.as_of})`);
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

describe('contract starts follow the configured rule', () => {
  const won = wonDeals(population(800, {size_band: '11-50'}, 'start'));
  const starts = (rule: 'next_business_day' | 'first_of_month') => {
    const c = shippedConfig();
    c.billing.contract_start = rule;
    const m = compileBillingModel({...dealModel, config: c});
    return won.map(({deal, company}) => ({deal, term: termsOf(deal, company, m, 42, parseIsoDay('2027-12-31')!)[0]}));
  };

  it.each(['next_business_day', 'first_of_month'] as const)('%s: after the close, by the rule, onboarding_days = start - close', (rule) => {
    const rows = starts(rule);
    expect(rows.length).toBeGreaterThan(50);
    for (const {deal, term} of rows) {
      const start = day(term.contract_start);
      expect(start).toBeGreaterThan(day(deal.close_date));
      expect(term.onboarding_days).toBe(start - day(deal.close_date));
      if (rule === 'next_business_day') expect(cal.isBusinessDay(start)).toBe(true);
      else expect(term.contract_start.endsWith('-01')).toBe(true);
    }
  });
});
