import {Calendar, formatIsoDay, parseIsoDay} from '../src/core/calendar.js';
import {bernoulli, cumulative, fnv1a32, lognormal, normal, streamFor, uniform, uniformInt, weightedIndex} from '../src/core/random.js';

const d = (iso: string) => parseIsoDay(iso)!;

describe('calendar', () => {
  const cal = new Calendar({from: d('2024-01-01'), to: d('2026-12-31'), holidays: [d('2024-12-25')]});

  it('parses only real YYYY-MM-DD dates and round-trips them', () => {
    expect(parseIsoDay('2025-02-30')).toBeNull();
    expect(parseIsoDay('2025-2-3')).toBeNull();
    expect(parseIsoDay('2025-02-03T00:00')).toBeNull();
    expect(parseIsoDay('yesterday')).toBeNull();
    expect(parseIsoDay('1970-01-02')).toBe(1);
    expect(formatIsoDay(d('2024-02-29'))).toBe('2024-02-29');
    for (const iso of ['2024-02-29', '2025-12-31', '2026-01-01']) expect(cal.iso(cal.day(iso)!)).toBe(iso);
    expect(cal.day('2025-02-30')).toBeUndefined();
  });

  it('snaps to business days, skipping weekends and holidays', () => {
    // 2025-08-30 is a Saturday.
    expect(cal.iso(cal.nextBusinessDay(d('2025-08-30')))).toBe('2025-09-01');
    expect(cal.iso(cal.prevBusinessDay(d('2025-08-30')))).toBe('2025-08-29');
    expect(cal.iso(cal.nextBusinessDay(d('2024-12-25')))).toBe('2024-12-26');
    expect(cal.isBusinessDay(d('2025-08-29'))).toBe(true);
    expect(cal.nextBusinessDay(d('2025-08-29'))).toBe(d('2025-08-29'));
  });

  it('finds calendar quarters', () => {
    expect(cal.iso(cal.quarterEnd(d('2025-08-15')))).toBe('2025-09-30');
    expect(cal.iso(cal.quarterStart(d('2025-08-15')))).toBe('2025-07-01');
    expect(cal.iso(cal.quarterEnd(d('2024-12-31')))).toBe('2024-12-31');
    expect(cal.iso(cal.quarterStart(d('2025-01-01')))).toBe('2025-01-01');
    expect(cal.quarterLabel(d('2025-02-10'))).toBe('2025-Q1');
  });

  it('adds months, clamping to the end of shorter months', () => {
    expect(cal.iso(cal.addMonths(d('2025-01-31'), 1))).toBe('2025-02-28');
    expect(cal.iso(cal.addMonths(d('2024-01-31'), 1))).toBe('2024-02-29');
    expect(cal.iso(cal.addMonths(d('2025-01-31'), 2))).toBe('2025-03-31');
    expect(cal.iso(cal.addMonths(d('2025-03-15'), 12))).toBe('2026-03-15');
    expect(cal.iso(cal.addMonths(d('2025-03-15'), -3))).toBe('2024-12-15');
  });

  it('refuses days outside its tables', () => {
    expect(() => cal.iso(d('2030-01-01'))).toThrow(RangeError);
    expect(() => cal.addMonths(d('2026-12-01'), 1)).toThrow(RangeError);
    expect(cal.contains(d('2030-01-01'))).toBe(false);
  });
});

describe('random streams and distributions', () => {
  it('gives the same draws for the same (seed, stage, key) and different ones otherwise', () => {
    const draws = (seed: number, stage: string, key: string) => {
      const rng = streamFor(seed, stage, key);
      return Array.from({length: 5}, () => uniform(rng));
    };
    expect(draws(42, 'deals', 'domain:a.com')).toEqual(draws(42, 'deals', 'domain:a.com'));
    expect(draws(42, 'deals', 'domain:a.com')).not.toEqual(draws(43, 'deals', 'domain:a.com'));
    expect(draws(42, 'deals', 'domain:a.com')).not.toEqual(draws(42, 'billing', 'domain:a.com'));
    expect(draws(42, 'deals', 'domain:a.com')).not.toEqual(draws(42, 'deals', 'domain:b.com'));
  });

  const rng = streamFor(1, 'test', 'distributions');
  const sample = (n: number, f: () => number) => Array.from({length: n}, f);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

  it('uniform and uniformInt stay in range and cover it', () => {
    const u = sample(20000, () => uniform(rng));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 1);
    const ints = new Set(sample(2000, () => uniformInt(rng, 3, 7)));
    expect([...ints].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('normal and lognormal have the right centre and spread', () => {
    const z = sample(20000, () => normal(rng));
    expect(mean(z)).toBeCloseTo(0, 1);
    expect(Math.sqrt(mean(z.map((x) => x * x)))).toBeCloseTo(1, 1);
    const ln = sample(20000, () => lognormal(rng, 30, 0.6));
    expect(medianOf(ln) / 30).toBeGreaterThan(0.95);
    expect(medianOf(ln) / 30).toBeLessThan(1.05);
    expect(mean(ln)).toBeGreaterThan(medianOf(ln)); // right-skewed
  });

  it('bernoulli and weightedIndex follow their probabilities', () => {
    expect(mean(sample(20000, () => (bernoulli(rng, 0.3) ? 1 : 0)))).toBeCloseTo(0.3, 1);
    const cum = cumulative([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[weightedIndex(rng, cum)]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeGreaterThan(2.7);
    expect(counts[2] / counts[0]).toBeLessThan(3.3);
    expect(() => cumulative([0, 0])).toThrow();
    expect(() => cumulative([1, -1])).toThrow();
  });

  it('fnv1a32 is stable and spreads keys', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    const buckets = [0, 0, 0];
    for (let i = 0; i < 3000; i++) buckets[fnv1a32(`domain:company${i}.com`) % 3]++;
    for (const b of buckets) expect(b).toBeGreaterThan(850);
  });
});
