/**
 * The enrichment quality measure (`npm run eval`): joins a labelled sample to an enriched companies.csv and
 * scores each label (precision, recall, F1; accuracy and per-kind figures for the company kind). Pure: the
 * script (src/scripts/eval-enrichment.ts) reads the files and prints.
 *
 * Rules: a label joins its company on the registrable domain, else on the folded name (the enrichment's own
 * normalisation); yes and likely are positives, no is a negative, unknown and unsure (and empty) are left out of
 * that label's measure; icp_fit is judged only on companies in the US or of unknown country whose size band is
 * not "1"; a figure resting on fewer than MIN_POSITIVES positives is n/a.
 */
import {plural} from './format.js';
import {
  BINARY_LABELS,
  binaryVerdict,
  COMPANY_KINDS,
  joinLabels,
  KIND_COLUMN,
  kindLabel,
  STATED_LABELS,
  type BinaryLabel,
  type Joined,
  type LabelRow,
  type OutputRow,
  type StatedLabel,
} from './quality-labels.js';

// The labels' names, values and join are in quality-labels.ts; the eval script and tests import them from here too.
export * from './quality-labels.js';

/** A figure resting on fewer labelled positives than this is n/a. */
export const MIN_POSITIVES = 5;

/** The targets the figures are checked against. */
export const TARGETS = {icpF1: 0.85, techPrecision: 0.9, techRecall: 0.7, statedRecall: 0.9} as const;

/** Output columns shown next to a mistake, so that a developer can see why (those present and not empty). */
const REASON_COLUMNS: Record<BinaryLabel | 'kind', readonly string[]> = {
  icp_fit: ['icp_reason'],
  kind: ['company_kind_reason'],
  is_competitor: ['company_kind_reason'],
  uses_x12: ['techstack_basis', 'techstack_evidence'],
  uses_clearinghouse: ['techstack_basis', 'clearinghouses', 'techstack_evidence'],
  uses_fhir: ['techstack_basis', 'techstack_evidence'],
  uses_hl7: ['techstack_basis', 'techstack_evidence'],
};

/** A figure, or why there is none. */
export type Figure = {value: number} | {na: string};

export function formatFigure(f: Figure): string {
  return 'value' in f ? f.value.toFixed(3) : `n/a (${f.na})`;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/**
 * Precision, recall and F1 of the counts. All three are n/a with fewer than MIN_POSITIVES labelled positives
 * (tp + fn); precision is n/a when nothing is flagged (F1 = 2tp / (2tp + fp + fn) is then 0).
 */
export function figures(c: Counts): {precision: Figure; recall: Figure; f1: Figure} {
  const positives = c.tp + c.fn;
  if (positives < MIN_POSITIVES) {
    const na = {na: plural(positives, 'positive')};
    return {precision: na, recall: na, f1: na};
  }
  const recall = c.tp / positives;
  const f1 = {value: (2 * c.tp) / (2 * c.tp + c.fp + c.fn)};
  if (c.tp + c.fp === 0) return {precision: {na: 'none flagged'}, recall: {value: recall}, f1};
  return {precision: {value: c.tp / (c.tp + c.fp)}, recall: {value: recall}, f1};
}

/** Recall alone: n/a with fewer than MIN_POSITIVES positives. */
function recallFigure(found: number, positives: number): Figure {
  return positives < MIN_POSITIVES ? {na: plural(positives, 'positive')} : {value: found / positives};
}

export interface Mistake {
  name: string;
  domain: string;
  /** The label as written. */
  label: string;
  /** The output value. */
  output: string;
  /** Why the output says so (the reason columns present and not empty), or ''. */
  reason: string;
}

export interface MissingColumn {
  missing: string;
}

export interface BinaryResult extends Counts {
  column: string;
  /** Labels scored (positive or negative, in scope). */
  scored: number;
  positives: number;
  negatives: number;
  /** unknown / unsure / empty labels, left out. */
  ignored: number;
  /** icp_fit only: labelled companies outside the scope (country not US nor unknown, or size band 1). */
  outOfScope: number;
  precision: Figure;
  recall: Figure;
  f1: Figure;
  mistakes: Mistake[];
}

export interface StatedResult {
  /** Labels that say "yes". */
  positives: number;
  found: number;
  recall: Figure;
  /** The "yes" labels the output missed. */
  mistakes: Mistake[];
}

export interface KindFigures {
  kind: string;
  /** Labelled with this kind. */
  positives: number;
  /** Output with this kind (among the scored). */
  flagged: number;
  tp: number;
  precision: Figure;
  recall: Figure;
  f1: Figure;
}

export interface KindResult {
  column: string;
  scored: number;
  ignored: number;
  correct: number;
  accuracy: Figure;
  perKind: KindFigures[];
  /** Label kind -> output kind, most frequent first. */
  confusions: Array<{label: string; output: string; count: number}>;
  mistakes: Mistake[];
}

export interface CompetitorResult {
  /** Companies labelled is_competitor yes. */
  labelled: number;
  /** Of those, flagged is_competitor true in the output (null: the column is missing). */
  labelledFlagged: number | null;
  /** Competitors (labelled, or flagged in the output) flagged uses_clearinghouse true (null: column missing). */
  asClearinghouseUsers: Array<{name: string; domain: string}> | null;
}

export type TargetStatus = 'pass' | 'fail' | 'n/a' | 'column missing';

export interface TargetCheck {
  target: string;
  /** The figure checked, as printed. */
  actual: string;
  status: TargetStatus;
}

export interface QualityReport {
  labels: number;
  outputs: number;
  joined: number;
  joinedByDomain: number;
  joinedByName: number;
  unjoined: Array<{row: number; name: string; domain: string; reason: string}>;
  binary: Record<BinaryLabel, BinaryResult | MissingColumn>;
  stated: Record<StatedLabel, StatedResult | MissingColumn>;
  kind: KindResult | MissingColumn;
  competitors: CompetitorResult;
  targets: TargetCheck[];
}

function inIcpScope(o: OutputRow): boolean {
  const country = (o.country ?? '').trim().toUpperCase();
  return (country === '' || country === 'US') && (o.size_band ?? '').trim() !== '1';
}

const isTrue = (v: string | undefined) => (v ?? '').trim().toLowerCase() === 'true';

function reasonOf(o: OutputRow, label: BinaryLabel | 'kind'): string {
  return REASON_COLUMNS[label]
    .map((c) => (o[c] ?? '').trim())
    .filter((v) => v !== '')
    .join(' | ');
}

function mistake(j: Joined, o: OutputRow, label: BinaryLabel | 'kind', output: string): Mistake {
  return {name: o.name ?? j.label.name, domain: o.domain ?? '', label: j.label.values[label] ?? '', output, reason: reasonOf(o, label)};
}

function scoreBinary(label: BinaryLabel, joined: readonly Joined[], outputs: readonly OutputRow[]): BinaryResult {
  const r: BinaryResult = {
    column: label,
    scored: 0,
    positives: 0,
    negatives: 0,
    ignored: 0,
    outOfScope: 0,
    tp: 0,
    fp: 0,
    fn: 0,
    tn: 0,
    precision: {na: ''},
    recall: {na: ''},
    f1: {na: ''},
    mistakes: [],
  };
  for (const j of joined) {
    const o = outputs[j.output];
    const verdict = binaryVerdict(j.label.values[label] ?? '');
    if (verdict === 'ignored' || verdict === undefined) {
      r.ignored++;
      continue;
    }
    if (label === 'icp_fit' && !inIcpScope(o)) {
      r.outOfScope++;
      continue;
    }
    r.scored++;
    const truth = verdict === 'positive';
    const flagged = isTrue(o[label]);
    if (truth) r.positives++;
    else r.negatives++;
    if (truth && flagged) r.tp++;
    else if (truth) r.fn++;
    else if (flagged) r.fp++;
    else r.tn++;
    if (truth !== flagged) r.mistakes.push(mistake(j, o, label, o[label] ?? ''));
  }
  return {...r, ...figures(r)};
}

function scoreStated(label: StatedLabel, joined: readonly Joined[], outputs: readonly OutputRow[]): StatedResult {
  let positives = 0;
  let found = 0;
  const mistakes: Mistake[] = [];
  for (const j of joined) {
    if ((j.label.values[label] ?? '').trim().toLowerCase() !== 'yes') continue;
    positives++;
    const o = outputs[j.output];
    if (isTrue(o[label])) found++;
    else mistakes.push(mistake(j, o, label, o[label] ?? ''));
  }
  return {positives, found, recall: recallFigure(found, positives), mistakes};
}

function scoreKind(joined: readonly Joined[], outputs: readonly OutputRow[]): KindResult {
  let scored = 0;
  let ignored = 0;
  let correct = 0;
  const labelled = new Map<string, number>();
  const flagged = new Map<string, number>();
  const hits = new Map<string, number>();
  const confusions = new Map<string, {label: string; output: string; count: number}>();
  const mistakes: Mistake[] = [];
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const j of joined) {
    const truth = kindLabel(j.label.values.kind ?? '');
    if (truth === null || truth === undefined) {
      ignored++;
      continue;
    }
    const o = outputs[j.output];
    const out = (o[KIND_COLUMN] ?? '').trim().toLowerCase();
    scored++;
    bump(labelled, truth);
    bump(flagged, out);
    if (out === truth) {
      correct++;
      bump(hits, truth);
      continue;
    }
    const key = `${truth}\u0000${out}`;
    const c = confusions.get(key) ?? {label: truth, output: out, count: 0};
    c.count++;
    confusions.set(key, c);
    mistakes.push(mistake(j, o, 'kind', o[KIND_COLUMN] ?? ''));
  }
  const kinds = [
    ...COMPANY_KINDS.filter((k) => labelled.has(k) || flagged.has(k)),
    ...[...flagged.keys()].filter((k) => !(COMPANY_KINDS as readonly string[]).includes(k)).sort(),
  ];
  const perKind = kinds.map((kind): KindFigures => {
    const positives = labelled.get(kind) ?? 0;
    const f = flagged.get(kind) ?? 0;
    const tp = hits.get(kind) ?? 0;
    return {kind, positives, flagged: f, tp, ...figures({tp, fp: f - tp, fn: positives - tp, tn: scored - positives - f + tp})};
  });
  return {
    column: KIND_COLUMN,
    scored,
    ignored,
    correct,
    accuracy: scored < MIN_POSITIVES ? {na: plural(scored, 'label')} : {value: correct / scored},
    perKind,
    confusions: [...confusions.values()].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label) || a.output.localeCompare(b.output)),
    mistakes,
  };
}

function scoreCompetitors(joined: readonly Joined[], outputs: readonly OutputRow[], has: (c: string) => boolean): CompetitorResult {
  const labelledAt = new Set<number>();
  for (const j of joined) if (binaryVerdict(j.label.values.is_competitor ?? '') === 'positive') labelledAt.add(j.output);
  const flagColumn = has('is_competitor');
  const labelledFlagged = flagColumn ? [...labelledAt].filter((i) => isTrue(outputs[i].is_competitor)).length : null;
  const asClearinghouseUsers = has('uses_clearinghouse')
    ? outputs
        .filter((o, i) => (labelledAt.has(i) || (flagColumn && isTrue(o.is_competitor))) && isTrue(o.uses_clearinghouse))
        .map((o) => ({name: o.name ?? '', domain: o.domain ?? ''}))
    : null;
  return {labelled: labelledAt.size, labelledFlagged, asClearinghouseUsers};
}

function check(target: string, figure: Figure, min: number): TargetCheck {
  if ('na' in figure) return {target, actual: formatFigure(figure), status: 'n/a'};
  return {target, actual: formatFigure(figure), status: figure.value >= min ? 'pass' : 'fail'};
}

const missingCheck = (target: string, column: string): TargetCheck => ({target, actual: `column ${column} missing`, status: 'column missing'});

function targetChecks(r: Omit<QualityReport, 'targets'>): TargetCheck[] {
  const out: TargetCheck[] = [];
  const icp = r.binary.icp_fit;
  out.push('missing' in icp ? missingCheck('icp_fit F1 >= 0.85', icp.missing) : check(`icp_fit F1 >= ${TARGETS.icpF1}`, icp.f1, TARGETS.icpF1));
  for (const label of ['uses_x12', 'uses_clearinghouse'] as const) {
    const b = r.binary[label];
    if ('missing' in b) {
      out.push(
        missingCheck(`${label} precision >= ${TARGETS.techPrecision}`, b.missing),
        missingCheck(`${label} recall >= ${TARGETS.techRecall}`, b.missing),
      );
    } else {
      out.push(
        check(`${label} precision >= ${TARGETS.techPrecision}`, b.precision, TARGETS.techPrecision),
        check(`${label} recall >= ${TARGETS.techRecall}`, b.recall, TARGETS.techRecall),
      );
    }
  }
  for (const label of STATED_LABELS) {
    const s = r.stated[label];
    const target = `${label} recall of "yes" >= ${TARGETS.statedRecall}`;
    out.push('missing' in s ? missingCheck(target, s.missing) : check(target, s.recall, TARGETS.statedRecall));
  }
  const c = r.competitors;
  const every = 'every labelled competitor flagged is_competitor';
  if (c.labelledFlagged === null) out.push(missingCheck(every, 'is_competitor'));
  else if (c.labelled === 0) out.push({target: every, actual: 'no labelled competitor', status: 'n/a'});
  else out.push({target: every, actual: `${c.labelledFlagged} of ${c.labelled} flagged`, status: c.labelledFlagged === c.labelled ? 'pass' : 'fail'});
  const none = 'no competitor flagged uses_clearinghouse';
  if (c.asClearinghouseUsers === null) out.push(missingCheck(none, 'uses_clearinghouse'));
  else out.push({target: none, actual: `${c.asClearinghouseUsers.length} flagged`, status: c.asClearinghouseUsers.length === 0 ? 'pass' : 'fail'});
  return out;
}

/**
 * Scores the labels against the enriched companies. `columns` are the columns of companies.csv: a label whose
 * output column is missing is reported as such (the others are scored as usual).
 */
export function evaluate(labels: readonly LabelRow[], outputs: readonly OutputRow[], columns: readonly string[]): QualityReport {
  const has = (c: string) => columns.includes(c);
  const {joined, unjoined} = joinLabels(labels, outputs);
  const binary = Object.fromEntries(BINARY_LABELS.map((b) => [b, has(b) ? scoreBinary(b, joined, outputs) : {missing: b}])) as Record<
    BinaryLabel,
    BinaryResult | MissingColumn
  >;
  const stated = Object.fromEntries(STATED_LABELS.map((b) => [b, has(b) ? scoreStated(b, joined, outputs) : {missing: b}])) as Record<
    StatedLabel,
    StatedResult | MissingColumn
  >;
  const base: Omit<QualityReport, 'targets'> = {
    labels: labels.length,
    outputs: outputs.length,
    joined: joined.length,
    joinedByDomain: joined.filter((j) => j.by === 'domain').length,
    joinedByName: joined.filter((j) => j.by === 'name').length,
    unjoined: unjoined.map((u) => ({row: u.label.row, name: u.label.name, domain: u.label.domain, reason: u.reason})),
    binary,
    stated,
    kind: has(KIND_COLUMN) ? scoreKind(joined, outputs) : {missing: KIND_COLUMN},
    competitors: scoreCompetitors(joined, outputs, has),
  };
  return {...base, targets: targetChecks(base)};
}
