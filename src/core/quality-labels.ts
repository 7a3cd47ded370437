/**
 * The labels of the enrichment quality measure (see quality.ts): their names and values, their checks, and how
 * each joins its company of companies.csv (on the registrable domain, else on the folded name). Pure.
 */
import {nameKey, normalizeDomain} from './normalize.js';
import {COMPANY_KINDS} from './vocabulary.js';

/** The yes/likely/no labels, each scored against the output column of the same name (true/false). */
export const BINARY_LABELS = ['icp_fit', 'is_competitor', 'uses_x12', 'uses_clearinghouse', 'uses_fhir', 'uses_hl7'] as const;
export type BinaryLabel = (typeof BINARY_LABELS)[number];

/** Labels whose "yes" (the text states it) is also scored alone: the recall of stated mentions. */
export const STATED_LABELS = ['uses_x12', 'uses_fhir', 'uses_hl7'] as const;
export type StatedLabel = (typeof STATED_LABELS)[number];

/** The columns a labels file must have. */
export const LABEL_COLUMNS = ['name', 'domain', 'kind', ...BINARY_LABELS] as const;

/** The companies.csv columns the measure cannot do without (the join and the icp_fit scope). */
export const REQUIRED_OUTPUT_COLUMNS = ['name', 'domain', 'country', 'size_band'] as const;

/** The output column the `kind` label is scored against, and its values. */
export const KIND_COLUMN = 'company_kind';
// Its values: the vocabulary's company kinds (labels and the rules name the same kinds).
export {COMPANY_KINDS};

/** One row of a labels file. `row` is its row number as a spreadsheet shows it (the header is row 1). */
export interface LabelRow {
  row: number;
  name: string;
  domain: string;
  /** Label values by label name (kind and the binary labels), as written. */
  values: Readonly<Record<string, string>>;
}

/** One company of companies.csv, by column name. */
export type OutputRow = Readonly<Record<string, string>>;

export type Verdict = 'positive' | 'negative' | 'ignored';

/** yes and likely are positives, no is a negative; unknown, unsure and empty are ignored; anything else undefined. */
export function binaryVerdict(raw: string): Verdict | undefined {
  const v = raw.trim().toLowerCase();
  if (v === 'yes' || v === 'likely') return 'positive';
  if (v === 'no') return 'negative';
  if (v === 'unknown' || v === 'unsure' || v === '') return 'ignored';
  return undefined;
}

/** A kind label: one of COMPANY_KINDS but unknown; unknown, unsure and empty are ignored (null); anything else undefined. */
export function kindLabel(raw: string): string | null | undefined {
  const v = raw.trim().toLowerCase();
  if (v === 'unknown' || v === 'unsure' || v === '') return null;
  return (COMPANY_KINDS as readonly string[]).includes(v) ? v : undefined;
}

/** Label values that are none of the allowed ones: the labels file is bad input. */
export function labelProblems(labels: readonly LabelRow[]): Array<{row: number; field: string; value: string}> {
  const out: Array<{row: number; field: string; value: string}> = [];
  for (const l of labels) {
    if (kindLabel(l.values.kind ?? '') === undefined) out.push({row: l.row, field: 'kind', value: l.values.kind});
    for (const b of BINARY_LABELS) if (binaryVerdict(l.values[b] ?? '') === undefined) out.push({row: l.row, field: b, value: l.values[b]});
  }
  return out;
}

const sameLabels = (a: LabelRow, b: LabelRow) =>
  ['kind', ...BINARY_LABELS].every((c) => (a.values[c] ?? '').trim().toLowerCase() === (b.values[c] ?? '').trim().toLowerCase());

export interface Joined {
  label: LabelRow;
  /** Index of the company in the outputs. */
  output: number;
  by: 'domain' | 'name';
}

export interface Unjoined {
  label: LabelRow;
  reason: string;
}

/**
 * Joins each label to a company: on the registrable domain when the label has one that a company has, else on
 * the folded name. A name shared by several companies joins one of them when exactly one has no domain and neither
 * has the label, or all of them when as many labels have that name and say the same (pairing them in order cannot
 * change a figure); otherwise none. A company takes at most one label: domain joins are made first, then the
 * name joins, each in label order; a later label for a company already joined is unjoined.
 */
export function joinLabels(labels: readonly LabelRow[], outputs: readonly OutputRow[]): {joined: Joined[]; unjoined: Unjoined[]} {
  const byDomain = new Map<string, number>();
  const byName = new Map<string, number[]>();
  outputs.forEach((o, i) => {
    const d = normalizeDomain(o.domain ?? '').domain;
    if (d && !byDomain.has(d)) byDomain.set(d, i);
    const k = nameKey(o.name ?? '');
    if (k) {
      const list = byName.get(k);
      if (list) list.push(i);
      else byName.set(k, [i]);
    }
  });
  const taken = new Map<number, LabelRow>();
  const found = new Map<LabelRow, Joined | Unjoined>();
  const take = (label: LabelRow, output: number, by: Joined['by']) => {
    const first = taken.get(output);
    if (first) {
      found.set(label, {label, reason: `same company as label row ${first.row} (${outputs[output].name})`});
      return;
    }
    taken.set(output, label);
    found.set(label, {label, output, by});
  };
  for (const l of labels) {
    const d = normalizeDomain(l.domain).domain;
    const i = d ? byDomain.get(d) : undefined;
    if (i !== undefined) take(l, i, 'domain');
  }
  // Labels left for the name join, by folded name: a name shared by several companies joins them only when as
  // many labels have it and those labels are all the same (which label goes to which company cannot matter).
  const pendingByName = new Map<string, LabelRow[]>();
  for (const l of labels) {
    const k = nameKey(l.name);
    if (found.has(l) || !k) continue;
    const list = pendingByName.get(k);
    if (list) list.push(l);
    else pendingByName.set(k, [l]);
  }
  for (const l of labels) {
    if (found.has(l)) continue;
    const d = normalizeDomain(l.domain).domain;
    const k = nameKey(l.name);
    const all = (k && byName.get(k)) || [];
    let candidates = all.filter((i) => !taken.has(i));
    if (all.length > 0 && candidates.length === 0) {
      take(l, all[0], 'name'); // unjoined: the company is another label's
      continue;
    }
    if (candidates.length > 1 && !d) {
      const noDomain = candidates.filter((i) => !normalizeDomain(outputs[i].domain ?? '').domain);
      if (noDomain.length === 1) candidates = noDomain;
    }
    if (candidates.length === 1) {
      take(l, candidates[0], 'name');
      continue;
    }
    if (candidates.length > 1) {
      const group = pendingByName.get(k)!.filter((x) => !found.has(x));
      if (group.length === candidates.length && group.every((x) => sameLabels(x, l))) group.forEach((x, n) => take(x, candidates[n], 'name'));
      else found.set(l, {label: l, reason: `${d ? `no company has domain ${d}, and the` : 'the'} name matches ${candidates.length} companies`});
      continue;
    }
    found.set(l, {label: l, reason: d ? `no company has domain ${d} or this name` : 'no company has this name (and the label has no domain)'});
  }
  const joined: Joined[] = [];
  const unjoined: Unjoined[] = [];
  for (const l of labels) {
    const r = found.get(l)!;
    if ('output' in r) joined.push(r);
    else unjoined.push(r);
  }
  return {joined, unjoined};
}
