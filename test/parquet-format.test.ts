import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects} from 'hyparquet';
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Enrich from '../src/commands/enrich.js';
import Report from '../src/commands/report.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import {startsRowGroup} from '../src/core/row-groups.js';
import {tableFormat} from '../src/io/formats/index.js';
import {readParquetTable} from '../src/io/parquet/read.js';
import {DATASET_TABLES, parquetPathOf, tablePath} from '../src/io/parquet/tables.js';
import {TableCodec} from '../src/io/table-codec.js';
import {TableCursor} from '../src/io/table-cursor.js';
import {BIN} from './helpers/built.js';
import {filesUnder, runBuilt, runCli, tempDir} from './helpers/cli.js';
import {openDuckDb} from './helpers/duckdb.js';

// `--format parquet`: every command writes its tables as Parquet (typed from the schemas), the later stages and
// the report read them back, and the files are the same bytes whichever threads wrote them.

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');
const enrichBase = ['--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--quiet'];
const base = ['--seed', '42', ...enrichBase];
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A CSV table's rows as the stages' reader decodes them. */
async function csvRows(file: string, t: (typeof DATASET_TABLES)[number]): Promise<unknown[]> {
  const codec = new TableCodec(t.columns, {safeText: t.safeText});
  const cursor = await TableCursor.open(file, codec, {required: codec.columns, producedBy: 'run'});
  const rows: unknown[] = [];
  for (;;) {
    const wait = cursor.advance();
    if (wait) await wait;
    if (cursor.row === undefined) break;
    rows.push(cursor.row);
  }
  return rows;
}

/** A summary with the folder and the tables' extension left out (they name the files). */
const summary = (dir: string, file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .replaceAll(dir, '<dir>')
    .replaceAll(/\.(csv|parquet)"/g, '"');

let t: ReturnType<typeof tempDir>;
let csvDir: string;
let pqDir: string;
beforeAll(async () => {
  t = tempDir();
  csvDir = join(t.dir, 'csv');
  pqDir = join(t.dir, 'parquet');
  expect((await runCli(Run, [...base, '--data-dir', csvDir])).exitCode).toBe(0);
  const r = await runCli(Run, [...base, '--format', 'parquet', '--data-dir', pqDir]);
  expect([r.exitCode, r.stderr]).toEqual([0, '']);
});
afterAll(() => t.cleanup());

describe('run --format parquet', () => {
  it('writes every table as <table>.parquet and no CSV, with the same rows as the CSV run, and the same summaries', async () => {
    expect(filesUnder(pqDir).filter((f) => f.endsWith('.csv'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(pqDir, 'manifest.json'), 'utf8')) as {files: Record<string, {rows: number | null}>};
    for (const table of DATASET_TABLES) {
      const file = parquetPathOf(tablePath(pqDir, table));
      const rows = await readParquetTable(file, table.columns);
      expect([table.name, rows]).toEqual([table.name, await csvRows(tablePath(csvDir, table), table)]);
      const key = file.slice(pqDir.length + 1);
      expect([key, manifest.files[key]?.rows]).toEqual([key, rows.length]);
    }
    for (const f of ['interim/deals_summary.json', 'interim/billing_summary.json']) expect([f, summary(pqDir, f)]).toEqual([f, summary(csvDir, f)]);
    // A process running several commands (the tests) does not carry --format over to the next one.
    expect(tableFormat().name).toBe('parquet');
    await runCli(Deals, ['--config-dir', CONFIG, '--data-dir', join(t.dir, 'none'), '--quiet']);
    expect(tableFormat().name).toBe('csv');
  });

  it('types the columns from the schemas: DATE, BIGINT, DECIMAL money, BOOLEAN, lists, nulls', async () => {
    const file = join(pqDir, 'raw', 'billing.parquet');
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    const byName = new Map(metadata.schema.map((e) => [e.name, e]));
    expect(byName.get('contract_start')).toMatchObject({type: 'INT32', converted_type: 'DATE'});
    expect(byName.get('mrr')).toMatchObject({type: 'INT64', converted_type: 'DECIMAL', scale: 2});
    const deals = await parquetMetadataAsync(await asyncBufferFromFile(join(pqDir, 'raw', 'deals.parquet')));
    expect(deals.schema.find((e) => e.name === 'close_date')).toMatchObject({type: 'INT32', repetition_type: 'OPTIONAL'});
    const raw = (await parquetReadObjects({
      file: await asyncBufferFromFile(join(pqDir, 'raw', 'companies.parquet')),
      columns: ['uses_x12', 'employees_min'],
    })) as Array<Record<string, unknown>>;
    expect(new Set(raw.map((r) => typeof r.uses_x12))).toEqual(new Set(['boolean']));
    expect(raw.some((r) => typeof r.employees_min === 'bigint')).toBe(true);
  });

  it('is read back by the stage commands (the same bytes as run) and by report (found without --format)', async () => {
    const dir = join(t.dir, 'stages');
    const e = await runCli(Enrich, [...enrichBase, '--format', 'parquet', '--data-dir', dir]);
    expect([e.exitCode, e.stderr]).toEqual([0, '']);
    for (const Cmd of [Deals, Billing, Unify]) {
      const s = await runCli(Cmd, ['--seed', '42', '--config-dir', CONFIG, '--format', 'parquet', '--data-dir', dir, '--quiet']);
      expect([Cmd.name, s.exitCode, s.stderr]).toEqual([Cmd.name, 0, '']);
    }
    const tables = filesUnder(pqDir).filter((f) => f.endsWith('.parquet'));
    expect(tables.length).toBe(DATASET_TABLES.length);
    for (const f of tables) expect([f, sha(join(dir, f))]).toEqual([f, sha(join(pqDir, f))]);
    const r = await runCli(Report, ['--config-dir', CONFIG, '--data-dir', dir, '--json']);
    const c = await runCli(Report, ['--config-dir', CONFIG, '--data-dir', csvDir, '--json']);
    expect(r.exitCode).toBe(0);
    const figures = (out: string, d: string) =>
      JSON.stringify(JSON.parse(out))
        .replaceAll(d, '<dir>')
        .replaceAll(/\.(csv|parquet)"/g, '"');
    expect(figures(r.stdout, dir)).toEqual(figures(c.stdout, csvDir));
  });

  it('opens in DuckDB: every table has its manifest rows, typed, and the keys relate', async () => {
    const db = await openDuckDb();
    if (!db) return;
    try {
      const manifest = JSON.parse(readFileSync(join(pqDir, 'manifest.json'), 'utf8')) as {files: Record<string, {rows: number}>};
      const at = (table: (typeof DATASET_TABLES)[number]) => `read_parquet('${parquetPathOf(tablePath(pqDir, table))}')`;
      for (const table of DATASET_TABLES) {
        const [{n}] = await db.rows(`SELECT count(*)::INTEGER AS n FROM ${at(table)}`);
        expect([table.name, n]).toEqual([table.name, manifest.files[parquetPathOf(tablePath(pqDir, table)).slice(pqDir.length + 1)].rows]);
      }
      const t = (name: string) => at(DATASET_TABLES.find((x) => x.name === name)!);
      const orphans = await db.rows(
        `SELECT (SELECT count(*) FROM ${t('deals')} d WHERE d.company_id NOT IN (SELECT company_id FROM ${t('companies')}))::INTEGER AS deals,
                (SELECT count(*) FROM ${t('invoices')} i WHERE i.billing_id NOT IN (SELECT billing_id FROM ${t('billing')}))::INTEGER AS invoices,
                (SELECT count(*) FROM ${t('opportunity_history')} h WHERE h.deal_id NOT IN (SELECT deal_id FROM ${t('deals')}))::INTEGER AS history`,
      );
      expect(orphans).toEqual([{deals: 0, invoices: 0, history: 0}]);
      const types = await db.rows(`SELECT typeof(contract_start) AS d, typeof(mrr) AS m, typeof(term_number) AS i FROM ${t('billing')} LIMIT 1`);
      expect(types).toEqual([{d: 'DATE', m: 'DECIMAL(18,2)', i: 'BIGINT'}]);
    } finally {
      db.close();
    }
  });

  it('a stage told csv in a Parquet folder says to give --format parquet (exit 2)', async () => {
    const r = await runCli(Billing, ['--seed', '42', '--config-dir', CONFIG, '--data-dir', pqDir, '--quiet']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/companies\.csv not found, but .*companies\.parquet is: give --format parquet/);
  });
});

describe('run --format csv,parquet', () => {
  it('writes each table in both formats: the same bytes as the CSV run and as the Parquet run, by run and by the stage commands', async () => {
    const dir = join(t.dir, 'both');
    const r = await runCli(Run, [...base, '--format', 'csv,parquet', '--data-dir', dir]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const stages = join(t.dir, 'both-stages');
    expect((await runCli(Enrich, [...enrichBase, '--format', 'parquet,csv', '--data-dir', stages])).exitCode).toBe(0);
    for (const Cmd of [Deals, Billing, Unify])
      expect((await runCli(Cmd, ['--seed', '42', '--config-dir', CONFIG, '--format', 'csv,parquet', '--data-dir', stages, '--quiet'])).exitCode).toBe(
        0,
      );
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {files: Record<string, {run: number | null}>};
    for (const table of DATASET_TABLES) {
      const csv = tablePath(dir, table);
      const pq = parquetPathOf(csv);
      expect([table.name, sha(csv)]).toEqual([table.name, sha(tablePath(csvDir, table))]);
      expect([table.name, sha(pq)]).toEqual([table.name, sha(parquetPathOf(tablePath(pqDir, table)))]);
      for (const f of [csv, pq]) {
        expect([f, manifest.files[f.slice(dir.length + 1)]?.run]).toEqual([f, 0]);
        expect([f, sha(join(stages, f.slice(dir.length + 1)))]).toEqual([f, sha(f)]);
      }
    }
  });
});

describe('a folder holds one dataset, whatever the format', () => {
  it('a run in another format removes the tables of the old one in its commit; a stage removes its own tables in the other format', async () => {
    const dir = join(t.dir, 'switch');
    expect((await runCli(Run, [...base, '--no-report', '--data-dir', dir])).exitCode).toBe(0);
    expect((await runCli(Run, [...base, '--no-report', '--format', 'parquet', '--data-dir', dir])).exitCode).toBe(0);
    expect(filesUnder(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
    const listed = (d: string) => Object.keys((JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as {files: object}).files);
    expect(listed(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
    // Both formats, then billing in CSV alone: billing's Parquet tables go (they would be an older run's).
    const both = join(t.dir, 'switch-both');
    expect((await runCli(Run, [...base, '--no-report', '--format', 'csv,parquet', '--data-dir', both])).exitCode).toBe(0);
    const b = await runCli(Billing, ['--config-dir', CONFIG, '--data-dir', both]);
    expect(b.exitCode).toBe(0);
    // Said, not done silently: what went, why, and how to keep both.
    expect(b.stderr.split('\n').filter((l) => /parquet/i.test(l))).toEqual([
      'Removed 3 Parquet copies of the tables this command wrote as CSV only (raw/billing.parquet, raw/invoices.parquet, final/arr_movements.parquet): ' +
        'they would no longer match the new tables. To keep both formats, give `--format csv,parquet`',
    ]);
    const parquet = filesUnder(both).filter((f) => f.endsWith('.parquet'));
    for (const gone of ['raw/billing.parquet', 'raw/invoices.parquet', 'final/arr_movements.parquet']) expect(parquet).not.toContain(gone);
    expect(parquet).toContain('raw/deals.parquet');
    expect(listed(both)).not.toContain('raw/billing.parquet');
    // The report of such a folder reads the CSVs (the format it holds whole), without --format.
    expect((await runCli(Report, ['--config-dir', CONFIG, '--data-dir', both, '--quiet'])).exitCode).toBe(0);
  });
});

describe('Parquet row groups', () => {
  it('end at the companies the rule picks, in every table, so the files are the same bytes on 1, 2 or 3 threads and through run --from deals', async () => {
    const env = {STEDI_GTM_ROW_GROUP_COMPANIES: '16'};
    const dirs: Record<string, string> = {};
    for (const [name, workers] of [
      ['one', '0'],
      ['two', '2'],
      ['three', '3'],
    ] as const) {
      dirs[name] = join(t.dir, `threads-${name}`);
      const r = runBuilt([BIN, 'run', ...base, '--format', 'parquet', '--no-report', '--data-dir', dirs[name]], {...env, STEDI_GTM_WORKERS: workers});
      expect([name, r.status, r.stderr]).toEqual([name, 0, '']);
    }
    const tables = filesUnder(dirs.one).filter((f) => f.endsWith('.parquet'));
    expect(tables.length).toBe(DATASET_TABLES.length);
    for (const name of ['two', 'three'])
      for (const f of tables) expect([name, f, sha(join(dirs[name], f))]).toEqual([name, f, sha(join(dirs.one, f))]);
    // Both formats at once on two threads: the same Parquet files.
    const both = join(t.dir, 'threads-both');
    const r2 = runBuilt([BIN, 'run', ...base, '--format', 'csv,parquet', '--no-report', '--data-dir', both], {...env, STEDI_GTM_WORKERS: '2'});
    expect([r2.status, r2.stderr]).toEqual([0, '']);
    for (const x of tables) expect(['both', x, sha(join(both, x))]).toEqual(['both', x, sha(join(dirs.one, x))]);
    const f = runBuilt(
      [
        BIN,
        'run',
        '--from',
        'deals',
        '--seed',
        '42',
        '--config-dir',
        CONFIG,
        '--quiet',
        '--format',
        'parquet',
        '--no-report',
        '--data-dir',
        dirs.two,
      ],
      env,
    );
    expect([f.status, f.stderr]).toEqual([0, '']);
    for (const x of tables) expect([x, sha(join(dirs.two, x))]).toEqual([x, sha(join(dirs.one, x))]);

    // Every row group of companies.parquet after the first starts at a company the rule picks (none is cut by size
    // here), and there are several.
    const file = join(dirs.one, 'raw', 'companies.parquet');
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    expect(metadata.row_groups.length).toBeGreaterThan(3);
    const keys = (await parquetReadObjects({file: buffer, metadata, columns: ['company_key']})) as Array<{company_key: string}>;
    let start = 0;
    const starts: boolean[] = [];
    for (const g of metadata.row_groups) {
      starts.push(startsRowGroup(keys[start].company_key, 16));
      start += Number(g.num_rows);
    }
    expect(starts.slice(1).every(Boolean)).toBe(true);
    // And only there: no company the rule picks is inside a group.
    const picked = keys.filter((k, i) => i > 0 && startsRowGroup(k.company_key, 16)).length;
    expect(picked).toBe(metadata.row_groups.length - 1);
  }, 300_000);
});
