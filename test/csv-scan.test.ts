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

/** Options of the scan under test: skipTail, and a span of fields whose raw text is checked. */
interface Extra {
  skipTail?: boolean;
  span?: [number, number];
  lines?: boolean;
}

async function viaScanner(
  file: string,
  newline: Newline,
  start: number,
  want: (h: string[]) => number[],
  chunkBytes?: number,
  extra: Extra = {},
): Promise<Seen | 'irregular'> {
  const seen: Seen = {header: [], blank: 0, records: []};
  let line = 1;
  let wanted: number[] = [];
  const span = extra.span;
  const r = await scanCsv(file, {
    newline,
    start,
    chunkBytes,
    skipTail: extra.skipTail,
    lines: extra.lines,
    onHeader(h, rec) {
      seen.header = h;
      line = 2 + rec.innerNewlines;
      wanted = want(h);
      return span ? {decode: wanted, spans: span} : wanted;
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
      if (span) {
        // The raw text of the span is those fields as papaparse reads them (missing ones empty)...
        const [from, to] = span;
        const bytes = Buffer.alloc(rec.spanBytes(from, to));
        expect(rec.copySpan(from, to, bytes, 0)).toBe(bytes.length);
        const raw = bytes.toString('utf8');
        const fields = Papa.parse<string[]>(raw, {delimiter: ',', newline, quoteChar: '"'}).data[0] ?? [''];
        const expected = Array.from({length: to - from + 1}, (_, i) => again[from + i] ?? '');
        expect(fields).toEqual(expected);
        // ... and, when the record has them all, a piece of the record's text.
        if (again.length > to) expect(rec.text()).toContain(raw);
      }
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
  skipTail: fc.boolean(),
  span: fc.option(
    fc.tuple(fc.integer({min: 0, max: 3}), fc.integer({min: 0, max: 3})).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]),
    {nil: undefined},
  ),
});

describe('scanCsv', () => {
  it('yields the same records, fields and line numbers as papaparse, or declines', async () => {
    let compared = 0;
    let declined = 0;
    let skipped = 0;
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const body = [f.header.join(','), ...f.rows.map((r) => r.join(','))].join(f.newline) + (f.finalNewline ? f.newline : '');
        const file = join(dir, `f${n++}.csv`);
        writeFileSync(file, (f.bom ? '\uFEFF' : '') + body);
        const want = (h: string[]) => (f.wantAll ? h.map((_, i) => i).concat([h.length, h.length + 3]) : [0, Math.min(2, h.length + 1)]);
        const scanned = await viaScanner(file, f.newline, f.bom ? 3 : 0, want, f.chunkBytes, {skipTail: f.skipTail, span: f.span});
        // Skipping the tail changes nothing: not the records, not whether the scanner declines.
        if (f.skipTail) expect(scanned).toEqual(await viaScanner(file, f.newline, f.bom ? 3 : 0, want, f.chunkBytes));
        // Nor does not counting lines, but the line numbers.
        const noLines = await viaScanner(file, f.newline, f.bom ? 3 : 0, want, f.chunkBytes, {skipTail: f.skipTail, span: f.span, lines: false});
        const withoutLines = (x: typeof scanned) => (x === 'irregular' ? x : {...x, records: x.records.map(({line: _, ...r}) => r)});
        expect(withoutLines(noLines)).toEqual(withoutLines(scanned));
        const parsed = await viaPapaparse(file);
        if (scanned === 'irregular') {
          declined++;
          return;
        }
        expect(parsed).not.toBe('malformed');
        if (parsed === 'malformed' || parsed === 'empty') return;
        compared++;
        if (f.skipTail) skipped++;
        expect(scanned.header).toEqual(parsed.header);
        expect(scanned.blank).toBe(parsed.blank);
        const w = want(parsed.header);
        expect(scanned.records).toEqual(parsed.records.map((r) => ({fields: w.map((i) => r.fields[i] ?? ''), line: r.line, row: r.row})));
      }),
      {numRuns: 600},
    );
    // Both branches were exercised.
    expect(compared).toBeGreaterThan(50);
    expect(skipped).toBeGreaterThan(20);
    expect(declined).toBeGreaterThan(20);
  });

  // Short plain values of wanted fields are interned (handed out again, not decoded again): fields drawn from
  // small pools (same lengths, same first bytes, multibyte) and from a pool larger than the scanner keeps.
  it('hands out the same values as papaparse from columns of few and of many distinct short values', async () => {
    const pool = (values: string[]) => fc.constantFrom(...values);
    const few = pool(['true', 'false', 'tru', 'fals', 'tier_1', 'tier_2', 'tier_3', '', 'é', 'è', '😀', '0.35', '0.85']);
    const many = fc.integer({min: 0, max: 40}).map((i) => `v${i}`);
    const long = fc.string({unit: fc.constantFrom('a', 'b'), minLength: 20, maxLength: 30});
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(few, many, long, few), {minLength: 1, maxLength: 80}),
        fc.option(fc.integer({min: 16, max: 64}), {nil: undefined}),
        async (rows, chunkBytes) => {
          const file = join(dir, `f${n++}.csv`);
          writeFileSync(file, ['a,b,c,d', ...rows.map((r) => r.join(','))].join('\n') + '\n');
          const scanned = await viaScanner(file, '\n', 0, () => [0, 1, 2, 3], chunkBytes);
          const parsed = await viaPapaparse(file);
          if (parsed === 'malformed' || parsed === 'empty' || scanned === 'irregular') throw new Error('plain CSV expected');
          expect(scanned.records.map((r) => r.fields)).toEqual(parsed.records.map((r) => r.fields));
        },
      ),
      {numRuns: 150},
    );
  });

  it('with skipTail, still declines a stray quote in a field it skips', async () => {
    for (const [body, ok] of [
      ['h1,h2,h3\na,b,c"d",e\n', false],
      ['h1,h2,h3\na,b,"c""d",e\n', true],
      ['h1,h2,h3\na,b,"c\nd",e\nf,g,h\n', true],
    ] as const) {
      const file = join(dir, `stray${n++}.csv`);
      writeFileSync(file, body);
      const records: number[] = [];
      const r = await scanCsv(file, {newline: '\n', skipTail: true, onHeader: () => [0], onRecord: (rec) => void records.push(rec.innerNewlines)});
      expect(r.ok).toBe(ok);
      if (ok) expect(records).toEqual(body.includes('f,g') ? [1, 0] : [0]);
    }
  });

  it('in range mode, declines a range that ends inside a record (short of the end of the file)', async () => {
    const file = join(dir, `cut${n++}.csv`);
    writeFileSync(file, 'h1,h2\na,b\n"c\nd",e\nf,g');
    const scan = (start: number, end: number) => {
      const got: string[] = [];
      return scanCsv(file, {newline: '\n', start, range: {end, columns: [0]}, onRecord: (rec) => void got.push(rec.fields[0])}).then((r) => ({
        ok: r.ok,
        reason: r.ok ? '' : r.reason,
        got,
      }));
    };
    expect(await scan(6, 10)).toEqual({ok: true, reason: '', got: ['a']});
    expect(await scan(6, 8)).toEqual({ok: false, reason: 'the range ends inside a record', got: []});
    // Inside a quoted field that goes on past the end of the range.
    expect(await scan(6, 13)).toEqual({ok: false, reason: 'a quoted field is not closed', got: ['a']});
    expect(await scan(10, 18)).toEqual({ok: true, reason: '', got: ['c\nd']});
    expect(await scan(10, 19)).toEqual({ok: false, reason: 'the range ends inside a record', got: ['c\nd']});
    // The last record of the file needs no newline.
    expect(await scan(18, 21)).toEqual({ok: true, reason: '', got: ['f']});
  });

  // The bytes of the buffer past those read are left over from earlier reads (or earlier scans): a closing quote
  // or a CR as the file's last byte must not be judged by the byte after it.
  it('judges a closing quote or CR at the end of the file by the file alone, not by stale bytes after it', async () => {
    const scan = async (body: string, newline: Newline, chunkBytes?: number) => {
      const file = join(dir, `end${n++}.csv`);
      writeFileSync(file, body);
      const got: string[][] = [];
      const r = await scanCsv(file, {
        newline,
        chunkBytes,
        onHeader: (h) => h.map((_, i) => i),
        onRecord: (rec) => void got.push(rec.fields.slice(0, rec.count)),
      });
      return r.ok ? got : r.reason;
    };
    // A scan that leaves its (reused) buffer full of quotes, then files that end on a closing quote.
    const quotes = `h\n"${'""'.repeat(200)}"\n`;
    expect(await scan(quotes, '\n')).toEqual([['"'.repeat(200)]]);
    expect(await scan('h\n"a"', '\n')).toEqual([['a']]);
    expect(await scan('h\r\n"a"', '\r\n')).toEqual([['a']]);
    // With a small buffer, the tail of the file is moved to its front: the quotes read before stay behind it.
    for (let chunkBytes = 4; chunkBytes <= 24; chunkBytes++) {
      expect(await scan(`h\n"${'""'.repeat(20)}"\n"a"`, '\n', chunkBytes)).toEqual([['"'.repeat(20)], ['a']]);
    }
    // A lone CR after a closing quote at the end of a CRLF file is not a newline, whatever follows in memory.
    // (The file below is 7 bytes long: the byte left after it is the LF of a CRLF.)
    expect(await scan(`h\r\n"${'\r\n'.repeat(200)}"\r\n`, '\r\n')).toEqual([['\r\n'.repeat(200)]]);
    expect(await scan('h\r\n"a"\r', '\r\n')).toBe('text after the closing quote of a field');
  });

  it('reads records bigger than its buffer and reports offsets of record starts', async () => {
    const big = 'x'.repeat(9 << 20);
    const file = join(dir, 'big.csv');
    writeFileSync(file, `a,b\r\n"${big}",1\r\n2,"3\r\n4"\r\n`);
    const got: Array<{offset: number; b: string; len: number; inner: number}> = [];
    const r = await scanCsv(file, {
      newline: '\r\n',
      onHeader: () => [0, 1],
      onRecord: (rec) => void got.push({offset: rec.offset, b: rec.fields[1], len: rec.fields[0].length, inner: rec.innerNewlines}),
    });
    expect(r.ok).toBe(true);
    expect(got[0]).toEqual({offset: 5, b: '1', len: big.length, inner: 0});
    expect(got[1]).toEqual({offset: 5 + big.length + 2 + 4, b: '3\r\n4', len: 1, inner: 1});
    // No empty record after the final newline (papaparse reading a stream reports none).
    expect(got).toHaveLength(2);
  });
});
