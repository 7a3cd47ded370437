import {createHash} from 'node:crypto';
import fc from 'fast-check';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import {describeFile, RecordCounter} from '../src/io/manifest.js';
import {encodeCsvRow} from '../src/io/csv.js';
import {tempDir} from './helpers/cli.js';

describe('the facts of a file the manifest describes', () => {
  const cell = fc.oneof(fc.string(), fc.constantFrom('"', '""', '\n', '\r\n', 'a,b', ' x ', '"\n"', ''));
  const table = fc.array(fc.array(cell, {minLength: 1, maxLength: 5}), {minLength: 1, maxLength: 30});

  it('RecordCounter counts the records papaparse reads, a quoted line break inside a field not ending one, whatever the blocks', () => {
    fc.assert(
      fc.property(table, fc.array(fc.nat(), {maxLength: 6}), (rows, cuts) => {
        const text = rows.map((r) => encodeCsvRow(r) + '\n').join('');
        const bytes = Buffer.from(text);
        const expected = Papa.parse<string[]>(text, {newline: '\n'}).data.filter(
          (r, i, all) => !(i === all.length - 1 && r.length === 1 && r[0] === ''),
        ).length;
        const counter = new RecordCounter();
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, bytes.length]) {
          counter.add(bytes.subarray(from, p));
          from = p;
        }
        expect(counter.total()).toBe(expected);
      }),
    );
  });

  it('describeFile gives the data rows (header not counted), the bytes and the SHA-256 of a CSV; rows null for other files', () => {
    const t = tempDir();
    try {
      const csv = join(t.dir, 'x.csv');
      const text = 'a,b\n"1\n2",3\n4,"5"\n6,7';
      writeFileSync(csv, text);
      expect(describeFile(csv)).toEqual({rows: 3, bytes: text.length, sha256: createHash('sha256').update(text).digest('hex')});
      const json = join(t.dir, 'x.json');
      writeFileSync(json, '{}\n');
      expect(describeFile(json)).toEqual({rows: null, bytes: 3, sha256: createHash('sha256').update('{}\n').digest('hex')});
    } finally {
      t.cleanup();
    }
  });
});
