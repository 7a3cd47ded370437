/** Progress reporting: which mode a stream gets, and what a progress line says. */
import {jest} from '@jest/globals';
import {createReporter, reporterMode} from '../src/io/reporter.js';

type Stream = NodeJS.WriteStream;
const fake = (isTTY: boolean, columns?: number) => ({isTTY, columns, write: () => true}) as unknown as Stream;

describe('reporterMode', () => {
  const ci = process.env.CI;
  beforeEach(() => delete process.env.CI);
  afterAll(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('spins on a terminal, prints plain lines elsewhere, nothing under --quiet or --json', () => {
    expect(reporterMode({json: false, quiet: false}, fake(true, 80))).toBe('tty');
    expect(reporterMode({json: false, quiet: false}, fake(false))).toBe('plain');
    expect(reporterMode({json: true, quiet: false}, fake(true, 80))).toBe('json');
    expect(reporterMode({json: false, quiet: true}, fake(true, 80))).toBe('quiet');
  });

  it('prints plain lines on a terminal that reports no width (a spinner would clear lines forever there)', () => {
    expect(reporterMode({json: false, quiet: false}, fake(true, 0))).toBe('plain');
    expect(reporterMode({json: false, quiet: false}, fake(true))).toBe('plain');
  });

  it('prints plain lines under CI=true', () => {
    process.env.CI = 'true';
    expect(reporterMode({json: false, quiet: false}, fake(true, 80))).toBe('plain');
  });
});

describe('progress lines', () => {
  afterEach(() => jest.useRealTimers());

  /** A plain reporter writing to an array, with the clock under the test's control. */
  async function plain() {
    jest.useFakeTimers({now: 1_000_000});
    const lines: string[] = [];
    const stream = {isTTY: false, write: (s: string) => lines.push(s)} as unknown as Stream;
    return {lines, r: await createReporter('plain', stream)};
  }

  it('show an estimated total as ~N, with the rate and an ETA from it', async () => {
    const {lines, r} = await plain();
    r.start('Simulating');
    jest.setSystemTime(1_000_000 + 6000);
    r.progress(600, undefined, 1800);
    expect(lines).toEqual(['Simulating: 600/~1,800 · 100/s · ETA 12s\n']);
  });

  it('keep a known total over an estimate', async () => {
    const {lines, r} = await plain();
    r.start('Simulating', 1000);
    jest.setSystemTime(1_000_000 + 5000);
    r.progress(500, undefined, 4000);
    expect(lines).toEqual(['Simulating: 500/1,000 · 100/s · ETA 5s\n']);
  });

  it('show no total and no ETA without one', async () => {
    const {lines, r} = await plain();
    r.start('Simulating');
    jest.setSystemTime(1_000_000 + 5000);
    r.progress(500);
    expect(lines).toEqual(['Simulating: 500 · 100/s\n']);
  });
});
