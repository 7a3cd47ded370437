import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import {billCompany, compileBillingModel} from '../src/core/billing.js';
import {parseIsoDay} from '../src/core/calendar.js';
import {simulateCompany, type CompanySimulation} from '../src/core/deals.js';
import {unifyCompany} from '../src/core/unify.js';
import {UNIFIED_OUTCOMES, openVocabulary} from '../src/core/vocabulary.js';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Enrich from '../src/commands/enrich.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import type {Company} from '../src/schemas/companies.js';
import {
  contractSchema,
  InvoiceSchema,
  STAGE_DATE_COLUMNS,
  dealSchema,
  leadSchema,
  unifiedSalesSchema,
  type Contract,
  type Invoice,
} from '../src/schemas/deals.js';
import {runCli, tempDir} from './helpers/cli.js';
import {schemaIssues} from './helpers/schema.js';
import {CONFIG_DIR, SAMPLE, companiesArb, shippedModel} from './helpers/simulation.js';

const dealModel = shippedModel('2027-12-31');
const billingModel = compileBillingModel(dealModel);
const vocabulary = openVocabulary(dealModel.config);
const [LeadSchema, DealSchema, UnifiedSalesSchema] = [leadSchema(vocabulary), dealSchema(vocabulary), unifiedSalesSchema(vocabulary)];
const cal = dealModel.calendar;
const asOfArb = fc.integer({min: parseIsoDay('2024-09-01')!, max: parseIsoDay('2026-12-31')!});
const seedArb = fc.integer({min: 0, max: 2 ** 32 - 1});

interface World {
  sims: Map<string, CompanySimulation>;
  contracts: Contract[];
  invoices: Invoice[];
  unifiedRows: number;
}

function simulateAll(companies: readonly Company[], seed: number, asOf: number): World {
  const sims = new Map<string, CompanySimulation>();
  const contracts: Contract[] = [];
  const invoices: Invoice[] = [];
  let unifiedRows = 0;
  for (const c of companies) {
    const sim = simulateCompany(c, dealModel, seed, asOf);
    sims.set(c.company_id, sim);
    const billed = billCompany(sim.deals, c, billingModel, seed, asOf);
    const mine: Contract[] = billed.terms;
    invoices.push(...billed.invoices);
    contracts.push(...mine);
    const rows = unifyCompany(c, sim.lead, sim.deals, mine);
    for (const r of rows) expect(schemaIssues(UnifiedSalesSchema, r)).toEqual([]);
    unifiedRows += rows.length;
  }
  return {sims, contracts, invoices, unifiedRows};
}

describe('properties of generated data (fast-check, generated companies)', () => {
  it('stage dates never go backwards and nothing happens after the as-of date', () => {
    fc.assert(
      fc.property(companiesArb(25), seedArb, asOfArb, (companies, seed, asOf) => {
        const w = simulateAll(companies, seed, asOf);
        const asOfIso = cal.iso(asOf);
        for (const {lead, deals} of w.sims.values()) {
          expect(schemaIssues(LeadSchema, lead)).toEqual([]);
          if (lead.first_touch_date) expect(lead.first_touch_date <= asOfIso).toBe(true);
          else expect(deals).toEqual([]);
          let previousClose = '';
          for (const d of deals) {
            expect(schemaIssues(DealSchema, d)).toEqual([]);
            const dates = [...STAGE_DATE_COLUMNS.map((k) => d[k]).filter(Boolean), d.close_date].filter(Boolean);
            for (let i = 1; i < dates.length; i++) expect(dates[i] > dates[i - 1]).toBe(true);
            expect(dates.every((x) => x <= asOfIso)).toBe(true);
            expect(d.created_date >= lead.first_touch_date).toBe(true);
            if (previousClose) expect(d.created_date > previousClose).toBe(true);
            previousClose = d.close_date;
            // An overdue expected close is pushed on the next business day: at most a weekend (and a holiday) behind.
            if (d.outcome === 'open') expect(asOf - cal.day(d.expected_close_date)!).toBeLessThanOrEqual(4);
            expect(d.outcome === 'open' ? d.age_days : d.sales_cycle_days).toBeGreaterThanOrEqual(0);
          }
        }
        for (const i of w.invoices) {
          expect(schemaIssues(InvoiceSchema, i)).toEqual([]);
          expect(i.invoice_date <= asOfIso).toBe(true);
        }
      }),
      {numRuns: 60},
    );
  });

  it("every won deal has exactly one contract, other deals none; every deal's company exists; unified = deals + companies without a deal", () => {
    fc.assert(
      fc.property(companiesArb(25), seedArb, asOfArb, (companies, seed, asOf) => {
        const w = simulateAll(companies, seed, asOf);
        const ids = new Set(companies.map((c) => c.company_id));
        const deals = [...w.sims.values()].flatMap((s) => s.deals);
        for (const d of deals) expect(ids.has(d.company_id)).toBe(true);
        const won = deals
          .filter((d) => d.outcome === 'won')
          .map((d) => d.deal_id)
          .sort();
        expect(
          w.contracts
            .filter((c) => c.term_number === 1)
            .map((c) => c.deal_id)
            .sort(),
        ).toEqual(won);
        for (const c of w.contracts) expect(schemaIssues(contractSchema(vocabulary), c)).toEqual([]);
        const without = [...w.sims.values()].filter((s) => s.deals.length === 0).length;
        expect(w.unifiedRows).toBe(deals.length + without);
        expect(deals.every((d) => (UNIFIED_OUTCOMES as readonly string[]).includes(d.outcome))).toBe(true);
      }),
      {numRuns: 60},
    );
  });

  it("reordering or cutting the input leaves every company's results unchanged", () => {
    fc.assert(
      fc.property(
        companiesArb(30).chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, {minLength: 1}))),
        seedArb,
        asOfArb,
        ([companies, reordered], seed, asOf) => {
          const all = simulateAll(companies, seed, asOf);
          const part = simulateAll(reordered, seed, asOf);
          for (const c of reordered) expect(part.sims.get(c.company_id)).toEqual(all.sims.get(c.company_id));
          const kept = new Set(reordered.map((c) => c.company_id));
          const key = (x: {billing_id: string}) => x.billing_id;
          expect(part.contracts.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
            all.contracts.filter((c) => kept.has(c.company_id)).sort((a, b) => key(a).localeCompare(key(b))),
          );
        },
      ),
      {numRuns: 40},
    );
  });
});

describe('determinism and independence through the stages', () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => {
    t = tempDir();
  });
  afterAll(() => t.cleanup());
  const FILES = [
    'raw/companies.csv',
    'raw/leads.csv',
    'raw/deals.csv',
    'raw/opportunity_history.csv',
    'raw/pipeline_snapshots.csv',
    'raw/reps.csv',
    'raw/billing.csv',
    'raw/invoices.csv',
    'final/unified.csv',
  ];
  const base = (dir: string) => ['--provider', 'rules', '--input', SAMPLE, '--config-dir', CONFIG_DIR, '--data-dir', join(t.dir, dir), '--quiet'];
  const read = (dir: string, file: string) => readFileSync(join(t.dir, dir, file));
  const lines = (dir: string, file: string) => read(dir, file).toString('utf8').trim().split('\n');

  it('the same seed gives the same bytes; the stages one by one give the bytes of run', async () => {
    expect((await runCli(Run, base('a'))).exitCode).toBe(0);
    expect((await runCli(Run, base('b'))).exitCode).toBe(0);
    for (const f of FILES) expect(read('b', f).equals(read('a', f))).toBe(true);
    // (deals, billing and unify refuse the flags of enrichment: see BaseCommand.notApplicable.)
    expect((await runCli(Enrich, base('c'))).exitCode).toBe(0);
    for (const Cmd of [Deals, Billing, Unify]) expect((await runCli(Cmd, base('c').slice(4))).exitCode).toBe(0);
    for (const f of FILES) expect(read('c', f).equals(read('a', f))).toBe(true);
    expect(lines('a', 'raw/deals.csv').length).toBeGreaterThan(30);
  });

  it('another seed gives other deals for the same companies', async () => {
    expect((await runCli(Run, [...base('seed7'), '--seed', '7'])).exitCode).toBe(0);
    expect(read('seed7', 'raw/companies.csv').equals(read('a', 'raw/companies.csv'))).toBe(true);
    expect(read('seed7', 'raw/deals.csv').equals(read('a', 'raw/deals.csv'))).toBe(false);
    expect(read('seed7', 'raw/leads.csv').equals(read('a', 'raw/leads.csv'))).toBe(false);
  });

  it("--limit and a reordered companies.csv leave each company's deals and contracts unchanged", async () => {
    expect((await runCli(Run, [...base('lim'), '--limit', '120'])).exitCode).toBe(0);
    const LIMITED = ['raw/deals.csv', 'raw/opportunity_history.csv', 'raw/pipeline_snapshots.csv', 'raw/billing.csv'];
    const full = new Set(LIMITED.flatMap((f) => lines('a', f)));
    const limited = LIMITED.flatMap((f) => lines('lim', f).slice(1));
    expect(limited.length).toBeGreaterThan(5);
    expect(limited.filter((l) => !full.has(l))).toEqual([]);
    // Each company's history and snapshots are a prefix of the full run's (the companies are its first 120).
    for (const f of ['raw/opportunity_history.csv', 'raw/pipeline_snapshots.csv'])
      expect(lines('a', f).slice(0, lines('lim', f).length)).toEqual(lines('lim', f));
    // reps.csv is the configured team, whatever the limit.
    expect(read('lim', 'raw/reps.csv').equals(read('a', 'raw/reps.csv'))).toBe(true);

    // Reverse the companies (records, not lines: descriptions span lines) and run the simulation stages again.
    const parsed = Papa.parse<string[]>(read('a', 'raw/companies.csv').toString('utf8'), {skipEmptyLines: true}).data;
    const rev = join(t.dir, 'rev');
    mkdirSync(join(rev, 'raw'), {recursive: true});
    writeFileSync(join(rev, 'raw', 'companies.csv'), Papa.unparse([parsed[0], ...parsed.slice(1).reverse()], {newline: '\n'}) + '\n');
    for (const Cmd of [Deals, Billing, Unify])
      expect((await runCli(Cmd, ['--config-dir', CONFIG_DIR, '--data-dir', rev, '--quiet'])).exitCode).toBe(0);
    for (const f of [
      'raw/deals.csv',
      'raw/opportunity_history.csv',
      'raw/pipeline_snapshots.csv',
      'raw/billing.csv',
      'raw/invoices.csv',
      'raw/leads.csv',
    ]) {
      expect(lines('rev', f).slice(1).sort()).toEqual(lines('a', f).slice(1).sort());
    }
  });
});
