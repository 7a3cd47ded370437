import {isUtf8} from 'node:buffer';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import Enrich from '../src/commands/enrich.js';
import Run from '../src/commands/run.js';
import {sniffCsv} from '../src/io/csv.js';
import {scanCsv} from '../src/io/csv-scan.js';
import {assertUtf8File, firstInvalidUtf8, Utf8Check, wholeSequencesEnd} from '../src/io/utf8.js';
import {CLAY_HEADER, clayCsv, filesUnder, runBuilt, runCli, tempDir} from './helpers/cli.js';

const CONFIG = join(process.cwd(), 'config');

/** Bytes that are mostly UTF-8: whole characters of 1 to 4 bytes, and now and then a byte of any value. */
const mostlyUtf8 = fc
  .array(
    fc.oneof(
      {weight: 6, arbitrary: fc.constantFrom('a', ',', '\n', 'é', '€', '😀', '\u00a0').map((s) => [...Buffer.from(s)])},
      {weight: 1, arbitrary: fc.integer({min: 0, max: 255}).map((b) => [b])},
    ),
    {maxLength: 40},
  )
  .map((parts) => Buffer.from(parts.flat()));

/** The file offset and physical line of the first byte that is not UTF-8, by the slow, obvious reading. */
function expectedError(bytes: Buffer): {offset: number; line: number} | undefined {
  const at = firstInvalidUtf8(bytes);
  if (at === -1) return undefined;
  return {offset: at, line: 1 + bytes.subarray(0, at).filter((b) => b === 0x0a).length};
}

describe('UTF-8 checks', () => {
  it('firstInvalidUtf8 finds the end of the longest valid prefix, which no following bytes make valid (against Node isUtf8)', () => {
    fc.assert(
      fc.property(mostlyUtf8, (b) => {
        const at = firstInvalidUtf8(b);
        expect(at === -1).toBe(isUtf8(b));
        if (at === -1) return;
        expect(isUtf8(b.subarray(0, at))).toBe(true);
        for (let k = 1; k <= 4 && at + k <= b.length; k++) expect(isUtf8(b.subarray(0, at + k))).toBe(false);
      }),
      {numRuns: 2000},
    );
    // Overlong forms, surrogates and code points past U+10FFFF.
    for (const bad of [
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
    ]) {
      expect(firstInvalidUtf8(Buffer.from([0x61, ...bad]))).toBe(1);
    }
  });

  it('checks bytes read in chunks of any size exactly as the whole (a character cut at a chunk end waits for the next)', () => {
    const t = tempDir();
    const file = join(t.dir, 'f.csv');
    fc.assert(
      fc.property(mostlyUtf8, fc.array(fc.integer({min: 1, max: 7}), {minLength: 1, maxLength: 10}), (b, sizes) => {
        // (The error reads the file for the line and the text around the byte.)
        writeFileSync(file, b);
        const check = new Utf8Check(file, '\n');
        let pending = Buffer.alloc(0);
        let offset = 0;
        let at = 0;
        let thrown: string | undefined;
        try {
          for (let k = 0; ; k++) {
            const next = b.subarray(at, Math.min(b.length, at + sizes[k % sizes.length]));
            at += next.length;
            const buf = Buffer.concat([pending, next]);
            const last = at >= b.length;
            const done = check.check(buf, 0, buf.length, offset, last);
            expect(done).toBe(last ? buf.length : wholeSequencesEnd(buf, 0, buf.length));
            expect(buf.length - done).toBeLessThanOrEqual(3);
            pending = buf.subarray(done);
            offset += done;
            if (last) break;
          }
        } catch (e) {
          thrown = (e as Error).message;
        }
        const want = expectedError(b);
        if (!want) expect(thrown).toBeUndefined();
        else
          expect(thrown).toContain(
            `line ${want.line} has the byte 0x${b[want.offset].toString(16).toUpperCase().padStart(2, '0')} (file offset ${want.offset})`,
          );
      }),
      {numRuns: 2000},
    );
    t.cleanup();
  });

  it('scanCsv with checkUtf8 stops at the first byte that is not UTF-8 and names its line; assertUtf8File the same', async () => {
    const t = tempDir();
    let n = 0;
    try {
      // Cells of UTF-8 text, and now and then of Windows-1252 bytes (a lone é, a curly apostrophe, a cut lead byte).
      const cell = fc.oneof(
        {weight: 4, arbitrary: fc.constantFrom('"é, x"', 'plain', '"multi\nline €"', '😀').map((s) => Buffer.from(s))},
        {weight: 1, arbitrary: fc.constantFrom([0x43, 0x61, 0x66, 0xe9], [0x69, 0x74, 0x92, 0x73], [0xc3], [0xff]).map((b) => Buffer.from(b))},
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(cell, {minLength: 1, maxLength: 4}), {maxLength: 12}),
          fc.integer({min: 4, max: 40}),
          async (rows, chunkBytes) => {
            const line = (cells: Buffer[]) => Buffer.concat([...cells.flatMap((c, i) => (i ? [Buffer.from(','), c] : [c])), Buffer.from('\n')]);
            const bytes = Buffer.concat([Buffer.from('h1,h2\n'), ...rows.map(line)]);
            const file = join(t.dir, `s${n++}.csv`);
            writeFileSync(file, bytes);
            const want = expectedError(bytes);
            const scanned = scanCsv(file, {newline: '\n', chunkBytes, checkUtf8: true, onHeader: () => [0], onRecord: () => {}});
            const whole = () => assertUtf8File(file, 0, '\n');
            if (!want) {
              await expect(scanned).resolves.toMatchObject({ok: true});
              expect(whole).not.toThrow();
            } else {
              const message = `line ${want.line} has the byte 0x${bytes[want.offset].toString(16).toUpperCase()} (file offset ${want.offset})`;
              await expect(scanned).rejects.toThrow(message);
              expect(whole).toThrow(message);
            }
          },
        ),
        {numRuns: 300},
      );
    } finally {
      t.cleanup();
    }
  });

  it('sniffCsv refuses UTF-16 and Excel workbooks (.xlsx, .xls) at once, naming the file', () => {
    const t = tempDir();
    try {
      const cases: Array<[Buffer, RegExp]> = [
        [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name,Domain\r\n', 'utf16le')]), /UTF-16 text \(byte-order mark FF FE\)/],
        [Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('\0N')]), /UTF-16 text \(byte-order mark FE FF\)/],
        [Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), /a zip file \(an \.xlsx workbook\?\)/],
        [Buffer.from('Name,Domain\r\n', 'utf16le'), /UTF-16 text \(no byte-order mark\)/],
        [Buffer.from('Name,Domain\r\n', 'utf16le').swap16(), /UTF-16 text \(no byte-order mark\)/],
        [Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]), /an \.xls workbook/],
        [Buffer.from('Name,Domain\nCaf\xe9,x.com\n', 'latin1'), /line 2 has the byte 0xE9 \(file offset 15\)/],
      ];
      cases.forEach(([bytes, message], i) => {
        const file = join(t.dir, `c${i}.csv`);
        writeFileSync(file, bytes);
        expect(() => sniffCsv(file)).toThrow(message);
        expect(() => sniffCsv(file)).toThrow(file);
      });
      // UTF-8 with a byte-order mark, and a character cut by the end of the 64 KiB that sniffCsv reads, are fine.
      const ok = join(t.dir, 'ok.csv');
      writeFileSync(ok, '\uFEFFName\n' + 'é'.repeat(40_000) + '\n');
      expect(sniffCsv(ok)).toEqual({newline: '\n', bom: true});
      // NULs are text (UTF-8 allows them; readCsv keeps them), even many of them in a small file.
      for (const text of ['Name,Note\r\nAcme,"a\0b"\r\n', 'k\n\0\n', 'k,v\n\0\0\0\0,\0\0\0\n']) {
        writeFileSync(ok, text);
        expect(sniffCsv(ok).bom).toBe(false);
      }
    } finally {
      t.cleanup();
    }
  });
});

describe('enrich on an export that is not UTF-8', () => {
  /**
   * A Clay export of `rows` companies (descriptions of `descBytes`) whose row `bad` has a Windows-1252 "é" (one
   * byte) in its name, and maybe a stray quote in row `malformedRow`.
   */
  function export1252(rows: number, bad: number, opts: {malformedRow?: number; descBytes?: number} = {}): Buffer {
    const description = `Home care with a long description ${'x'.repeat(opts.descBytes ?? 300)}`;
    let text = clayCsv(
      CLAY_HEADER,
      Array.from({length: rows}, (_, i) => [
        '',
        `Clinic ${i} ${i === bad ? 'CAFE_MARK' : ''}`,
        description,
        'Home Health Care Services',
        '11-50 employees',
        'Privately Held',
        'Austin, Texas',
        'United States',
        `clinic${i}.com`,
        `https://www.linkedin.com/company/clinic-${i}`,
      ]),
    );
    // A stray quote makes the scanner decline the file: papaparse then reads it.
    if (opts.malformedRow !== undefined) text = text.replace(`Clinic ${opts.malformedRow} `, `Clinic ${opts.malformedRow} 5" `);
    const [head, tail] = text.split('CAFE_MARK');
    return Buffer.concat([Buffer.from(head), Buffer.from([0x43, 0x61, 0x66, 0xe9]), Buffer.from(tail)]);
  }

  it('exits 2 naming the line, wherever the byte is and whichever reader reads it, and writes no table', async () => {
    const t = tempDir();
    try {
      // Row 1 (inside the first 64 KiB: sniffCsv), row 990 of a 10 MB file (in the scanner's second 8 MiB read),
      // and the same in a file the scanner declines at row 8, in its first read (papaparse's path: the check
      // before it).
      const cases = [
        {name: 'early', cmd: Enrich, bytes: export1252(1000, 1), line: 3},
        {name: 'late', cmd: Run, bytes: export1252(1000, 990, {descBytes: 10_000}), line: 992},
        {name: 'declined', cmd: Run, bytes: export1252(1000, 990, {descBytes: 10_000, malformedRow: 8}), line: 992},
        // Declined in the second read (about rows 806 to 1,612), the byte in the third: the check before papaparse
        // starts where the scan's checked bytes end.
        {name: 'declined-late', cmd: Run, bytes: export1252(2000, 1900, {descBytes: 10_000, malformedRow: 900}), line: 1902},
      ];
      for (const {name, cmd, bytes, line} of cases) {
        const input = join(t.dir, `${name}.csv`);
        writeFileSync(input, bytes);
        const dataDir = join(t.dir, name);
        const r = await runCli(cmd, [
          '--input',
          input,
          '--config-dir',
          CONFIG,
          '--provider',
          'rules',
          '--data-dir',
          dataDir,
          '--quiet',
          ...(cmd === Run ? ['--no-report'] : []),
        ]);
        expect([name, r.exitCode]).toEqual([name, 2]);
        expect(r.stderr).toContain(`${input}: not UTF-8 text: line ${line} has the byte 0xE9`);
        expect(r.stderr).toContain(`Clinic ${line - 2} Caf`);
        expect(r.stderr).toContain('iconv -f WINDOWS-1252 -t UTF-8');
        expect([name, filesUnder(dataDir)]).toEqual([name, []]);
      }
    } finally {
      t.cleanup();
    }
  });

  it('exits 2 naming the line when two threads index the halves of the export (built CLI)', () => {
    const t = tempDir();
    try {
      const input = join(t.dir, 'halves.csv');
      // The byte in the second half, then in the first (past the 64 KiB sniffCsv reads).
      for (const [bad, line] of [
        [1800, 1802],
        [400, 402],
      ]) {
        writeFileSync(input, export1252(2000, bad));
        const r = runBuilt(
          ['bin/run.js', 'enrich', '--input', input, '--config-dir', CONFIG, '--provider', 'rules', '--data-dir', join(t.dir, 'out'), '--quiet'],
          {STEDI_GTM_WORKERS: '2'},
        );
        expect([bad, r.status]).toEqual([bad, 2]);
        expect(r.stderr).toContain(`not UTF-8 text: line ${line} has the byte 0xE9`);
        expect(filesUnder(join(t.dir, 'out'))).toEqual([]);
      }
    } finally {
      t.cleanup();
    }
  });
});
