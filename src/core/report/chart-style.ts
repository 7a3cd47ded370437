/**
 * The look shared by the report's charts (specs.ts): fonts, colours, widths, the Vega-Lite config, labels for
 * keys, and the pieces every chart spec is built from. Pure.
 */
import type {TopLevelSpec} from 'vega-lite';
import {textWidth} from './text-width.js';

export interface ChartDef {
  /** Stable id, used for the HTML element (`chart-<id>`) and in tests. */
  id: string;
  title: string;
  /** Spans the full page width. */
  wide: boolean;
  /** A sentence under the chart: what is counted and how. */
  note: string;
  /** Rows behind the chart: with none, the chart is a panel that says `nothing` (never an empty axis). */
  rows: number;
  /** What there is none of when rows is 0 ("No deals", "No contracts", ...). */
  nothing?: string;
  spec: TopLevelSpec;
}

/** The font the charts are laid out for (see text-width.ts) and drawn with. */
export const CHART_FONT = 'Helvetica, Arial, "Liberation Sans", sans-serif';

export const COLORS = {
  primary: '#3b6ea8',
  won: '#3a8d5c',
  lost: '#c8553d',
  open: '#9aa5b1',
  created: '#3b6ea8',
  accent: '#e0a030',
};

/** Total widths in px (axes, legends and labels included) that fit the page's half and full columns at 1366 px. */
export const WIDTH = 540;
export const WIDE = 1120;

const CONFIG = {
  font: CHART_FONT,
  background: 'white',
  padding: 8,
  view: {stroke: null},
  title: {anchor: 'start', fontSize: 14, fontWeight: 'bold', subtitleFontSize: 11, subtitleColor: '#555', offset: 10},
  axis: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    titleColor: '#333',
    labelColor: '#333',
    gridColor: '#e6e6e6',
    domainColor: '#888',
    tickColor: '#888',
  },
  legend: {labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', orient: 'bottom', direction: 'horizontal'},
  text: {fontSize: 11, color: '#333'},
  bar: {discreteBandSize: {band: 0.8}},
} as const;

const ACRONYMS: Record<string, string> = {
  icp: 'ICP',
  smb: 'SMB',
  arr: 'ARR',
  mrr: 'MRR',
  nrr: 'NRR',
  grr: 'GRR',
  acv: 'ACV',
  hipaa: 'HIPAA',
  baa: 'BAA',
  api: 'API',
  fhir: 'FHIR',
  hl7: 'HL7',
  x12: 'X12',
};

const LABELS: Record<string, string> = {
  smb: 'SMB',
  mid_market: 'Mid-market',
  not_icp: 'Not ICP',
  closed_won: 'Closed-won',
  security_compliance: 'Security / compliance',
  build_in_house: 'Build in-house',
};

/** tier_1 -> Tier 1, not_icp -> Not ICP, mid_market -> Mid-market, paid_search -> Paid search. */
export function humanize(key: string): string {
  if (key in LABELS) return LABELS[key];
  const words = key
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w);
  if (words.length === 0) return key;
  const first = words[0];
  words[0] = first === first.toLowerCase() ? first[0].toUpperCase() + first.slice(1) : first;
  return words.join(' ');
}

const INT = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});

/** A whole number with thousands separators: 250,065. */
export function int(value: number): string {
  return INT.format(value);
}

/** Money on an axis, written as everywhere else in the report: $0, $500, $350K, $1.5M, $2B (d3's SI prefixes say k and G). */
export const USD_AXIS = {labelExpr: "replace(replace(format(datum.value, '$~s'), 'k', 'K'), 'G', 'B')"};

/** Groups smaller than this are faded: their figure rests on too few observations to read much into it. */
export const DEFAULT_MIN_GROUP = 10;

/** Bars of small groups (the datum's `small`) drawn faded. */
export const FADE_SMALL = {opacity: {condition: {test: 'datum.small', value: 0.35}, value: 1}};

export function base(title: string, subtitle: string, width: number, height: number, values: object[]): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {text: title, subtitle},
    width,
    height,
    // The width is the whole chart's (axes and labels included), so that it fits its column unscaled.
    autosize: {type: 'fit-x', contains: 'padding'},
    data: {values},
    config: CONFIG as never,
  };
}

/**
 * Padding that leaves room right of the plot for the labels drawn after the bars (Vega's autosize does not
 * count text marks that overflow the plot, so they would be cut off at the edge of the SVG).
 */
export function roomForLabels(labels: readonly string[]): {padding: {left: number; top: number; bottom: number; right: number}} {
  let widest = 0;
  for (const l of labels) widest = Math.max(widest, textWidth(l, 11));
  return {padding: {left: 8, top: 8, bottom: 8, right: Math.ceil(widest) + 12}};
}

/** Height of a horizontal bar chart with n bars. */
export function barsHeight(n: number): number {
  return Math.max(60, 26 * n);
}

/** "Faded bars: fewer than 10 closed deals." */
export function fadedNote(minGroup: number, what: string): string {
  return `Faded bars: fewer than ${int(minGroup)} ${what}, too few to read much into.`;
}

/**
 * A chart with nothing to draw (a header-only export, a run without deals): its title and one line saying
 * what there is none of, instead of axes over an empty domain (which Vega labels $NaN).
 */
export function emptyPanel(d: ChartDef): ChartDef {
  const message = d.nothing ?? 'No data';
  const spec = {
    ...base(d.title, '', d.wide ? WIDE : WIDTH, 80, [{message}]),
    mark: {type: 'text', fontSize: 13, color: '#777'},
    encoding: {text: {field: 'message'}},
  } as TopLevelSpec;
  return {...d, note: `${message} in this dataset.`, spec};
}
