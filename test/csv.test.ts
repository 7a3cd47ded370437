import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import {AtomicCsvWriter, readCsv, type CsvRecord} from '../src/io/csv.js';
import {writeCsv} from './helpers/csv-file.js';
import {clayCsv, tempDir} from './helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

async function read(file: string) {
  let header: string[] = [];
  const records: CsvRecord[] = [];
  const res = await readCsv(file, {onHeader: (h) => (header = h), onRecord: (r) => void records.push(r)});
  return {header, records, count: res.records, blank: res.blank};
}

describe('readCsv', () => {
  it('keeps quoted multi-line fields, CRLF inside fields and non-ASCII text unchanged, with row and line numbers', async () => {
    const rows = [
      ['a', 'one\r\ntwo\nthree'],
      ['b', '“curly” — Zoë ™'],
      ['c', ''],
    ];
    const file = join(t.dir, 'x.csv');
    writeFileSync(file, clayCsv(['k', 'v'], rows, {bom: true}));
    const {header, records} = await read(file);
    expect(header).toEqual(['k', 'v']);
    expect(records.map((r) => r.fields)).toEqual(rows);
    expect(records.map((r) => r.row)).toEqual([2, 3, 4]);
    expect(records.map((r) => r.line)).toEqual([2, 5, 6]);
  });

  it('reads what it writes, for any text (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string({unit: 'grapheme'}), fc.string({unit: 'binary'})), {minLength: 1, maxLength: 20}),
        async (rows) => {
          const clean = rows.map(([a, b]) => [`k${a}`, b.replace(/\r(?!\n)/g, '')]);
          const file = join(t.dir, 'p.csv');
          await writeCsv(file, ['k', 'v'], clean);
          const {records} = await read(file);
          expect(records.map((r) => r.fields)).toEqual(clean);
        },
      ),
      {numRuns: 40},
    );
  });

  it('skips blank lines but counts them', async () => {
    const file = join(t.dir, 'b.csv');
    writeFileSync(file, 'a,b\n1,2\n\n3,4\n');
    const {records, blank} = await read(file);
    expect(records.map((r) => r.fields)).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(records.map((r) => r.row)).toEqual([2, 4]);
    expect(blank).toBe(1);
  });

  it('fails clearly on a missing or empty file', async () => {
    await expect(read(join(t.dir, 'none.csv'))).rejects.toThrow(/none\.csv: cannot read input file \(no such file\)/);
    const empty = join(t.dir, 'empty.csv');
    writeFileSync(empty, '');
    await expect(read(empty)).rejects.toThrow(/empty/);
  });
});

describe('AtomicCsvWriter', () => {
  it('leaves the old file untouched and no temp file behind when aborted', async () => {
    const file = join(t.dir, 'out.csv');
    writeFileSync(file, 'old\n');
    const w = new AtomicCsvWriter(file, ['a']);
    await w.write(['new']);
    await w.abort();
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(t.dir)).toEqual(['out.csv']);
  });

  it('replaces the file on commit', async () => {
    const file = join(t.dir, 'sub', 'out.csv');
    const w = new AtomicCsvWriter(file, ['a', 'b']);
    await w.write(['1', 'x,y']);
    await w.commit();
    expect(readFileSync(file, 'utf8')).toBe('a,b\n1,"x,y"\n');
    expect(existsSync(file)).toBe(true);
  });
});
