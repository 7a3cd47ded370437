import fc from 'fast-check';
import {addCompanyCounts, countCompanies, type CompanyCounts} from '../src/core/accounts.js';
import {BillingStats, billCompany, compileBillingModel, type CompanyBilling} from '../src/core/billing.js';
import {parseIsoDay} from '../src/core/calendar.js';
import {DealStats, simulateCompany, type CompanySimulation} from '../src/core/deals.js';
import {addInto} from '../src/core/merge.js';
import {unifyCompany, UnifyStats} from '../src/core/unify.js';
import type {Company} from '../src/schemas/companies.js';
import type {Contract, Deal, Invoice, UnifiedSalesRow} from '../src/schemas/deals.js';
import {replicate, sampleCompanies, shippedConfig, shippedModel} from './helpers/simulation.js';

/**
 * `run` splits the companies over worker threads (contiguous parts, in output order); each accumulates the
 * summary statistics of its part and the main thread merges the parts' states in order. The merged summaries
 * must be the same bytes as one accumulator fed every company in order, whatever the split.
 */
const dealModel = shippedModel('2027-12-31');
const billingModel = compileBillingModel(dealModel);
const cfg = shippedConfig();

interface Item {
  company: Company;
  sim: CompanySimulation;
  billed: CompanyBilling;
  rows: UnifiedSalesRow[];
}

function simulateItems(companies: readonly Company[], seed: number, asOf: number): Item[] {
  return companies.map((company) => {
    const sim = simulateCompany(company, dealModel, seed, asOf);
    const billed = billCompany(sim.deals, company, billingModel, seed, asOf);
    return {company, sim, billed, rows: unifyCompany(company, sim.lead, sim.deals, billed.terms)};
  });
}

/** One worker's accumulators, fed as the run feeds them: company by company. */
class Part {
  readonly deals = new DealStats(dealModel);
  readonly billing: BillingStats;
  readonly unify = new UnifyStats();
  /** Counted directly from the companies fed (countCompanies), merged with addCompanyCounts. */
  counts: CompanyCounts = countCompanies([]);
  private readonly fed: Company[] = [];
  private merged = false;

  /** `asOf`: the as-of date the items were simulated at (the retention figures' dates). */
  constructor(asOf = parseIsoDay(cfg.simulation.as_of)!) {
    this.billing = new BillingStats(billingModel, asOf);
  }

  feed(items: readonly Item[]): this {
    if (this.merged) throw new Error('feed a part before merging into it');
    for (const it of items) {
      this.deals.add(it.company, it.sim);
      this.billing.addBilled(it.billed);
      this.unify.add(it.rows);
      this.fed.push(it.company);
    }
    this.counts = countCompanies(this.fed);
    return this;
  }

  /** What a worker posts to the main thread (structuredClone = what postMessage does to it). */
  posted() {
    return structuredClone({deals: this.deals.state(), billing: this.billing.state(), unify: this.unify.state(), counts: this.counts});
  }

  merge(p: ReturnType<Part['posted']>): void {
    this.merged = true;
    this.deals.merge(p.deals);
    this.billing.merge(p.billing);
    this.unify.merge(p.unify);
    addCompanyCounts(this.counts, p.counts);
  }

  /** Every output, as the bytes compared. */
  json(): Record<string, string> {
    return {
      deals: JSON.stringify(this.deals.summary()),
      billing: JSON.stringify(this.billing.summary()),
      unify: JSON.stringify(this.unify.figures()),
      counts: JSON.stringify(this.counts),
    };
  }
}

/** Cut points (sorted, repeats and 0 / n allowed: empty parts) splitting n items into contiguous parts. */
const cutsArb = (n: number) =>
  fc.array(fc.oneof(fc.constantFrom(0, n), fc.integer({min: 0, max: n})), {maxLength: 8}).map((xs) => [...xs].sort((a, b) => a - b));

function split<T>(xs: readonly T[], cuts: readonly number[]): T[][] {
  const bounds = [0, ...cuts, xs.length];
  return bounds.slice(1).map((end, i) => xs.slice(bounds[i], end));
}

/** Part 0's accumulators absorb the posted states of parts 1..k-1, in order (what the run does). */
function mergedIntoFirst(parts: readonly Item[][], asOf: number): Part {
  const first = new Part(asOf).feed(parts[0]);
  for (const p of parts.slice(1)) first.merge(new Part(asOf).feed(p).posted());
  return first;
}

/** A fresh accumulator absorbs every part's posted state, in order. */
function mergedIntoEmpty(parts: readonly Item[][], asOf: number): Part {
  const main = new Part(asOf);
  for (const p of parts) main.merge(new Part(asOf).feed(p).posted());
  return main;
}

describe('merging summary statistics of contiguous parts', () => {
  // The enriched sample export replicated 3 times (~960 companies) at two as-of dates: the config's and a later one
  // (more closed deals, contracts and invoices).
  const worlds: Array<{name: string; asOf: number; items: Item[]; expected: Record<string, string>}> = [];
  beforeAll(async () => {
    const companies = replicate(await sampleCompanies(), 3);
    for (const [seed, iso] of [
      [42, cfg.simulation.as_of],
      [7, '2025-12-31'],
    ] as const) {
      const asOf = parseIsoDay(iso)!;
      const items = simulateItems(companies, seed, asOf);
      worlds.push({name: `seed ${seed}, as-of ${iso}`, asOf, items, expected: new Part(asOf).feed(items).json()});
    }
  });

  it('the population exercises every accumulator', () => {
    for (const w of worlds) {
      const f = new Part(w.asOf).feed(w.items);
      const d = f.deals.figures();
      expect(d.open).toBeGreaterThan(5);
      expect(d.won).toBeGreaterThan(20);
      expect(d.lost).toBeGreaterThan(20);
      const b = f.billing.figures();
      expect(b.invoices).toBeGreaterThan(20);
      expect(b.arr_movements).toBeGreaterThan(20);
      expect(b.retention.customers).toBeGreaterThan(10);
      expect(b.arr_bridge.length).toBeGreaterThan(4);
      expect(f.unify.figures().no_opportunity_rows).toBeGreaterThan(20);
      expect(Object.keys(f.counts.domain_status).length).toBeGreaterThan(1);
    }
  });

  it('gives the same bytes as one accumulator fed every company, for any split', () => {
    const n = worlds[0].items.length;
    fc.assert(
      fc.property(fc.integer({min: 0, max: worlds.length - 1}), cutsArb(n), (w, cuts) => {
        const {items, expected, asOf} = worlds[w];
        const parts = split(items, cuts);
        expect(parts.flat().length).toBe(items.length);
        expect(mergedIntoFirst(parts, asOf).json()).toEqual(expected);
        expect(mergedIntoEmpty(parts, asOf).json()).toEqual(expected);
      }),
      {
        numRuns: 100,
        examples: [
          [0, []],
          [0, [0]],
          [1, [n]],
          [0, [0, 0, n, n]],
          [1, [1, 2, 3, n - 1]],
        ],
      },
    );
  });

  it('posted states are plain data that survive structuredClone unchanged', () => {
    const p = new Part().feed(worlds[0].items.slice(0, 200));
    const states = {deals: p.deals.state(), billing: p.billing.state(), unify: p.unify.state(), counts: p.counts};
    const plain = (x: unknown): boolean =>
      typeof x === 'number' ||
      (Array.isArray(x) && x.every(plain)) ||
      (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype && Object.values(x).every(plain));
    expect(plain(states)).toBe(true);
    expect(structuredClone(states)).toEqual(states);
  });

  it('merging a state does not alias it: the merged part can go on accumulating', () => {
    const [a, b] = split(worlds[0].items, [300]);
    const first = new Part().feed(a);
    const second = new Part().feed(b.slice(0, 100));
    first.merge({deals: second.deals.state(), billing: second.billing.state(), unify: second.unify.state(), counts: second.counts});
    second.feed(b.slice(100)); // must not leak into `first`
    const expected = new Part().feed([...a, ...b.slice(0, 100)]).json();
    expect(first.json()).toEqual(expected);
  });
});

describe('sums that would be floats are exact (no dependence on how the parts were split)', () => {
  // Deals and invoices of the real simulation, with amounts and probabilities varied beyond what the shipped
  // model produces (any whole-dollar amount; probabilities of 2 decimals; any invoice amount in cents).
  let openDeal: Deal;
  let company: Company;
  let lead: CompanySimulation['lead'];
  let contract: Contract;
  let invoice: Invoice;
  beforeAll(async () => {
    const companies = replicate(await sampleCompanies(), 1);
    const items = simulateItems(companies, 42, parseIsoDay('2025-02-28')!);
    const withOpen = items.find((it) => it.sim.deals.some((d) => d.outcome === 'open'))!;
    company = withOpen.company;
    lead = withOpen.sim.lead;
    openDeal = withOpen.sim.deals.find((d) => d.outcome === 'open')!;
    const billed = items.map((it) => it.billed).find((b) => b.invoices.length > 0)!;
    invoice = billed.invoices[0];
    contract = billed.terms.find((t) => t.billing_id === invoice.billing_id)!;
  });

  const openArb = fc.record({amount: fc.integer({min: 1, max: 5_000_000}), pct: fc.integer({min: 1, max: 99})});
  const centsArb = fc.integer({min: 1, max: 100_000_000});
  /**
   * Open deals and invoice amounts; a last deal makes the exact weighted sum end in .5 dollars, where a float
   * sum (just above or below the half) would round either way depending on the order of the additions.
   */
  const rowsArb = fc.array(fc.tuple(openArb, centsArb), {minLength: 1, maxLength: 60}).chain((xs) => {
    const residue = xs.reduce((s, [o]) => s + o.amount * o.pct, 0) % 100;
    const tie: [{amount: number; pct: number}, number] = [{amount: (150 - residue) % 100 || 100, pct: 1}, 1];
    return fc.tuple(fc.constant(xs), fc.boolean()).map(([ys, withTie]) => (withTie ? [...ys, tie] : ys));
  });

  it('weighted pipeline ARR and invoiced amount', () => {
    fc.assert(
      fc.property(
        rowsArb.chain((xs) => fc.tuple(fc.constant(xs), cutsArb(xs.length))),
        ([xs, cuts]) => {
          const feed = (part: typeof xs) => {
            const deals = new DealStats(dealModel);
            const billing = new BillingStats(billingModel, parseIsoDay('2025-02-28')!);
            for (const [o, cents] of part) {
              const d: Deal = {...openDeal, amount_arr: o.amount, probability: o.pct / 100};
              deals.add(company, {lead, deals: [d], history: [], snapshots: []});
              billing.add(contract, [{...invoice, amount: cents / 100}]);
            }
            return {deals, billing};
          };
          const one = feed(xs);
          const parts = split(xs, cuts).map(feed);
          for (const p of parts.slice(1)) {
            parts[0].deals.merge(structuredClone(p.deals.state()));
            parts[0].billing.merge(structuredClone(p.billing.state()));
          }
          expect(JSON.stringify(parts[0].deals.figures())).toBe(JSON.stringify(one.deals.figures()));
          expect(JSON.stringify(parts[0].billing.figures())).toBe(JSON.stringify(one.billing.figures()));
          // And the figures are the exact decimal sums.
          const x100 = xs.reduce((s, [o]) => s + o.amount * o.pct, 0);
          expect(one.deals.figures().weighted_pipeline_arr).toBe(Math.round(x100 / 100));
          expect(one.billing.figures().invoiced_amount).toBe(xs.reduce((s, [, c]) => s + c, 0) / 100);
        },
      ),
      {numRuns: 300},
    );
  });
});

describe('addInto', () => {
  it('adds numbers, appends lists and merges records keeping first-appearance key order', () => {
    const into = {n: 1, xs: [1, 2], r: {b: 1, a: 2} as Record<string, number>};
    addInto(into, {n: 2, xs: [3], r: {d: 0, a: 1, c: 5}});
    expect(into).toEqual({n: 3, xs: [1, 2, 3], r: {b: 1, a: 3, d: 0, c: 5}});
    expect(Object.keys(into.r)).toEqual(['b', 'a', 'd', 'c']);
  });

  it('doubles a state merged into itself (no endless append)', () => {
    const s = {xs: [1, 2], r: {a: 1}};
    addInto(s, s);
    expect(s).toEqual({xs: [1, 2, 1, 2], r: {a: 2}});
  });

  it('rejects what is not additive', () => {
    expect(() => addInto({a: 1} as Record<string, unknown>, {a: 'x'})).toThrow(/a: "x" is not additive/);
    expect(() => addInto({a: 1} as Record<string, unknown>, {a: [1]})).toThrow(/different shapes/);
    expect(() => addInto({r: {b: 1}} as Record<string, unknown>, {r: {b: true}})).toThrow(/r\.b/);
  });
});
