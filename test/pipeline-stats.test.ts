import fc from 'fast-check';
import {
  PipelineStats,
  pipelineChecks,
  RAMP_UP_QUARTERS,
  type PipelineDeal,
  type PipelineRep,
  type PipelineSetup,
  type PipelineSnapshotRow,
} from '../src/core/pipeline-stats.js';
import {quarterEnd, quarterLabel, quarterOf, quarterStart} from '../src/core/quarters.js';
import {shippedConfig} from './helpers/simulation.js';

/** Quota attainment, pipeline coverage and slip rate from hand-built rows (src/core/pipeline-stats.ts). */

const reps: PipelineRep[] = [
  {name: 'Ann', segment: 'smb', hire_date: '2023-01-02', quarterly_quota_arr: 100},
  {name: 'Bob', segment: 'smb', hire_date: '2024-04-01', quarterly_quota_arr: 100},
  {name: 'Cat', segment: 'enterprise', hire_date: '2024-05-15', quarterly_quota_arr: 1000},
];
// The window's quarters: 2023-Q3 (from Sep 1) and 2023-Q4 are ramp-up; 2024-Q1 .. 2024-Q4 are measured; 2025-Q1 is current.
// The config's segments: mid_market has no rep here.
const setup: PipelineSetup = {reps, segments: ['smb', 'mid_market', 'enterprise'], windowStart: '2023-09-01', asOf: '2025-02-15'};

let n = 0;
const won = (owner: string, close: string, arr: number): PipelineDeal => ({
  deal_id: `deal_${++n}`,
  owner,
  outcome: 'won',
  close_date: close,
  closed_arr: arr,
});
const lost = (owner: string, close: string): PipelineDeal => ({deal_id: `deal_${++n}`, owner, outcome: 'lost', close_date: close, closed_arr: null});
const open = (owner: string): PipelineDeal => ({deal_id: `deal_${++n}`, owner, outcome: 'open', close_date: '', closed_arr: null});
const snap = (d: PipelineDeal, date: string, amount: number, expected: string): PipelineSnapshotRow => ({
  snapshot_date: date,
  deal_id: d.deal_id,
  amount_arr: amount,
  expected_close_date: expected,
});

describe('calendar quarters of ISO dates', () => {
  it('labels, starts and ends agree with the dates they contain', () => {
    for (const [date, label] of [
      ['2024-01-01', '2024-Q1'],
      ['2024-03-31', '2024-Q1'],
      ['2024-04-01', '2024-Q2'],
      ['2024-12-31', '2024-Q4'],
      ['2023-09-01', '2023-Q3'],
    ]) {
      const q = quarterOf(date);
      expect(quarterLabel(q)).toBe(label);
      expect(quarterStart(q) <= date && date <= quarterEnd(q)).toBe(true);
      expect(quarterOf(quarterStart(q + 1))).toBe(q + 1);
    }
  });
});

describe('quota attainment', () => {
  it('counts each rep-quarter from the first full quarter after the hire (and the ramp-up) to the last ended by the as-of date', () => {
    const stats = new PipelineStats(setup);
    // Ann reaches quota in 2024-Q1 and 2024-Q3 (two deals adding up), not in Q2 (90) nor Q4 (none); bookings
    // in the ramp-up (2023-Q4) and the current quarter (2025-Q1) are not counted.
    for (const d of [
      won('Ann', '2023-11-10', 500),
      won('Ann', '2024-02-01', 100),
      won('Ann', '2024-05-01', 90),
      won('Ann', '2024-08-01', 60),
      won('Ann', '2024-09-30', 40),
      lost('Ann', '2024-10-01'),
      won('Ann', '2025-01-10', 999),
    ])
      stats.addDeal(d);
    // Bob, hired on a quarter's first day, starts then: 2024-Q2 .. Q4, at quota once.
    stats.addDeal(won('Bob', '2024-06-30', 150));
    // Cat, hired mid-quarter, starts in 2024-Q3: 2 quarters, none at quota.
    stats.addDeal(won('Cat', '2024-05-20', 5000));
    stats.addDeal(won('Cat', '2024-12-01', 999));
    const qa = stats.figures().quota_attainment;
    const ann = qa.by_rep.find((r) => r.name === 'Ann')!;
    expect(ann).toMatchObject({rep_quarters: 4, at_quota: 2, at_quota_share: 0.5, bookings_arr: 290});
    expect(ann.median_attainment).toBeCloseTo((0.9 + 1) / 2, 4);
    expect(qa.by_rep.find((r) => r.name === 'Bob')).toMatchObject({rep_quarters: 3, at_quota: 1, median_attainment: 0});
    expect(qa.by_rep.find((r) => r.name === 'Cat')).toMatchObject({rep_quarters: 2, at_quota: 0, bookings_arr: 999});
    expect(qa).toMatchObject({rep_quarters: 9, at_quota: 3, at_quota_share: round4(3 / 9)});
    expect(qa.by_segment.smb).toMatchObject({rep_quarters: 7, at_quota: 3});
    expect(qa.by_segment.enterprise).toMatchObject({rep_quarters: 2, at_quota: 0});
    expect(qa.by_segment.mid_market).toMatchObject({rep_quarters: 0, at_quota_share: null, median_attainment: null});
  });
});

describe('pipeline coverage and slip rate', () => {
  it("take the quarter's first snapshot: open deals expected to close in the quarter, over its bookings; those not closed by its end slipped", () => {
    const stats = new PipelineStats(setup);
    const a = won('Ann', '2024-02-20', 100); // expected in Q1, closed in Q1
    const b = lost('Ann', '2024-03-29'); // closed (lost) in Q1: not slipped
    const c = won('Ann', '2024-04-02', 50); // expected in Q1, closed in Q2: slipped
    const d = open('Ann'); // expected in Q1, still open: slipped
    const e = open('Bob'); // expected in Q2: not in Q1's forecast
    const f = won('Bob', '2024-03-01', 200); // not open at the first snapshot (created later): bookings only
    const rows = [
      // 2024-01-01 is a Monday, the quarter's first snapshot; the later weeks do not count.
      snap(a, '2024-01-01', 1000, '2024-02-15'),
      snap(a, '2024-01-08', 9999, '2024-02-15'),
      snap(b, '2024-01-01', 400, '2024-03-31'),
      snap(c, '2024-01-01', 300, '2024-03-15'),
      snap(c, '2024-04-01', 300, '2024-04-10'),
      snap(d, '2024-01-01', 200, '2024-03-01'),
      snap(e, '2024-01-01', 700, '2024-05-01'),
    ];
    stats.add({deals: [a, b, c, d, e, f], snapshots: rows});
    const q1 = stats.figures().pipeline_quarters.find((q) => q.quarter === '2024-Q1')!;
    expect(q1).toMatchObject({
      snapshot_date: '2024-01-01',
      pipeline_arr: 1900,
      bookings_arr: 300,
      forecast_deals: 4,
      slipped_deals: 2,
      slip_rate: 0.5,
      complete: true,
      measured: true,
    });
    expect(q1.coverage).toBeCloseTo(1900 / 300, 2);
    const q2 = stats.figures().pipeline_quarters.find((q) => q.quarter === '2024-Q2')!;
    // 2024-04-01: c, expected and closed in Q2.
    expect(q2).toMatchObject({snapshot_date: '2024-04-01', pipeline_arr: 300, bookings_arr: 50, forecast_deals: 1, slipped_deals: 0, coverage: 6});
  });

  it('medians are over the measured quarters only (complete, past the ramp-up); a quarter without a snapshot has no coverage', () => {
    const stats = new PipelineStats(setup);
    const add = (date: string, arr: number, bookings: number, closed: boolean) => {
      const q = quarterOf(date);
      const d = closed ? won('Ann', quarterEnd(q), bookings) : open('Ann');
      stats.add({deals: closed ? [d] : [d, won('Ann', quarterEnd(q), bookings)], snapshots: [snap(d, date, arr, quarterEnd(q))]});
    };
    add('2023-10-02', 100_000, 10, true); // ramp-up: a huge coverage that must not count
    add('2024-01-01', 300, 100, true); // 3x, no slip
    add('2024-04-01', 200, 100, false); // 2x, slipped
    add('2024-07-01', 400, 100, true); // 4x
    add('2025-01-06', 900, 100, false); // current quarter: not measured
    const f = stats.figures();
    expect(f.pipeline_quarters.map((q) => q.quarter)).toEqual(['2023-Q3', '2023-Q4', '2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4', '2025-Q1']);
    expect(f.pipeline_quarters.filter((q) => q.measured).map((q) => q.quarter)).toEqual(['2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4']);
    expect(f.pipeline_quarters.slice(0, RAMP_UP_QUARTERS).every((q) => !q.measured)).toBe(true);
    expect(f.pipeline_quarters.find((q) => q.quarter === '2024-Q4')).toMatchObject({snapshot_date: null, coverage: null, slip_rate: null});
    expect(f.median_pipeline_coverage).toBe(3);
    expect(f.median_slip_rate).toBe(0);
    const checks = pipelineChecks(f, {...shippedConfig().targets, min_sample: 1});
    expect(checks.map((c) => c.metric)).toEqual(['quota_attainment_share', 'pipeline_coverage', 'slip_rate']);
    expect(checks.find((c) => c.metric === 'pipeline_coverage')).toMatchObject({value: 3, n: 3, status: 'ok'});
  });
  it("a quarter's first snapshot is in its first week (or the window's first week); later weeks never stand in for it", () => {
    const stats = new PipelineStats(setup);
    const d = open('Ann');
    // The window starts on Friday 2023-09-01: its first snapshot (Monday 2023-09-04) is 2023-Q3's.
    // 2024-Q2 has snapshots from its second week only.
    stats.add({
      deals: [d],
      snapshots: [snap(d, '2023-09-04', 10, '2023-09-29'), snap(d, '2024-04-08', 20, '2024-05-01'), snap(d, '2024-04-15', 30, '2024-05-01')],
    });
    const f = stats.figures();
    expect(f.pipeline_quarters.find((q) => q.quarter === '2023-Q3')).toMatchObject({
      snapshot_date: '2023-09-04',
      pipeline_arr: 10,
      forecast_deals: 1,
      slipped_deals: 1,
    });
    expect(f.pipeline_quarters.find((q) => q.quarter === '2024-Q2')).toMatchObject({snapshot_date: null, pipeline_arr: 0, forecast_deals: 0});
    expect(f.snapshot_rows).toBe(3);
  });
});

// Random companies: deals of the reps (won, lost, open) with weekly snapshot rows.
const DATES = ['2023-10-02', '2024-01-01', '2024-01-08', '2024-04-01', '2024-06-24', '2024-07-01', '2024-10-07', '2025-01-06'];
const company = fc
  .array(
    fc.record({
      owner: fc.constantFrom('Ann', 'Bob', 'Cat', 'Nobody'),
      outcome: fc.constantFrom('won', 'lost', 'open'),
      close: fc.constantFrom(...DATES, '2024-03-31', '2024-12-31'),
      arr: fc.integer({min: 0, max: 200_000}),
      weeks: fc.array(
        fc.record({date: fc.constantFrom(...DATES), expected: fc.constantFrom(...DATES, '2024-03-31'), amount: fc.integer({min: 0, max: 200_000})}),
        {maxLength: 5},
      ),
    }),
    {maxLength: 4},
  )
  .map((ds) => {
    const deals = ds.map((x): PipelineDeal => ({
      deal_id: `deal_${++n}`,
      owner: x.owner,
      outcome: x.outcome as PipelineDeal['outcome'],
      close_date: x.outcome === 'open' ? '' : x.close,
      closed_arr: x.outcome === 'won' ? x.arr : null,
    }));
    return {deals, snapshots: ds.flatMap((x, i) => x.weeks.map((w) => snap(deals[i], w.date, w.amount, w.expected))), history: []};
  });

describe('merging the states of contiguous parts', () => {
  it('gives the same figures as one accumulator fed every company, for any split', () => {
    fc.assert(
      fc.property(fc.array(company, {maxLength: 30}), fc.array(fc.nat(), {maxLength: 4}), (companies, cuts) => {
        const one = new PipelineStats(setup);
        for (const c of companies) one.add(c);
        const bounds = [0, ...cuts.map((k) => k % (companies.length + 1)).sort((a, b) => a - b), companies.length];
        const parts = bounds.slice(1).map((end, i) => {
          const p = new PipelineStats(setup);
          for (const c of companies.slice(bounds[i], end)) p.add(c);
          return structuredClone(p.state());
        });
        const merged = new PipelineStats(setup);
        for (const p of parts) merged.merge(p);
        expect(JSON.stringify(merged.figures())).toBe(JSON.stringify(one.figures()));
        expect(merged.state()).toEqual(one.state());
      }),
    );
  });

  it("the report's row-by-row feed (addDeal, addSnapshot) equals the per-company feed", () => {
    fc.assert(
      fc.property(fc.array(company, {maxLength: 20}), (companies) => {
        const byCompany = new PipelineStats(setup);
        const byRow = new PipelineStats(setup);
        for (const c of companies) {
          byCompany.add(c);
          for (const d of c.deals) byRow.addDeal(d);
          for (const r of c.snapshots) byRow.addSnapshot(r, c.deals.find((d) => d.deal_id === r.deal_id)!.close_date);
        }
        expect(byRow.figures()).toEqual(byCompany.figures());
      }),
    );
  });
});

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
