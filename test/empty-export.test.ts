import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Run from '../src/commands/run.js';
import {CLAY_HEADER, clayCsv, runCli, tempDir} from './helpers/cli.js';

const CONFIG = join(process.cwd(), 'config');
const TABLES = [
  'raw/companies.csv',
  'raw/leads.csv',
  'raw/deals.csv',
  'raw/opportunity_history.csv',
  'raw/pipeline_snapshots.csv',
  'raw/billing.csv',
  'raw/invoices.csv',
  'final/unified.csv',
];

// An export with no companies in it (only a header, or only rows with nothing usable) is a dataset of zero
// companies: every table with its header and no rows, the figures zero or "n/a", and every row accounted for.
describe('run on an export without companies', () => {
  it.each([
    ['only a header', [] as string[][], 0],
    [
      'only rows with nothing usable',
      [
        ['', '', 'no name, no domain', '', '', '', '', '', '', ''],
        ['', '', '', '', '', '', '', '', '', ''],
      ],
      2,
    ],
  ])('%s: exit 0, tables with headers only, rows accounted for, a report', async (_, rows, rejected) => {
    const t = tempDir();
    try {
      const input = join(t.dir, 'in.csv');
      writeFileSync(input, clayCsv(CLAY_HEADER, rows));
      const dataDir = join(t.dir, 'data');
      const r = await runCli(Run, ['--input', input, '--config-dir', CONFIG, '--provider', 'rules', '--data-dir', dataDir]);
      expect([r.exitCode, r.error?.message]).toEqual([0, undefined]);
      for (const table of TABLES) expect([table, readFileSync(join(dataDir, table), 'utf8').trim().split('\n').length]).toEqual([table, 1]);
      // reps.csv is the configured team, companies or not.
      expect(
        readFileSync(join(dataDir, 'raw', 'reps.csv'), 'utf8')
          .trim()
          .split('\n').length,
      ).toBeGreaterThan(1);
      const s = JSON.parse(readFileSync(join(dataDir, 'interim', 'enrich_summary.json'), 'utf8'));
      expect([s.input_rows, s.companies, s.merged_rows, s.rejected_rows]).toEqual([rows.length, 0, 0, rejected]);
      expect(
        readFileSync(join(dataDir, 'interim', 'rejects.csv'), 'utf8')
          .trim()
          .split('\n'),
      ).toHaveLength(1 + rejected);
      const page = readFileSync(join(dataDir, 'final', 'report.html'), 'utf8');
      expect(page).toContain('</html>');
      // Charts with nothing to draw say so, with no axis over an empty domain ($NaN labels, 0.000000 ticks).
      expect(page).not.toMatch(/NaN|0\.000000/);
      expect(page.match(/<figcaption>No deals in this dataset\./g)).toHaveLength(2);
      expect(page).toContain('<figcaption>No companies in this dataset.');
      expect(r.stdout).toContain('terms             none (no contracts)');
      expect(r.stdout).toMatch(/Win rate +n\/a/);
      expect(r.stdout).not.toMatch(/NaN|undefined|\(\)/);
    } finally {
      t.cleanup();
    }
  });
});
