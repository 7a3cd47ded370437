/**
 * Calibration checks (figures of the run against the target ranges of deal_model.yml) as the report shows
 * them: a readable name, the value and range in their units, and the verdict. Pure.
 */
import {humanize} from './chart-style.js';
import {formatUsd, segmentLabel} from '../format.js';

/**
 * A check as the deals and billing stages record it (src/core/targets.ts TargetCheck): status ok, within_noise
 * (outside, but the 95% interval reaches the range), outside, too_few or no_data. Other statuses are shown as is.
 */
export interface RecordedCheck {
  metric: string;
  value: number | null;
  n: number;
  range: readonly [number, number];
  /** 95% sampling interval of the figure, when known. */
  interval?: readonly [number, number];
  status: string;
}

/** A check ready to display. */
export interface CalibrationCheck {
  name: string;
  value: string;
  target: string;
  /** The 95% interval as displayed, or '' when unknown. */
  interval: string;
  n: number;
  status: string;
}

const NAMES: Record<string, string> = {
  opportunity_rate: 'Opportunity rate (companies with a deal)',
  icp_opportunity_lift: 'ICP opportunity lift (ICP vs non-ICP rate)',
  win_rate: 'Win rate (closed deals)',
  open_share: 'Open share of deals',
  median_cycle_days: 'Median sales cycle (won)',
  median_won_arr: 'Median won ARR',
  won_arr_below_5k_share: 'Won deals below $5K ARR',
  won_arr_above_100k_share: 'Won deals above $100K ARR',
  no_decision_share: 'No decision share of losses',
  quarter_end_close_share: 'Closes in the last 15 days of a quarter',
  quota_attainment_share: 'Rep-quarters at quota',
  pipeline_coverage: 'Pipeline coverage (median of quarters)',
  slip_rate: 'Slip rate (median of quarters)',
  monthly_share_small_buyers: 'Small buyers billed monthly',
  median_contract_term_months: 'Median contract term',
  mean_contract_term_months: 'Mean contract term',
  grr: 'GRR (trailing 12 months)',
  nrr: 'NRR (trailing 12 months)',
  nrr_large: 'NRR of large contracts (ACV above large_contract_arr)',
};

type Unit = 'pct' | 'days' | 'usd' | 'months' | 'times' | 'number';

/**
 * The unit of a figure, from its name (deal_model.yml targets; <name>_<segment> as its target <name>_by_segment):
 * shares, rates and retention (NRR, GRR) as %, lifts and coverage as x, as the stages' summaries print them.
 */
function unitOf(metric: string): Unit {
  if (/^(grr|nrr)(_|$)/.test(metric)) return 'pct';
  if (metric.endsWith('_rate') || metric.endsWith('_share') || metric.startsWith('monthly_share') || metric.startsWith('annual_share')) return 'pct';
  if (metric.includes('_days')) return 'days';
  if (metric.endsWith('_arr')) return 'usd';
  if (metric.endsWith('_months')) return 'months';
  if (metric.endsWith('_lift') || metric.endsWith('_coverage')) return 'times';
  return 'number';
}

function trimNumber(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A figure of the metric in its unit: 24.1%, 63 days, $25K, 12 months, 2.3x. */
export function formatMetric(metric: string, value: number): string {
  switch (unitOf(metric)) {
    case 'pct':
      return `${trimNumber(value * 100, 1)}%`;
    case 'days':
      return `${trimNumber(value, 0)} days`;
    case 'usd':
      return formatUsd(value);
    case 'months':
      return `${trimNumber(value, 1)} months`;
    case 'times':
      return `${trimNumber(value, 2)}x`;
    default:
      return trimNumber(value, 3);
  }
}

function formatRange(metric: string, [lo, hi]: readonly [number, number]): string {
  const unit = unitOf(metric);
  if (unit === 'pct') return `${trimNumber(lo * 100, 1)}-${trimNumber(hi * 100, 1)}%`;
  if (unit === 'days') return `${trimNumber(lo, 0)}-${trimNumber(hi, 0)} days`;
  if (unit === 'months') return `${trimNumber(lo, 1)}-${trimNumber(hi, 1)} months`;
  if (unit === 'times') return `${trimNumber(lo, 2)}-${trimNumber(hi, 2)}x`;
  if (unit === 'usd') return `${formatUsd(lo)}-${formatUsd(hi)}`;
  return `${trimNumber(lo, 3)}-${trimNumber(hi, 3)}`;
}

/** The name of a per-segment check (deal_model.yml targets.*_by_segment): Median sales cycle, SMB. */
function segmentCheckName(metric: string): string | undefined {
  const cycle = /^median_cycle_days_(.+)$/.exec(metric);
  if (cycle) return `Median sales cycle, ${segmentLabel(cycle[1])}`;
  const annual = /^annual_share_(.+)$/.exec(metric);
  if (annual) return `${segmentLabel(annual[1]).replace(/^./, (c) => c.toUpperCase())} contracts billed annually`;
  const grr = /^grr_(.+)$/.exec(metric);
  if (grr) return `GRR, ${segmentLabel(grr[1])} (trailing 12 months)`;
  return undefined;
}

export function displayCheck(c: RecordedCheck): CalibrationCheck {
  return {
    name: NAMES[c.metric] ?? segmentCheckName(c.metric) ?? humanize(c.metric),
    value: c.value === null ? 'n/a' : formatMetric(c.metric, c.value),
    target: formatRange(c.metric, c.range),
    interval: c.interval ? formatRange(c.metric, c.interval) : '',
    n: c.n,
    status: c.status,
  };
}
