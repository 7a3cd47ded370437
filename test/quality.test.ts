import fc from 'fast-check';
import {
  BINARY_LABELS,
  binaryVerdict,
  evaluate,
  figures,
  joinLabels,
  labelProblems,
  MIN_POSITIVES,
  type BinaryResult,
  type KindResult,
  type LabelRow,
  type OutputRow,
} from '../src/core/quality.js';

/** All the columns today's companies.csv has that the measure reads, plus the lead's new ones. */
const TODAY = [
  'company_id',
  'name',
  'domain',
  'country',
  'size_band',
  'icp_fit',
  'icp_reason',
  'uses_x12',
  'uses_clearinghouse',
  'uses_fhir',
  'uses_hl7',
  'techstack_evidence',
];
const AFTER = [...TODAY, 'company_kind', 'company_kind_reason', 'is_competitor'];

function label(row: number, name: string, domain: string, values: Record<string, string> = {}): LabelRow {
  const all: Record<string, string> = {kind: 'unknown', name, domain};
  for (const b of BINARY_LABELS) all[b] = 'unknown';
  return {row, name, domain, values: {...all, ...values}};
}

function company(name: string, domain: string, values: Record<string, string> = {}): OutputRow {
  const all: Record<string, string> = {name, domain, country: 'US', size_band: '11-50'};
  for (const b of BINARY_LABELS) all[b] = 'false';
  return {...all, ...values};
}

const binary = (r: ReturnType<typeof evaluate>, b: (typeof BINARY_LABELS)[number]) => r.binary[b] as BinaryResult;
const value = (f: {value: number} | {na: string}) => ('value' in f ? f.value : f.na);

/** A labelled company: its label value and the output flag. */
const arbPair = fc.record({label: fc.constantFrom('yes', 'likely', 'no', 'unknown', 'unsure', ''), flagged: fc.boolean()});

/** One company per pair (domain d<i>.com), labelled for `field`. */
function dataset(pairs: ReadonlyArray<{label: string; flagged: boolean}>, field: (typeof BINARY_LABELS)[number]) {
  const labels = pairs.map((p, i) => label(i + 2, `Company ${i}`, `d${i}.com`, {[field]: p.label}));
  const outputs = pairs.map((p, i) => company(`Company ${i}`, `d${i}.com`, {[field]: String(p.flagged)}));
  return {labels, outputs};
}

describe('binary labels: precision, recall, F1', () => {
  it('match a brute-force count over the scored companies', () => {
    fc.assert(
      fc.property(fc.array(arbPair, {maxLength: 60}), fc.constantFrom(...BINARY_LABELS.filter((b) => b !== 'icp_fit')), (pairs, field) => {
        const {labels, outputs} = dataset(pairs, field);
        const r = binary(evaluate(labels, outputs, AFTER), field);
        const scored = pairs.filter((p) => ['yes', 'likely', 'no'].includes(p.label));
        const pos = (p: {label: string}) => p.label !== 'no';
        const tp = scored.filter((p) => pos(p) && p.flagged).length;
        const fp = scored.filter((p) => !pos(p) && p.flagged).length;
        const fn = scored.filter((p) => pos(p) && !p.flagged).length;
        expect([r.tp, r.fp, r.fn, r.tn]).toEqual([tp, fp, fn, scored.length - tp - fp - fn]);
        expect(r.scored).toBe(scored.length);
        expect(r.ignored).toBe(pairs.length - scored.length);
        expect(r.mistakes).toHaveLength(fp + fn);
        if (tp + fn < MIN_POSITIVES) {
          expect('na' in r.precision && 'na' in r.recall && 'na' in r.f1).toBe(true);
          return;
        }
        expect(value(r.recall)).toBeCloseTo(tp / (tp + fn), 12);
        if (tp + fp === 0) expect(r.precision).toEqual({na: 'none flagged'});
        else {
          const p = tp / (tp + fp);
          const rec = tp / (tp + fn);
          expect(value(r.precision)).toBeCloseTo(p, 12);
          expect(value(r.f1)).toBeCloseTo(p + rec === 0 ? 0 : (2 * p * rec) / (p + rec), 12);
        }
      }),
    );
  });

  it('unknown and unsure labels never change a figure, whatever the output says', () => {
    fc.assert(
      fc.property(
        fc.array(arbPair, {maxLength: 40}),
        fc.array(fc.record({label: fc.constantFrom('unknown', 'unsure', 'Unsure', ''), flagged: fc.boolean()}), {minLength: 1, maxLength: 20}),
        fc.constantFrom(...BINARY_LABELS),
        (pairs, extra, field) => {
          const strip = (r: BinaryResult) => ({...r, ignored: 0, mistakes: r.mistakes.length});
          const before = binary(evaluate(...withColumns(dataset(pairs, field))), field);
          const after = binary(evaluate(...withColumns(dataset([...pairs, ...extra], field))), field);
          expect(strip(after)).toEqual(strip(before));
          expect(after.ignored).toBe(before.ignored + extra.length);
        },
      ),
    );
  });

  const withColumns = (d: {labels: LabelRow[]; outputs: OutputRow[]}) => [d.labels, d.outputs, AFTER] as const;

  it('a figure with 4 positives is n/a with its count; with 5 it is a number', () => {
    const four = dataset([...Array(4).fill({label: 'yes', flagged: true}), {label: 'no', flagged: false}], 'uses_x12');
    const r4 = binary(evaluate(four.labels, four.outputs, AFTER), 'uses_x12');
    expect([r4.precision, r4.recall, r4.f1]).toEqual([{na: '4 positives'}, {na: '4 positives'}, {na: '4 positives'}]);
    const five = dataset([...Array(5).fill({label: 'likely', flagged: true}), {label: 'no', flagged: true}], 'uses_x12');
    const r5 = binary(evaluate(five.labels, five.outputs, AFTER), 'uses_x12');
    expect([r5.precision, r5.recall]).toEqual([{value: 5 / 6}, {value: 1}]);
    expect(figures({tp: 1, fp: 0, fn: 0, tn: 9}).recall).toEqual({na: '1 positive'});
  });

  it('nothing flagged: precision is n/a, recall and F1 are 0', () => {
    expect(figures({tp: 0, fp: 0, fn: 6, tn: 3})).toEqual({precision: {na: 'none flagged'}, recall: {value: 0}, f1: {value: 0}});
  });

  it('reads yes and likely as positive, no as negative, unknown/unsure/empty as left out, anything else as invalid', () => {
    expect(['yes', 'Likely', ' no ', 'unknown', 'UNSURE', ''].map(binaryVerdict)).toEqual([
      'positive',
      'positive',
      'negative',
      'ignored',
      'ignored',
      'ignored',
    ]);
    expect(binaryVerdict('maybe')).toBeUndefined();
    const bad = [
      label(2, 'A', 'a.com', {uses_x12: 'maybe'}),
      label(3, 'B', 'b.com', {kind: 'hospital'}),
      label(4, 'C', 'c.com', {kind: 'payer', icp_fit: 'no'}),
    ];
    expect(labelProblems(bad)).toEqual([
      {row: 2, field: 'uses_x12', value: 'maybe'},
      {row: 3, field: 'kind', value: 'hospital'},
    ]);
  });
});

describe('icp_fit scope', () => {
  it('judges only companies in the US or of unknown country whose size band is not 1', () => {
    const scopes: Array<Record<string, string>> = [{}, {country: ''}, {size_band: 'unknown'}, {country: 'CA'}, {size_band: '1'}];
    const companies = scopes.map((values) => company('A', 'a.com', values));
    const inScope = companies.map((c) => binary(evaluate([label(2, 'A', 'a.com', {icp_fit: 'yes'})], [c], TODAY), 'icp_fit').outOfScope === 0);
    expect(inScope).toEqual([true, true, true, false, false]);
  });

  it('leaves the companies out of scope out of icp_fit only', () => {
    const labels = [
      label(2, 'In', 'in.com', {icp_fit: 'yes', uses_x12: 'yes'}),
      label(3, 'Canada', 'ca.com', {icp_fit: 'yes', uses_x12: 'yes'}),
      label(4, 'Solo', 'solo.com', {icp_fit: 'no', uses_x12: 'yes'}),
    ];
    const outputs = [
      company('In', 'in.com', {icp_fit: 'true'}),
      company('Canada', 'ca.com', {country: 'CA'}),
      company('Solo', 'solo.com', {size_band: '1', icp_fit: 'true'}),
    ];
    const r = evaluate(labels, outputs, AFTER);
    expect(binary(r, 'icp_fit')).toMatchObject({scored: 1, outOfScope: 2, tp: 1, fp: 0, fn: 0, mistakes: []});
    expect(binary(r, 'uses_x12')).toMatchObject({scored: 3, outOfScope: 0, fn: 3});
  });
});

describe('joining labels to companies', () => {
  it('joins on the registrable domain before the name', () => {
    const outputs = [company('Acme', 'other.com', {uses_hl7: 'true'}), company('Acme Corp', 'acme.com')];
    const {joined, unjoined} = joinLabels([label(2, 'Acme', 'https://www.Acme.com/about', {})], outputs);
    expect(unjoined).toEqual([]);
    expect(joined.map((j) => [j.output, j.by])).toEqual([[1, 'domain']]);
  });

  it('domain joins win even over an earlier label joined by name', () => {
    const outputs = [company('Acme', 'acme.com')];
    const labels = [label(2, 'Acme', ''), label(3, 'Acme Holdings', 'acme.com')];
    const {joined, unjoined} = joinLabels(labels, outputs);
    expect(joined.map((j) => [j.label.row, j.by])).toEqual([[3, 'domain']]);
    expect(unjoined.map((u) => [u.label.row, u.reason])).toEqual([[2, 'same company as label row 3 (Acme)']]);
  });

  it('falls back to the folded name, and lists what does not join', () => {
    const outputs = [company('Café Grande, LLC', ''), company('Twin', 't1.com'), company('Twin', 't2.com'), company('Moved', 'new.com')];
    const labels = [
      label(2, 'cafe grande llc', ''),
      label(3, 'Nobody', 'nobody.com'),
      label(4, 'Twin', '', {icp_fit: 'yes'}),
      label(5, 'Twin', '', {icp_fit: 'no'}),
      label(6, 'Moved', 'old.com'),
    ];
    const {joined, unjoined} = joinLabels(labels, outputs);
    expect(joined.map((j) => [j.label.row, j.output, j.by])).toEqual([
      [2, 0, 'name'],
      [6, 3, 'name'],
    ]);
    expect(unjoined.map((u) => [u.label.row, u.reason])).toEqual([
      [3, 'no company has domain nobody.com or this name'],
      [4, 'the name matches 2 companies'],
      [5, 'the name matches 2 companies'],
    ]);
  });

  it('joins a shared name when as many labels say the same for it', () => {
    const outputs = [company('Twin', ''), company('Twin', '')];
    const labels = [label(2, 'Twin', '', {kind: 'payer'}), label(3, 'TWIN', '', {kind: 'payer'})];
    expect(joinLabels(labels, outputs).joined.map((j) => [j.label.row, j.output])).toEqual([
      [2, 0],
      [3, 1],
    ]);
  });

  it('joins every label whose company exists, under any order of the companies', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({min: 0, max: 500}), {maxLength: 30}), fc.boolean(), (ids, shuffle) => {
        const outputs = ids.map((i) => company(`Firm ${i}`, i % 3 === 0 ? '' : `firm${i}.com`));
        const labels = ids.map((i, n) => label(n + 2, `FIRM  ${i}`, i % 3 === 0 ? '' : `www.firm${i}.com`));
        const {joined, unjoined} = joinLabels(labels, shuffle ? [...outputs].reverse() : outputs);
        expect(unjoined).toEqual([]);
        for (const j of joined) expect((shuffle ? [...outputs].reverse() : outputs)[j.output].name).toBe(`Firm ${ids[j.label.row - 2]}`);
      }),
    );
  });
});

describe('columns the output lacks', () => {
  it('are reported as missing, and the rest is scored', () => {
    const labels = [label(2, 'A', 'a.com', {kind: 'edi_vendor', is_competitor: 'yes', uses_clearinghouse: 'no'})];
    const outputs = [company('A', 'a.com', {uses_clearinghouse: 'true'})];
    const r = evaluate(labels, outputs, TODAY);
    expect(r.binary.is_competitor).toEqual({missing: 'is_competitor'});
    expect(r.kind).toEqual({missing: 'company_kind'});
    expect(binary(r, 'uses_clearinghouse').fp).toBe(1);
    // The labelled competitor still counts as a clearinghouse user; whether it is flagged cannot be told.
    expect(r.competitors).toEqual({labelled: 1, labelledFlagged: null, asClearinghouseUsers: [{name: 'A', domain: 'a.com'}]});
    const statuses = Object.fromEntries(r.targets.map((t) => [t.target, t.status]));
    expect(statuses['every labelled competitor flagged is_competitor']).toBe('column missing');
    expect(statuses['no competitor flagged uses_clearinghouse']).toBe('fail');
  });
});

describe('competitors', () => {
  it('counts the labelled ones flagged, and competitors (labelled or flagged) flagged as clearinghouse users', () => {
    const labels = [
      label(2, 'Hub', 'hub.com', {is_competitor: 'yes'}),
      label(3, 'Net', 'net.com', {is_competitor: 'yes'}),
      label(4, 'Billing', 'billing.com', {is_competitor: 'no'}),
    ];
    const outputs = [
      company('Hub', 'hub.com', {is_competitor: 'true', uses_clearinghouse: 'true'}),
      company('Net', 'net.com', {is_competitor: 'false'}),
      company('Billing', 'billing.com', {is_competitor: 'true', uses_clearinghouse: 'true'}),
      company('Unlabelled', 'x.com', {is_competitor: 'false', uses_clearinghouse: 'true'}),
    ];
    const r = evaluate(labels, outputs, AFTER);
    expect(r.competitors).toEqual({
      labelled: 2,
      labelledFlagged: 1,
      asClearinghouseUsers: [
        {name: 'Hub', domain: 'hub.com'},
        {name: 'Billing', domain: 'billing.com'},
      ],
    });
    const targets = Object.fromEntries(r.targets.map((t) => [t.target, [t.actual, t.status]]));
    expect(targets['every labelled competitor flagged is_competitor']).toEqual(['1 of 2 flagged', 'fail']);
    expect(targets['no competitor flagged uses_clearinghouse']).toEqual(['2 flagged', 'fail']);
  });
});

describe('company kind', () => {
  it('scores accuracy, per-kind figures and the most frequent confusions, with the reason of each mistake', () => {
    const spec: Array<[string, string]> = [
      ...Array<[string, string]>(5).fill(['provider', 'provider']),
      ...Array<[string, string]>(3).fill(['rcm_billing', 'health_it']),
      ['rcm_billing', 'rcm_billing'],
      ['payer', 'provider'],
      ['unsure', 'payer'],
    ];
    const labels = spec.map(([k], i) => label(i + 2, `C${i}`, `c${i}.com`, {kind: k}));
    const outputs = spec.map(([, o], i) => company(`C${i}`, `c${i}.com`, {company_kind: o, company_kind_reason: `why ${i}`}));
    const k = evaluate(labels, outputs, AFTER).kind as KindResult;
    expect([k.scored, k.ignored, k.correct]).toEqual([10, 1, 6]);
    expect(k.accuracy).toEqual({value: 0.6});
    const provider = k.perKind.find((f) => f.kind === 'provider')!;
    expect(provider).toMatchObject({positives: 5, flagged: 6, tp: 5, precision: {value: 5 / 6}, recall: {value: 1}});
    expect(k.perKind.find((f) => f.kind === 'rcm_billing')!.recall).toEqual({na: '4 positives'});
    expect(k.confusions).toEqual([
      {label: 'rcm_billing', output: 'health_it', count: 3},
      {label: 'payer', output: 'provider', count: 1},
    ]);
    expect(k.mistakes[0]).toEqual({name: 'C5', domain: 'c5.com', label: 'rcm_billing', output: 'health_it', reason: 'why 5'});
  });
});

describe('targets', () => {
  it('pass at the threshold and fail below it', () => {
    // icp_fit: 17 tp, 3 fp, 3 fn: F1 = 34 / 40 = 0.85.
    const pairs = [
      ...Array(17).fill({label: 'yes', flagged: true}),
      ...Array(3).fill({label: 'no', flagged: true}),
      ...Array(3).fill({label: 'yes', flagged: false}),
    ];
    const {labels, outputs} = dataset(pairs, 'icp_fit');
    const at = evaluate(labels, outputs, AFTER).targets.find((t) => t.target.startsWith('icp_fit'))!;
    expect(at).toEqual({target: 'icp_fit F1 >= 0.85', actual: '0.850', status: 'pass'});
    const worse = dataset([...pairs, {label: 'yes', flagged: false}], 'icp_fit');
    expect(evaluate(worse.labels, worse.outputs, AFTER).targets.find((t) => t.target.startsWith('icp_fit'))!.status).toBe('fail');
  });

  it('the recall of stated mentions counts only "yes"', () => {
    const pairs = [...Array(5).fill({label: 'yes', flagged: true}), ...Array(9).fill({label: 'likely', flagged: false})];
    const {labels, outputs} = dataset(pairs, 'uses_hl7');
    const r = evaluate(labels, outputs, AFTER);
    expect(r.stated.uses_hl7).toMatchObject({positives: 5, found: 5, recall: {value: 1}});
    expect(binary(r, 'uses_hl7').recall).toEqual({value: 5 / 14});
    expect(r.targets.find((t) => t.target.startsWith('uses_hl7 recall of'))!.status).toBe('pass');
  });
});
