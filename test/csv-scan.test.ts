import {mkdtempSync, writeFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import {readCsv} from '../src/io/csv.js';
import {scanCsv, type Newline} from '../src/io/csv-scan.js';

const dir = mkdtempSync(join(tmpdir(), 'csv-scan-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));
let n = 0;

interface Seen {
  header: string[];
  blank: number;
  records: Array<{fields: string[]; line: number; row: number}>;
}

/** What readCsv (papaparse) yields: every record (blank ones as ['']), with its row and line numbers. */
async function viaPapaparse(file: string): Promise<Seen | 'malformed' | 'empty'> {
  const seen: Seen = {header: [], blank: 0, records: []};
  let malformed = false;
  try {
    const r = await readCsv(file, {
      onHeader: (h) => void (seen.header = h),
      onRecord: (rec) => void seen.records.push({fields: rec.fields, line: rec.line, row: rec.row}),
      onMalformed: () => void (malformed = true),
    });
    // readCsv hides blank records (and counts them); the scanner reports them.
    seen.blank = r.blank;
  } catch (e) {
    if (/empty/.test((e as Error).message)) return 'empty';
    throw e;
  }
  return malformed ? 'malformed' : seen;
}

async function viaScanner(file: string, newline: Newline, start: number, want: (h: string[]) => number[], chunkBytes?: number): Promise<Seen | 'irregular'> {
  const seen: Seen = {header: [], blank: 0, records: []};
  let line = 1;
  let wanted: number[] = [];
  const r = await scanCsv(file, {
    newline,
    start,
    chunkBytes,
    onHeader(h, rec) {
      seen.header = h;
      line = 2 + rec.innerNewlines;
      wanted = want(h);
      return wanted;
    },
    onRecord(rec) {
      // readCsv skips blank records (one empty field); field 0 is always wanted here.
      const recLine = line;
      line += 1 + rec.innerNewlines;
      if (rec.count === 1 && rec.fields[0] === '') {
        seen.blank++;
        return;
      }
      // text() is the record itself: papaparse reads the same fields from it.
      const again = Papa.parse<string[]>(rec.text(), {delimiter: ',', newline, quoteChar: '"'}).data[0];
      expect(wanted.map((i) => again[i] ?? '')).toEqual(wanted.map((i) => rec.fields[i]));
      seen.records.push({fields: wanted.map((i) => rec.fields[i]), line: recLine, row: rec.index + 1});
    },
  });
  return r.ok ? seen : 'irregular';
}

const fieldArb = fc.oneof(
  {weight: 5, arbitrary: fc.string({unit: fc.constantFrom('a', 'b', ' ', 'é', '€', '😀'), maxLength: 8})},
  {weight: 3, arbitrary: fc.string({unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'ü'), maxLength: 8})},
  {weight: 1, arbitrary: fc.constant('')},
);

/** A cell written plainly when it can be, quoted when it must be, or garbled on purpose now and then. */
const cellArb = fc.tuple(fieldArb, fc.integer({min: 0, max: 19})).map(([s, mode]) => {
  const needs = /[",\r\n]/.test(s);
  if (mode === 19) return `${s}"x`; // a stray quote
  if (mode === 18) return `"${s.replaceAll('"', '""')}" `; // space after the closing quote
  if (mode === 17) return `"${s}`; // unclosed (or wrongly escaped) quote
  return needs || mode < 8 ? `"${s.replaceAll('"', '""')}"` : s;
});

const fileArb = fc.record({
  newline: fc.constantFrom<Newline>('\r\n', '\n'),
  header: fc.array(fc.constantFrom('Name', 'Domain', 'Description', 'Size', 'X'), {minLength: 1, maxLength: 5}),
  rows: fc.array(fc.array(cellArb, {minLength: 1, maxLength: 6}), {maxLength: 12}),
  finalNewline: fc.boolean(),
  bom: fc.boolean(),
  wantAll: fc.boolean(),
  chunkBytes: fc.option(fc.integer({min: 4, max: 40}), {nil: undefined}),
});

describe('scanCsv', () => {
  it('yields the same records, fields and line numbers as papaparse, or declines', async () => {
    let compared = 0;
    let declined = 0;
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const body = [f.header.join(','), ...f.rows.map((r) => r.join(','))].join(f.newline) + (f.finalNewline ? f.newline : '');
        const file = join(dir, `f${n++}.csv`);
        writeFileSync(file, (f.bom ? '\uFEFF' : '') + body);
        const want = (h: string[]) => (f.wantAll ? h.map((_, i) => i).concat([h.length, h.length + 3]) : [0, Math.min(2, h.length + 1)]);
        const scanned = await viaScanner(file, f.newline, f.bom ? 3 : 0, want, f.chunkBytes);
        const parsed = await viaPapaparse(file);
        if (scanned === 'irregular') {
          declined++;
          return;
        }
        expect(parsed).not.toBe('malformed');
        if (parsed === 'malformed' || parsed === 'empty') return;
        compared++;
        expect(scanned.header).toEqual(parsed.header);
        expect(scanned.blank).toBe(parsed.blank);
        const w = want(parsed.header);
        expect(scanned.records).toEqual(parsed.records.map((r) => ({fields: w.map((i) => r.fields[i] ?? ''), line: r.line, row: r.row})));
      }),
      {numRuns: 400},
    );
    // Both branches were exercised.
    expect(compared).toBeGreaterThan(50);
    expect(declined).toBeGreaterThan(20);
  });

  it('reads records bigger than its buffer and reports offsets of record starts', async () => {
    const big = 'x'.repeat(9 << 20);
    const file = join(dir, 'big.csv');
    writeFileSync(file, `a,b\r\n"${big}",1\r\n2,"3\r\n4"\r\n`);
    const got: Array<{offset: number; b: string; len: number; inner: number}> = [];
    const r = await scanCsv(file, {newline: '\r\n', onHeader: () => [0, 1], onRecord: (rec) => void got.push({offset: rec.offset, b: rec.fields[1], len: rec.fields[0].length, inner: rec.innerNewlines})});
    expect(r.ok).toBe(true);
    expect(got[0]).toEqual({offset: 5, b: '1', len: big.length, inner: 0});
    expect(got[1]).toEqual({offset: 5 + big.length + 2 + 4, b: '3\r\n4', len: 1, inner: 1});
    // No empty record after the final newline (papaparse reading a stream reports none).
    expect(got).toHaveLength(2);
  });
});
