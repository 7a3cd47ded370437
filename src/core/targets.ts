import type {DealModelConfig} from '../schemas/deal-model.js';

/** The targets set per segment: targets.<name>_by_segment gives the range of the figure <name>_<segment>. */
export const SEGMENT_TARGETS = ['median_cycle_days', 'annual_share', 'grr'] as const;

/** The range of a calibration figure in the targets: targets.<metric>, or a per-segment target's (see SEGMENT_TARGETS). */
export function targetRange(targets: DealModelConfig['targets'], metric: string): readonly [number, number] | undefined {
  const flat = (targets as Record<string, unknown>)[metric];
  if (Array.isArray(flat)) return flat as [number, number];
  const base = SEGMENT_TARGETS.find((t) => metric.startsWith(`${t}_`));
  return base === undefined ? undefined : targets[`${base}_by_segment`]?.[metric.slice(base.length + 1)];
}

/** One calibration figure compared with its target range from deal_model.yml. */
export interface TargetCheck {
  /** A key of deal_model.yml targets, or <name>_<segment> for a per-segment target (targets.<name>_by_segment). */
  metric: string;
  value: number | null;
  /** How many observations the figure rests on. */
  n: number;
  range: [number, number];
  /** 95% sampling interval of the figure (Wilson for shares, order statistics for medians), when known. */
  interval?: [number, number];
  /**
   * ok: inside the range. within_noise: outside, but the 95% interval still reaches the range (a small
   * sample cannot tell). outside: clearly outside (a warning). too_few: n < targets.min_sample, not judged.
   * no_data: nothing to measure.
   */
  status: 'ok' | 'within_noise' | 'outside' | 'too_few' | 'no_data';
}

export interface Figure {
  value: number | null;
  n: number;
  interval?: [number, number];
}

/** Compares figures with the configured ranges; metrics without a range in the config are skipped. */
export function checkTargets(figures: Readonly<Record<string, Figure>>, targets: DealModelConfig['targets']): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const [metric, fig] of Object.entries(figures)) {
    const range = targetRange(targets, metric);
    if (!range) continue;
    let status: TargetCheck['status'];
    if (fig.value === null || fig.n === 0) status = 'no_data';
    else if (fig.n < targets.min_sample) status = 'too_few';
    else if (fig.value >= range[0] && fig.value <= range[1]) status = 'ok';
    else if (fig.interval && fig.interval[1] >= range[0] && fig.interval[0] <= range[1]) status = 'within_noise';
    else status = 'outside';
    const check: TargetCheck = {metric, value: fig.value, n: fig.n, range: [range[0], range[1]], status};
    if (fig.interval) check.interval = [round(fig.interval[0], 4), round(fig.interval[1], 4)];
    out.push(check);
  }
  return out;
}

/** A share k / n with its 95% Wilson interval. */
export function shareFigure(k: number, n: number): Figure {
  if (n === 0) return {value: null, n};
  const z = 1.96;
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return {value: round(p, 4), n, interval: [Math.max(0, centre - half), Math.min(1, centre + half)]};
}

/** The median with its distribution-free 95% interval (order statistics n/2 -+ 0.98 sqrt(n)). */
export function medianFigure(values: readonly number[]): Figure {
  const n = values.length;
  if (n === 0) return {value: null, n};
  const s = Float64Array.from(values).sort();
  const lo = Math.max(0, Math.floor(n / 2 - 0.98 * Math.sqrt(n)) - 1);
  const hi = Math.min(n - 1, Math.ceil(n / 2 + 0.98 * Math.sqrt(n)) - 1);
  return {value: median(values), n, interval: [s[lo], s[hi]]};
}

/** Warning lines for the checks that fell outside their range. */
export function targetWarnings(checks: readonly TargetCheck[]): string[] {
  return checks
    .filter((c) => c.status === 'outside')
    .map(
      (c) =>
        `${c.metric} = ${formatFigure(c.value!)} is outside the target range [${formatFigure(c.range[0])}, ${formatFigure(c.range[1])}]` +
        ` (n=${c.n}${c.interval ? `, 95% interval ${formatFigure(c.interval[0])}-${formatFigure(c.interval[1])}` : ''}; deal_model.yml targets)`,
    );
}

function formatFigure(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

/** The quantile of sorted numbers with linear interpolation between closest ranks (numpy's default). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}

/** Median of a list of numbers (null when empty). Does not modify the input. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  const mid = s.length >>> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** a / b rounded to 4 digits; null when b is 0. */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : round(a / b, 4);
}

/** Shares of each key of counts (4 digits), in the order of `keys`. */
export function shares<K extends string>(keys: readonly K[], counts: Record<K, number>): Record<K, number> {
  let total = 0;
  for (const k of keys) total += counts[k];
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = total === 0 ? 0 : round(counts[k] / total, 4);
  return out;
}
