import {createHash} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import {formats, registerFormat, tableFormat, useFormat} from '../src/io/formats/index.js';
import {DATASET_TABLES} from '../src/io/paths.js';
import type {TableCodec} from '../src/io/table-codec.js';
import {arrMovementCodec, contractCodec, invoiceCodec} from '../src/stages/billing.js';
import {companyCodec, rejectCodec} from '../src/stages/codecs.js';
import {dealCodec, historyCodec, leadCodec, repCodec, snapshotCodec} from '../src/stages/deals.js';
import {unifiedCodec} from '../src/stages/unify.js';
import {filesUnder, runBuilt, runCli, tempDir} from './helpers/cli.js';
// A toy second format, defined in the tests only (plain JavaScript: the built CLI's workers load it too).
import jsonLines from './helpers/jsonl-format.mjs';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');
const base = ['--seed', '42', '--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--quiet'];

/** Each table's codec (all its columns), by its key in dataPaths. */
const CODECS: Record<(typeof DATASET_TABLES)[number]['key'], TableCodec<Record<string, unknown>>> = {
  companies: companyCodec,
  rejects: rejectCodec,
  leads: leadCodec,
  deals: dealCodec,
  history: historyCodec,
  snapshots: snapshotCodec,
  reps: repCodec,
  billing: contractCodec,
  invoices: invoiceCodec,
  arrMovements: arrMovementCodec,
  unified: unifiedCodec,
} as unknown as Record<(typeof DATASET_TABLES)[number]['key'], TableCodec<Record<string, unknown>>>;

/** The rows of a table of the toy format (the lines between its columns line and its footer). */
const jsonRows = (file: string): Array<Record<string, unknown>> => {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  return lines.slice(1, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
};
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
  registerFormat(jsonLines);
});
afterAll(() => {
  useFormat('csv');
  t.cleanup();
});

describe('a second table format', () => {
  it('is registered without touching the default: CSV stays first', () => {
    expect(formats().map((f) => [f.name, f.extension])).toEqual([
      ['csv', '.csv'],
      ['jsonl', '.jsonl'],
    ]);
    expect(tableFormat().name).toBe('csv');
    expect(() => registerFormat({...jsonLines, name: 'other'})).toThrow(/extension \.jsonl is jsonl's/);
  });

  it('needs only its sink and reader: `run` writes every table in it (the extension its own), the same rows as CSV, and the later stages read it back', async () => {
    useFormat('csv');
    const csvDir = join(t.dir, 'csv');
    expect((await runCli(Run, [...base, '--data-dir', csvDir])).exitCode).toBe(0);
    useFormat('jsonl');
    const dir = join(t.dir, 'jsonl');
    const r = await runCli(Run, [...base, '--data-dir', dir]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(filesUnder(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {files: Record<string, {rows: number | null}>};
    for (const table of DATASET_TABLES) {
      const file = `${table.dir}/${table.name}.jsonl`;
      const rows = jsonRows(join(dir, file));
      // The same rows as the CSV tables: each row, written by the CSV codec, is the CSV file's line.
      const codec = CODECS[table.key];
      const csv = readFileSync(join(csvDir, `${table.dir}/${table.name}.csv`), 'utf8');
      expect([file, `${codec.columns.join(',')}\n${rows.map((row) => codec.line(row)).join('')}`]).toEqual([file, csv]);
      // The footer, made from what each block reported, and the manifest (counted by the format) agree.
      const footer = JSON.parse(readFileSync(join(dir, file), 'utf8').trimEnd().split('\n').at(-1)!) as {$rows: number};
      expect([file, footer.$rows, manifest.files[file]?.rows]).toEqual([file, rows.length, rows.length]);
    }
    expect(readFileSync(join(dir, 'final', 'report.html'), 'utf8')).toContain('raw/companies.jsonl');

    // The stages one by one read the toy tables back (unify copies the company's part as the reader gives it):
    // the same bytes.
    const before = Object.fromEntries(DATASET_TABLES.map((x) => [x.key, sha(join(dir, `${x.dir}/${x.name}.jsonl`))]));
    for (const Cmd of [Deals, Billing, Unify]) {
      const s = await runCli(Cmd, ['--config-dir', CONFIG, '--data-dir', dir, '--quiet']);
      expect([Cmd.name, s.exitCode, s.stderr]).toEqual([Cmd.name, 0, '']);
    }
    for (const x of DATASET_TABLES) expect([x.key, sha(join(dir, `${x.dir}/${x.name}.jsonl`))]).toEqual([x.key, before[x.key]]);
  });

  it('is found by name in the worker threads of the built CLI: the same bytes on 2 threads, ranges and chunks, as on one', () => {
    if (!existsSync(join(process.cwd(), 'dist', 'io', 'formats', 'index.js'))) {
      if (process.env.CI) throw new Error('dist/ is not built: run `npm run build`');
      console.warn('skipped: dist/ is not built (npm run build)');
      return;
    }
    const dist = pathToFileURL(join(process.cwd(), 'dist')).href;
    const toy = pathToFileURL(join(process.cwd(), 'test', 'helpers', 'jsonl-format.mjs')).href;
    const script = join(t.dir, 'run-jsonl.mjs');
    // The format is registered in-process, then the command runs as the CLI would (oclif loads dist/).
    writeFileSync(
      script,
      `
      import {run} from '${pathToFileURL(join(process.cwd(), 'node_modules', '@oclif', 'core', 'lib', 'index.js')).href}';
      import {registerFormat, useFormat} from '${dist}/io/formats/index.js';
      import jsonLines from '${toy}';
      registerFormat(jsonLines);
      useFormat('jsonl');
      await run(process.argv.slice(2), ${JSON.stringify(pathToFileURL(join(process.cwd(), 'package.json')).href)});
    `,
    );
    const dirs: Record<string, string> = {};
    for (const [name, env] of [
      ['one', {STEDI_GTM_WORKERS: '0'}],
      ['two', {STEDI_GTM_WORKERS: '2', STEDI_GTM_CHUNK_BYTES: '4096'}],
    ] as const) {
      dirs[name] = join(t.dir, `built-${name}`);
      const r = runBuilt([script, 'run', ...base, '--no-report', '--data-dir', dirs[name]], env);
      expect([name, r.status, r.stderr]).toEqual([name, 0, '']);
      // And `run --from deals`, reading companies.jsonl back (the toy format has no chunks: one thread reads it),
      // writes the same tables again.
      const tables = filesUnder(dirs[name]).filter((x) => x.endsWith('.jsonl'));
      const before = tables.map((x) => sha(join(dirs[name], x)));
      const f = runBuilt(
        [script, 'run', '--seed', '42', '--config-dir', CONFIG, '--quiet', '--no-report', '--from', 'deals', '--data-dir', dirs[name]],
        env,
      );
      expect([name, f.status, f.stderr]).toEqual([name, 0, '']);
      expect(tables.map((x) => sha(join(dirs[name], x)))).toEqual(before);
    }
    const tables = filesUnder(dirs.one).filter((f) => f.endsWith('.jsonl'));
    expect(tables.length).toBe(DATASET_TABLES.length);
    for (const f of tables) expect([f, sha(join(dirs.two, f))]).toEqual([f, sha(join(dirs.one, f))]);
  });
});
