import fc from 'fast-check';
import {parseIsoDay, weekdayIndex} from '../src/core/calendar.js';
import {simulateCompany, type CompanySimulation} from '../src/core/deals.js';
import {DEAL_STAGES, HISTORY_FIELDS, WEEKDAYS} from '../src/core/vocabulary.js';
import type {Company} from '../src/schemas/companies.js';
import type {Deal} from '../src/schemas/deals.js';
import type {OpportunityChange} from '../src/schemas/history.js';
import {companiesArb, makeCompany, shippedConfig, shippedModel} from './helpers/simulation.js';

const cfg = shippedConfig();
const model = shippedModel('2030-12-31');
const cal = model.calendar;
const day = (iso: string) => parseIsoDay(iso)!;
const AS_OF = day(cfg.simulation.as_of);
const LATER = day('2030-12-31');

/** Companies likely to have deals (and several of them). */
function population(n: number, prefix = 'h'): Company[] {
  const bands = ['2-10', '11-50', '51-200', '201-500', '1001-5000', '10001+'] as const;
  return Array.from({length: n}, (_, i) =>
    makeCompany({
      company_key: `domain:${prefix}${i}.com`,
      size_band: bands[i % bands.length],
      icp_tier: i % 3 === 0 ? 'tier_1' : 'tier_2',
      icp_fit: true,
      uses_x12: i % 2 === 0,
      techstack_basis: i % 2 === 0 ? 'stated' : 'none',
      company_kind: i % 4 === 0 ? 'rcm_billing' : 'provider',
    }),
  );
}

/** Replays a deal's history rows: the tracked fields as they stand after the rows on or before `upTo`. */
function replay(rows: readonly OpportunityChange[], upTo = '9999-12-31'): Record<string, string> {
  const state: Record<string, string> = {};
  for (const r of rows) if (r.changed_date <= upTo) state[r.field] = r.new_value;
  return state;
}

const byDeal = <T extends {deal_id: string}>(rows: readonly T[]) => {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.deal_id) ?? [];
    list.push(r);
    out.set(r.deal_id, list);
  }
  return out;
};

const sims = population(1500).map((c) => simulateCompany(c, model, 42, AS_OF));
const deals = sims.flatMap((s) => s.deals);

describe('opportunity history', () => {
  it('has deals of every outcome to check', () => {
    for (const o of ['won', 'lost', 'open'] as const) expect(deals.filter((d) => d.outcome === o).length).toBeGreaterThan(20);
  });

  it("replays to each deal's row of deals.csv, change by change, never after the as-of date", () => {
    fc.assert(
      fc.property(
        companiesArb(25),
        fc.integer({min: 0, max: 1000}),
        fc.constantFrom('2024-06-30', cfg.simulation.as_of, '2028-01-31'),
        (companies, seed, asOfIso) => {
          for (const c of companies) {
            const sim = simulateCompany(c, model, seed, day(asOfIso));
            checkHistory(sim, asOfIso);
          }
        },
      ),
      {numRuns: 40},
    );
    for (const sim of sims) checkHistory(sim, cfg.simulation.as_of);
  });

  function checkHistory(sim: CompanySimulation, asOfIso: string): void {
    const history = byDeal(sim.history);
    expect([...history.keys()]).toEqual(sim.deals.map((d) => d.deal_id)); // deal by deal, in the deals' order
    for (const d of sim.deals) {
      const rows = history.get(d.deal_id)!;
      expect(rows.map((r) => r.sequence)).toEqual(rows.map((_, i) => i + 1));
      // Created with every field set, on the creation day.
      expect(rows.slice(0, 4).map((r) => [r.field, r.old_value, r.changed_date])).toEqual(HISTORY_FIELDS.map((f) => [f, '', d.created_date]));
      const last: Record<string, string> = {};
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (i > 0) expect(r.changed_date >= rows[i - 1].changed_date).toBe(true);
        expect(r.changed_date <= asOfIso).toBe(true);
        if (r.field in last) expect(r.old_value).toBe(last[r.field]);
        expect(r.new_value).not.toBe(r.old_value);
        last[r.field] = r.new_value;
      }
      expect(replay(rows)).toEqual({
        stage: d.stage,
        amount_arr: String(d.amount_arr),
        expected_close_date: d.expected_close_date,
        forecast_category: d.forecast_category,
      });
      // The stage changes are the stage dates of deals.csv.
      const stageRows = rows.filter((r) => r.field === 'stage');
      const dates = [d.discovery_date, d.technical_evaluation_date, d.security_review_date, d.proposal_date, d.negotiation_date].filter(
        (x) => x !== '',
      );
      expect(stageRows.slice(0, dates.length).map((r) => r.changed_date)).toEqual(dates);
      if (d.outcome !== 'open') expect(stageRows[stageRows.length - 1].changed_date).toBe(d.close_date);
    }
  }

  it('an earlier as-of date sees a prefix of the same history', () => {
    for (const c of population(300, 'p')) {
      const now = simulateCompany(c, model, 9, AS_OF);
      const later = simulateCompany(c, model, 9, LATER);
      const laterById = byDeal(later.history);
      for (const [id, rows] of byDeal(now.history)) expect(laterById.get(id)!.slice(0, rows.length)).toEqual(rows);
      expect(later.snapshots.slice(0, now.snapshots.length).filter((s) => s.snapshot_date <= cfg.simulation.as_of).length).toBeGreaterThanOrEqual(0);
      const laterWeeks = later.snapshots.filter((s) => s.snapshot_date <= cfg.simulation.as_of);
      expect(laterWeeks).toEqual(now.snapshots);
    }
  });

  it('reps push expected close dates: a share of deals slips once or more, big deals more than small ones', () => {
    const closed = deals.filter((d) => d.outcome !== 'open');
    const history = byDeal(sims.flatMap((s) => s.history));
    const pushed = (d: Deal) =>
      history
        .get(d.deal_id)!
        .some(
          (r) => r.field === 'expected_close_date' && r.old_value !== '' && r.new_value > r.old_value && r.changed_date < (d.close_date || '9999'),
        );
    const share = (ds: Deal[]) => ds.filter(pushed).length / ds.length;
    const all = share(closed);
    expect(all).toBeGreaterThan(0.1);
    expect(all).toBeLessThan(0.8);
    expect(share(closed.filter((d) => d.amount_arr >= 100_000))).toBeGreaterThan(share(closed.filter((d) => d.amount_arr < 15_000)));
  });

  it("amounts are re-scoped during some deals, and a won deal's discount is off its final amount", () => {
    const history = sims.flatMap((s) => s.history);
    const rescoped = history.filter((r) => r.field === 'amount_arr' && r.old_value !== '');
    expect(rescoped.length).toBeGreaterThan(deals.length * 0.1);
    for (const d of deals.filter((x) => x.outcome === 'won')) expect(d.closed_arr!).toBeLessThanOrEqual(d.amount_arr);
  });
});

describe('weekly pipeline snapshots', () => {
  const weekday = WEEKDAYS.indexOf(cfg.simulation.snapshot_weekday);

  it('hold every deal open on each snapshot day, as the history stood that day', () => {
    const check = (sim: CompanySimulation, asOfIso: string) => {
      const history = byDeal(sim.history);
      const weeks = byDeal(sim.snapshots);
      expect([...weeks.keys()]).toEqual(sim.deals.map((d) => d.deal_id).filter((id) => weeks.has(id))); // each deal's weeks together, in deal order
      for (const d of sim.deals) {
        const rows = weeks.get(d.deal_id) ?? [];
        // Every snapshot day from the creation to the day before the close (or the as-of date).
        const expected: string[] = [];
        const end = d.close_date === '' ? day(asOfIso) : Math.min(day(d.close_date) - 1, day(asOfIso));
        for (let w = model.firstSnapshot; w <= end; w += 7) if (w >= day(d.created_date)) expected.push(cal.iso(w));
        expect(rows.map((r) => r.snapshot_date)).toEqual(expected);
        for (const r of rows) {
          expect(weekdayIndex(day(r.snapshot_date))).toBe(weekday);
          const state = replay(history.get(d.deal_id)!, r.snapshot_date);
          expect({
            stage: r.stage,
            amount_arr: String(r.amount_arr),
            expected_close_date: r.expected_close_date,
            forecast_category: r.forecast_category,
          }).toEqual(state);
          expect(r.probability).toBe(cfg.stages[r.stage].forecast_probability);
          expect(cfg.stages[r.stage].forecast_category).toBe(r.forecast_category);
        }
      }
    };
    for (const sim of sims) check(sim, cfg.simulation.as_of);
    fc.assert(
      fc.property(companiesArb(20), fc.integer({min: 0, max: 1000}), (companies, seed) => {
        for (const c of companies) check(simulateCompany(c, model, seed, AS_OF), cfg.simulation.as_of);
      }),
      {numRuns: 30},
    );
  });

  it('cover the whole window: open deals in its first year and in its last', () => {
    const dates = sims.flatMap((s) => s.snapshots.map((r) => r.snapshot_date));
    expect(dates.some((d) => d < '2024-06-01')).toBe(true);
    expect(dates.some((d) => d > '2026-06-01')).toBe(true);
  });
});

describe('deals.csv columns a CRM would have', () => {
  it("probability and forecast category are the stage's; cycle for closed deals, age for open ones", () => {
    for (const d of deals) {
      if (d.outcome === 'open') {
        const stage = d.stage as (typeof DEAL_STAGES)[number];
        expect(d.probability).toBe(cfg.stages[stage].forecast_probability);
        expect(d.forecast_category).toBe(cfg.stages[stage].forecast_category);
        expect(d.sales_cycle_days).toBeNull();
        expect(d.age_days).toBe(AS_OF - day(d.created_date));
      } else {
        expect(d.probability).toBe(d.outcome === 'won' ? 1 : 0);
        expect(d.forecast_category).toBe(d.outcome === 'won' ? 'closed' : 'omitted');
        expect(d.age_days).toBeNull();
        expect(d.sales_cycle_days).toBe(day(d.close_date) - day(d.created_date));
        expect(d.expected_close_date).toBe(d.close_date);
      }
    }
  });

  it("owners are reps of the company's segment hired by its first touch", () => {
    for (const s of sims) {
      if (s.lead.first_touch_date === '') continue;
      const rep = cfg.reps.find((r) => r.name === s.lead.owner)!;
      expect(rep.segment).toBe(s.lead.segment);
      const hiredByWindowStart = rep.hire_date <= cfg.simulation.window_start;
      expect(hiredByWindowStart || rep.hire_date <= s.lead.first_touch_date).toBe(true);
    }
  });
});

describe('calendars that look real', () => {
  const big = population(6000, 'cal').map((c) => simulateCompany(c, model, 5, AS_OF));
  const bigDeals = big.flatMap((s) => s.deals);

  it('dates fall on business days, spread evenly over the working week (no Monday pile)', () => {
    const columns: Array<[string, string[]]> = [
      ['first_touch_date', big.map((s) => s.lead.first_touch_date).filter((x) => x !== '')],
      ['created_date', bigDeals.map((d) => d.created_date)],
      ['close_date', bigDeals.map((d) => d.close_date).filter((x) => x !== '')],
    ];
    for (const [, dates] of columns) {
      const counts = [0, 0, 0, 0, 0, 0, 0];
      for (const d of dates) counts[weekdayIndex(day(d))]++;
      expect(counts[5] + counts[6]).toBe(0);
      for (let k = 0; k < 5; k++) expect(counts[k] / dates.length).toBeLessThan(0.25);
    }
  });

  it('closes ramp up into the quarter end, with no hole in the weeks before it', () => {
    const weeks = new Array(13).fill(0);
    for (const d of bigDeals) {
      if (d.close_date === '') continue;
      const c = day(d.close_date);
      weeks[Math.min(12, Math.floor((cal.quarterEnd(c) - c) / 7))]++;
    }
    const baseline = (weeks[4] + weeks[5] + weeks[6] + weeks[7] + weeks[8]) / 5;
    expect(weeks[0]).toBeGreaterThan(baseline * 1.3); // the last week of the quarter
    expect(weeks[0]).toBeGreaterThan(weeks[1]);
    for (let w = 1; w <= 8; w++) expect(weeks[w]).toBeGreaterThan(baseline * 0.8);
  });

  it('first touches grow over the window', () => {
    const years = [0, 0, 0];
    for (const s of big) {
      if (s.lead.first_touch_date === '') continue;
      years[Math.min(2, Math.floor((day(s.lead.first_touch_date) - model.windowStart) / 365.25))]++;
    }
    expect(years[1]).toBeGreaterThan(years[0] * 1.2);
    expect(years[2]).toBeGreaterThan(years[1] * 1.2);
  });
});
