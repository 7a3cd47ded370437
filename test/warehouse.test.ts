import {copyFileSync, existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs';
import {asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects} from 'hyparquet';
import {checkDataset} from '../src/io/manifest.js';
import {ParquetRowReader} from '../src/io/parquet/cursor.js';
import {join} from 'node:path';
import {parse} from 'yaml';
import Dbt from '../src/commands/dbt.js';
import Export from '../src/commands/export.js';
import Deals from '../src/commands/deals.js';
import Report from '../src/commands/report.js';
import Run from '../src/commands/run.js';
import {DBT_UNIQUE_COMBINATION, dbtSources, PRIMARY_KEYS, RELATIONS, VIEWS} from '../src/core/warehouse.js';
import {parquetColumns, sqlType} from '../src/io/parquet/schema.js';
import {DATASET_TABLES, parquetPathOf, tablePath} from '../src/io/parquet/tables.js';
import {warehouseTables} from '../src/stages/warehouse.js';
import {TableCodec} from '../src/io/table-codec.js';
import {TableCursor} from '../src/io/table-cursor.js';
import {withVocabulary} from '../src/io/table-check.js';
import {ManifestSchema} from '../src/schemas/manifest.js';
import {shippedVocabulary} from '../src/scripts/precompile-tables.js';
import {runCli, tempDir} from './helpers/cli.js';
import {openDuckDb, type TestDuckDb} from './helpers/duckdb.js';

const CONFIG = join(process.cwd(), 'config');

async function csvRows(file: string, d: (typeof DATASET_TABLES)[number]): Promise<Array<Record<string, unknown>>> {
  const codec = new TableCodec<Record<string, unknown>>(d.columns, {safeText: d.safeText});
  const cursor = await TableCursor.open(file, codec, {required: codec.columns, producedBy: 'run'});
  const rows: Array<Record<string, unknown>> = [];
  for (;;) {
    const w = cursor.advance();
    if (w) await w;
    if (cursor.row === undefined) return rows;
    rows.push(cursor.row);
  }
}

interface DbtColumn {
  name: string;
  description: string;
  data_type: string;
  data_tests?: Array<string | Record<string, Record<string, unknown>>>;
}
interface DbtTable {
  name: string;
  description: string;
  data_tests?: Array<Record<string, {combination_of_columns: string[]}>>;
  columns: DbtColumn[];
}

describe('warehouse outputs: export --duckdb and dbt', () => {
  let t: ReturnType<typeof tempDir>;
  let data: string;
  let dbFile: string;
  let db: TestDuckDb | undefined;
  beforeAll(async () => {
    t = tempDir();
    data = join(t.dir, 'data');
    const r = await runCli(Run, ['--config-dir', CONFIG, '--provider', 'rules', '--quiet', '--seed', '7', '--data-dir', data, '--no-report']);
    expect(r.exitCode).toBe(0);
    dbFile = join(data, 'final', 'gtm.duckdb');
    const e = await runCli(Export, ['--quiet', '--data-dir', data, '--duckdb', dbFile]);
    expect(e.stderr).toBe('');
    expect(e.exitCode).toBe(0);
    db = await openDuckDb(dbFile);
  }, 180_000);
  afterAll(() => {
    db?.close();
    t.cleanup();
  });

  it("the database holds every table with the CSV's row count and the schemas' types", async () => {
    if (!db) return;
    for (const d of DATASET_TABLES) {
      const [{n}] = await db.rows(`SELECT count(*)::INTEGER AS n FROM "${d.name}"`);
      expect(n).toBe((await csvRows(tablePath(data, d), d)).length);
      const cols = await db.rows(`SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = '${d.name}' ORDER BY column_index`);
      expect(cols.map((c) => [c.column_name, c.data_type])).toEqual(parquetColumns(d.columns).map((c) => [c.name, sqlType(c)]));
      // Every column carries its data dictionary text.
      for (const c of cols) expect(String(c.comment ?? '').length).toBeGreaterThan(0);
    }
  });

  it('has the primary and foreign keys, and the key relations hold', async () => {
    if (!db) return;
    const constraints = await db.rows(
      `SELECT table_name, constraint_type, constraint_column_names AS cols, referenced_table FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')`,
    );
    for (const [table, pk] of Object.entries(PRIMARY_KEYS)) {
      expect(
        constraints.some((c) => c.table_name === table && c.constraint_type === 'PRIMARY KEY' && JSON.stringify(c.cols) === JSON.stringify(pk)),
      ).toBe(true);
    }
    for (const r of RELATIONS) {
      const [{orphans}] = await db.rows(
        `SELECT count(*)::INTEGER AS orphans FROM "${r.table}" a WHERE a."${r.columns[0]}" IS NOT NULL AND a."${r.columns[0]}" <> '' AND NOT EXISTS (SELECT 1 FROM "${r.to}" b WHERE b."${r.toColumns[0]}" = a."${r.columns[0]}")`,
      );
      expect([r.table, r.columns[0], orphans]).toEqual([r.table, r.columns[0], 0]);
      if (r.table !== r.to)
        expect(constraints.some((c) => c.table_name === r.table && c.constraint_type === 'FOREIGN KEY' && c.referenced_table === r.to)).toBe(true);
    }
    // There are relations to check: deals refer to companies.
    const [{linked}] = await db.rows('SELECT count(*)::INTEGER AS linked FROM deals JOIN companies USING (company_id)');
    expect(linked).toBeGreaterThan(0);
  });

  it('the views answer: ARR at each month end is the sum of the movements up to then; win rates are shares', async () => {
    if (!db) return;
    expect((await db.rows('SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1')).map((r) => r.view_name)).toEqual(
      VIEWS.map((v) => v.name).sort(),
    );
    const months = await db.rows('SELECT month::VARCHAR AS month, ending_arr::DOUBLE AS ending_arr FROM arr_by_month ORDER BY month');
    expect(months.length).toBeGreaterThan(0);
    // Every month from the first movement's to the last's, none missing (a dashboard's x axis).
    const [{first, span}] = await db.rows(
      "SELECT strftime(min(movement_date), '%Y-%m-01') AS first, (date_diff('month', min(movement_date), max(movement_date)) + 1)::INTEGER AS span FROM arr_movements",
    );
    expect(months.length).toBe(span);
    months.forEach((m, i) => {
      const d = new Date(`${first as string}T00:00:00Z`);
      d.setUTCMonth(d.getUTCMonth() + i);
      expect(m.month).toBe(d.toISOString().slice(0, 10));
    });
    for (const m of months.filter((_, i) => i % 5 === 0)) {
      const [{arr}] = await db.rows(
        `SELECT coalesce(sum(arr_delta), 0)::DOUBLE AS arr FROM arr_movements WHERE movement_date < DATE '${m.month}' + INTERVAL 1 MONTH`,
      );
      expect(m.ending_arr).toBe(arr);
    }
    const rates = await db.rows('SELECT won::INTEGER AS won, lost::INTEGER AS lost, win_rate::DOUBLE AS win_rate FROM win_rate_by_segment_source');
    expect(rates.length).toBeGreaterThan(0);
    for (const r of rates) expect(r.win_rate as number).toBeCloseTo((r.won as number) / ((r.won as number) + (r.lost as number)), 4);
    const [{weeks}] = await db.rows('SELECT count(DISTINCT week)::INTEGER AS weeks FROM pipeline_by_stage_week');
    const [{snap}] = await db.rows('SELECT count(DISTINCT snapshot_date)::INTEGER AS snap FROM pipeline_snapshots');
    expect(weeks).toBe(snap);
  });

  it('dbt: a version 2 sources file with every table and column, whose tests all pass on the exported data', async () => {
    const out = join(t.dir, 'dbt', 'sources.yml');
    const r = await runCli(Dbt, ['--quiet', '--out', out, '--schema', 'main']);
    expect(r.exitCode).toBe(0);
    const doc = parse(readFileSync(out, 'utf8')) as {version: number; sources: Array<{name: string; schema: string; tables: DbtTable[]}>};
    expect(doc.version).toBe(2);
    expect(doc.sources).toHaveLength(1);
    const [source] = doc.sources;
    expect(source.schema).toBe('main');
    expect(source.tables.map((x) => x.name)).toEqual(DATASET_TABLES.map((d) => d.name));
    const kinds = new Set<string>();
    // The keys of several columns are tested as combinations (dbt_utils, which the header says the project needs).
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^# .*dbt_utils\.unique_combination_of_columns/m);
    expect(text).toMatch(/^# +- package: dbt-labs\/dbt_utils$/m);
    const composite = Object.entries(PRIMARY_KEYS).filter(([, pk]) => pk.length > 1);
    expect(composite.map(([name]) => name).sort()).toEqual(['opportunity_history', 'pipeline_snapshots']);
    for (const table of source.tables) {
      const pk = PRIMARY_KEYS[table.name];
      expect([table.name, table.data_tests]).toEqual([
        table.name,
        pk && pk.length > 1 ? [{[DBT_UNIQUE_COMBINATION]: {combination_of_columns: [...pk]}}] : undefined,
      ]);
      for (const test of table.data_tests ?? []) {
        const cols = test[DBT_UNIQUE_COMBINATION].combination_of_columns;
        for (const c of cols) expect(table.columns.map((x) => x.name)).toContain(c);
        kinds.add(DBT_UNIQUE_COMBINATION);
        if (!db) continue;
        // As dbt_utils compiles it: the combinations that occur more than once. None in the data, while each
        // column alone repeats (the test is about the combination, and the query finds repeats).
        const repeats = async (columns: string[]) => {
          const list = columns.map((c) => `"${c}"`).join(', ');
          const [{bad}] = await db!.rows(
            `SELECT count(*)::INTEGER AS bad FROM (SELECT ${list} FROM "${table.name}" GROUP BY ${list} HAVING count(*) > 1)`,
          );
          return bad as number;
        };
        expect([table.name, await repeats(cols)]).toEqual([table.name, 0]);
        for (const c of cols) expect([table.name, c, (await repeats([c])) > 0]).toEqual([table.name, c, true]);
        const [{n}] = await db.rows(`SELECT count(*)::INTEGER AS n FROM "${table.name}"`);
        expect(n).toBeGreaterThan(0);
      }
    }
    for (const table of source.tables) {
      const d = DATASET_TABLES.find((x) => x.name === table.name)!;
      expect(table.description.length).toBeGreaterThan(0);
      expect(table.columns.map((c) => c.name)).toEqual(d.columns.map((c) => c.name));
      for (const c of table.columns) {
        expect(c.description.length).toBeGreaterThan(0);
        for (const test of c.data_tests ?? []) {
          const kind = typeof test === 'string' ? test : Object.keys(test)[0];
          kinds.add(kind);
          if (!db) continue;
          // Each test as dbt compiles it, run on the exported database: no failing rows.
          const col = `"${c.name}"`;
          let sql: string;
          if (test === 'not_null') sql = `SELECT count(*)::INTEGER AS bad FROM "${table.name}" WHERE ${col} IS NULL`;
          else if (test === 'unique') sql = `SELECT (count(${col}) - count(DISTINCT ${col}))::INTEGER AS bad FROM "${table.name}"`;
          else if (typeof test !== 'string' && 'accepted_values' in test) {
            const values = test.accepted_values.values as string[];
            // Open vocabularies (lead sources) are those of the config the command read (the shipped one here).
            expect(values).toEqual(parquetColumns(withVocabulary(d.columns, await shippedVocabulary())).find((x) => x.name === c.name)!.values);
            sql = `SELECT count(*)::INTEGER AS bad FROM "${table.name}" WHERE ${col} IS NOT NULL AND ${col} NOT IN (${values.map((v) => `'${v}'`).join(', ')})`;
          } else if (typeof test !== 'string' && 'relationships' in test) {
            const to = /source\('stedi_gtm', '(\w+)'\)/.exec(String(test.relationships.to))![1];
            sql = `SELECT count(*)::INTEGER AS bad FROM "${table.name}" a WHERE a.${col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "${to}" b WHERE b."${String(test.relationships.field)}" = a.${col})`;
          } else throw new Error(`unexpected test ${JSON.stringify(test)}`);
          const [{bad}] = await db.rows(sql);
          expect([table.name, c.name, kind, bad]).toEqual([table.name, c.name, kind, 0]);
        }
      }
    }
    expect([...kinds].sort()).toEqual(['accepted_values', DBT_UNIQUE_COMBINATION, 'not_null', 'relationships', 'unique'].sort());
  });

  it("export --parquet writes every table, read back (ParquetRowReader) as the CSV's rows; a folder of Parquet tables exports to DuckDB alike", async () => {
    const dir = join(t.dir, 'parquet');
    const r = await runCli(Export, ['--quiet', '--data-dir', data, '--parquet', dir]);
    expect(r.exitCode).toBe(0);
    const pqData = join(t.dir, 'pqdata');
    for (const d of DATASET_TABLES) {
      const codec = new TableCodec<Record<string, unknown>>(d.columns, {safeText: d.safeText});
      const csv = await TableCursor.open(tablePath(data, d), codec, {required: codec.columns, producedBy: 'run'});
      const pq = await ParquetRowReader.open(join(dir, `${d.name}.parquet`), codec, {required: codec.columns, producedBy: 'run'});
      for (;;) {
        const [a, b] = [csv.advance(), pq.advance()];
        if (a) await a;
        if (b) await b;
        expect(pq.row).toEqual(csv.row);
        expect(pq.rowNumber).toBe(csv.rowNumber);
        if (csv.row === undefined) break;
      }
      // A data folder holding the Parquet files only.
      const target = parquetPathOf(tablePath(pqData, d));
      mkdirSync(join(target, '..'), {recursive: true});
      copyFileSync(join(dir, `${d.name}.parquet`), target);
    }
    if (!db) return;
    const other = join(t.dir, 'from-parquet.duckdb');
    const e = await runCli(Export, ['--quiet', '--data-dir', pqData, '--duckdb', other]);
    expect(e.exitCode).toBe(0);
    const db2 = await openDuckDb(other);
    try {
      for (const d of DATASET_TABLES) {
        const [{n}] = await db2!.rows(`SELECT count(*)::INTEGER AS n FROM "${d.name}"`);
        const [{m}] = await db.rows(`SELECT count(*)::INTEGER AS m FROM "${d.name}"`);
        expect([d.name, n]).toEqual([d.name, m]);
      }
      const q = 'SELECT month::VARCHAR AS month, ending_arr::DOUBLE AS arr FROM arr_by_month ORDER BY month';
      expect(await db2!.rows(q)).toEqual(await db.rows(q));
    } finally {
      db2?.close();
    }
  }, 120_000);

  it("Parquet, DuckDB and dbt agree on which columns may be NULL; an ID that is absent ('' in the CSV) is NULL in Parquet and DuckDB, never ''", async () => {
    const dir = join(t.dir, 'agree');
    expect((await runCli(Export, ['--quiet', '--data-dir', data, '--parquet', dir])).exitCode).toBe(0);
    const doc = dbtSources(await warehouseTables(CONFIG), {schema: 'main'}) as {sources: Array<{tables: DbtTable[]}>};
    let optionalIds = 0;
    for (const d of DATASET_TABLES) {
      const file = join(dir, `${d.name}.parquet`);
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
      const dbt = doc.sources[0].tables.find((x) => x.name === d.name)!;
      const duck = db
        ? await db.rows(`SELECT column_name, is_nullable FROM duckdb_columns() WHERE table_name = '${d.name}' ORDER BY column_index`)
        : undefined;
      const csv = await csvRows(tablePath(data, d), d);
      for (const [k, c] of parquetColumns(d.columns).entries()) {
        const optional = metadata.schema.find((e) => e.name === c.name)!.repetition_type === 'OPTIONAL';
        const notNullTest = (dbt.columns[k].data_tests ?? []).includes('not_null');
        expect([d.name, c.name, optional, notNullTest, duck?.[k].is_nullable ?? optional]).toEqual([
          d.name,
          c.name,
          c.nullable,
          !c.nullable,
          c.nullable,
        ]);
        const format = d.columns[k].format;
        if (format !== 'id' && format !== 'idOrEmpty') continue;
        // The raw Parquet values (nulls as nulls), and DuckDB's: as many NULLs as the CSV has empty cells, no ''.
        const raw = (await parquetReadObjects({file: await asyncBufferFromFile(file), columns: [c.name]})) as Array<Record<string, unknown>>;
        const empties = csv.filter((r) => r[c.name] === '').length;
        expect([d.name, c.name, raw.filter((r) => r[c.name] === null).length, raw.filter((r) => r[c.name] === '').length]).toEqual([
          d.name,
          c.name,
          empties,
          0,
        ]);
        if (format === 'id') expect([d.name, c.name, empties]).toEqual([d.name, c.name, 0]);
        else optionalIds += empties > 0 && empties < csv.length ? 1 : 0;
        if (!db) continue;
        const [{nulls, blank}] = await db.rows(
          `SELECT count(*) FILTER (WHERE "${c.name}" IS NULL)::INTEGER AS nulls, count(*) FILTER (WHERE "${c.name}" = '')::INTEGER AS blank FROM "${d.name}"`,
        );
        expect([d.name, c.name, nulls, blank]).toEqual([d.name, c.name, empties, 0]);
      }
    }
    // previous_deal_id (deals, unified), renews_billing_id, and unified's deal_id and billing_id: some rows have one, some not.
    expect(optionalIds).toBe(5);
  });

  it('export without --duckdb or --parquet says what it needs (exit 2)', async () => {
    const r = await runCli(Export, ['--data-dir', data]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--duckdb FILE or --parquet FOLDER/);
  });
});

describe('export into the data folder: part of its dataset', () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => {
    t = tempDir();
  });
  afterAll(() => t.cleanup());
  const run = (dir: string, seed: string, quiet = true) =>
    runCli(Run, [
      '--config-dir',
      CONFIG,
      '--provider',
      'rules',
      '--seed',
      seed,
      '--limit',
      '60',
      '--data-dir',
      dir,
      '--no-report',
      ...(quiet ? ['--quiet'] : []),
    ]);
  const manifest = (dir: string) => ManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  const exported = ['final/gtm.duckdb', ...DATASET_TABLES.map((d) => `parquet/${d.name}.parquet`)];

  it('is listed in the manifest (by export, with the tables it read); kept while those tables stay as it read them, removed with a message by the commit that changes them', async () => {
    const data = join(t.dir, 'd');
    expect((await run(data, '7')).exitCode).toBe(0);
    const e = await runCli(Export, [
      '--quiet',
      '--data-dir',
      data,
      '--duckdb',
      join(data, 'final', 'gtm.duckdb'),
      '--parquet',
      join(data, 'parquet'),
    ]);
    expect([e.exitCode, e.stderr]).toEqual([0, '']);
    const m = manifest(data);
    expect(m.runs.map((r) => r.command)).toEqual(['export', 'run']);
    expect(m.runs[0].seed).toBeNull();
    // It read every table (the CSVs here), with their SHA-256 as the manifest has them.
    const tables = DATASET_TABLES.map((d) => tablePath(data, d).slice(data.length + 1)).sort();
    expect(Object.keys(m.runs[0].reads).sort()).toEqual(tables);
    for (const f of tables) expect([f, m.runs[0].reads[f]]).toEqual([f, m.files[f].sha256]);
    for (const f of exported) expect([f, m.files[f]?.run]).toEqual([f, 0]);
    for (const d of DATASET_TABLES)
      expect([d.name, m.files[`parquet/${d.name}.parquet`].rows]).toEqual([d.name, m.files[tablePath(data, d).slice(data.length + 1)].rows]);
    expect(checkDataset(data, m)).toEqual([]);

    // The same seed again: the same tables, so the export still describes them (kept, its run kept).
    expect((await run(data, '7')).exitCode).toBe(0);
    const again = manifest(data);
    for (const f of exported) expect([f, existsSync(join(data, f)), again.runs[again.files[f]?.run ?? 0]?.command]).toEqual([f, true, 'export']);
    expect(checkDataset(data, again)).toEqual([]);

    // Another seed: other tables; the export goes in the same commit, and the command says so.
    const r = await run(data, '8', false);
    expect(r.exitCode).toBe(0);
    const removal =
      /^Removed final\/gtm\.duckdb, parquet\/ \(11 files\): `(stedi-gtm export [^`]*)` made them from tables this command changed \(they described the dataset before\); export again for this one$/m.exec(
        r.stderr,
      );
    // The command that made them, with its own arguments: it runs as printed.
    expect(removal?.[1]).toBe(`stedi-gtm export --duckdb ${join(data, 'final', 'gtm.duckdb')} --parquet ${join(data, 'parquet')} --data-dir ${data}`);
    const after = manifest(data);
    for (const f of exported) expect([f, existsSync(join(data, f)), f in after.files]).toEqual([f, false, false]);
    expect(existsSync(join(data, 'parquet'))).toBe(false);
    expect(after.runs.map((x) => x.command)).toEqual(['run']);
    expect(checkDataset(data, after)).toEqual([]);
    const again2 = await runCli(Export, ['--quiet', ...removal![1].split(' ').slice(2)]);
    expect([again2.exitCode, again2.stderr]).toEqual([0, '']);
    for (const f of exported) expect([f, existsSync(join(data, f))]).toEqual([f, true]);
    expect(manifest(data).runs[0].exported).toEqual({duckdb: 'final/gtm.duckdb', parquet: 'parquet'});
  }, 120_000);

  it('refuses (exit 2, nothing written, as report does) tables that do not belong together: billing made from other deals', async () => {
    const data = join(t.dir, 'mixed');
    expect((await run(data, '7')).exitCode).toBe(0);
    // The deals made again alone (another seed): billing.csv now describes other deals.
    expect((await runCli(Deals, ['--config-dir', CONFIG, '--quiet', '--seed', '8', '--data-dir', data])).exitCode).toBe(0);
    const report = await runCli(Report, ['--config-dir', CONFIG, '--quiet', '--data-dir', data]);
    expect(report.exitCode).toBe(2);
    const refusal = /^Error: .*billing\.csv was made from another deals\.csv.*Run `stedi-gtm billing --data-dir \S+` again$/m.exec(
      report.stderr,
    )?.[0];
    expect(refusal).toBeDefined();
    const before = readFileSync(join(data, 'manifest.json'), 'utf8');
    for (const [flag, target] of [
      ['--duckdb', join(t.dir, 'mixed.duckdb')],
      ['--parquet', join(t.dir, 'mixed-parquet')],
      ['--duckdb', join(data, 'final', 'gtm.duckdb')],
      ['--parquet', join(data, 'parquet')],
    ]) {
      const e = await runCli(Export, ['--quiet', '--data-dir', data, flag, target]);
      expect([flag, target, e.exitCode, e.stderr.trim()]).toEqual([flag, target, 2, refusal]);
      expect([target, existsSync(target)]).toEqual([target, false]);
    }
    expect(readFileSync(join(data, 'manifest.json'), 'utf8')).toBe(before);
    // Without the record of the tables' sources (a folder of an earlier version): DuckDB's foreign keys refuse
    // them; said as the user's error (exit 2) naming the table and what to run, nothing written.
    rmSync(join(data, 'interim', 'sources.json'));
    const db = join(t.dir, 'mixed.duckdb');
    const e = await runCli(Export, ['--quiet', '--data-dir', data, '--duckdb', db]);
    expect(e.exitCode).toBe(2);
    expect(e.stderr).toMatch(
      /^Error: .*raw\/billing\.csv does not fit the other tables of the dataset: loading it into the table billing, DuckDB refused it \(Constraint Error: Violates foreign key constraint.*run `stedi-gtm billing --data-dir \S+` again, or `stedi-gtm run --data-dir \S+` for the whole dataset$/m,
    );
    expect(existsSync(db)).toBe(false);
  }, 120_000);

  it("refuses (exit 2, nothing written) an export that would take the place of one of the dataset's own files, or go into a shard's folder", async () => {
    const data = join(t.dir, 'own');
    expect((await run(data, '7')).exitCode).toBe(0);
    const before = readFileSync(join(data, 'manifest.json'), 'utf8');
    for (const [flag, path, what] of [
      ['--duckdb', 'raw/deals.csv', 'raw/deals.csv'],
      ['--duckdb', 'manifest.json', 'manifest.json'],
      ['--parquet', 'raw', 'raw/companies.parquet'],
    ]) {
      const r = await runCli(Export, ['--quiet', '--data-dir', data, flag, join(data, path)]);
      expect([flag, path, r.exitCode, r.stderr]).toEqual([
        flag,
        path,
        2,
        expect.stringContaining(`${what} is a file of the dataset in --data-dir itself`),
      ]);
    }
    expect(readFileSync(join(data, 'manifest.json'), 'utf8')).toBe(before);
    expect(existsSync(join(data, 'raw', 'companies.parquet'))).toBe(false);
    // A shard's folder (merge takes it as the shard's run alone): outside it only.
    const shard = join(t.dir, 'shard');
    expect(
      (
        await runCli(Run, [
          '--config-dir',
          CONFIG,
          '--provider',
          'rules',
          '--seed',
          '7',
          '--limit',
          '60',
          '--shard',
          '1/2',
          '--data-dir',
          shard,
          '--no-report',
          '--quiet',
        ])
      ).exitCode,
    ).toBe(0);
    const r = await runCli(Export, ['--quiet', '--data-dir', shard, '--duckdb', join(shard, 'final', 'gtm.duckdb')]);
    expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('holds shard 1/2 of a sharded run')]);
    expect(existsSync(join(shard, 'final', 'gtm.duckdb'))).toBe(false);
    expect((await runCli(Export, ['--quiet', '--data-dir', shard, '--duckdb', join(t.dir, 'shard.duckdb')])).exitCode).toBe(0);
  }, 60_000);
});
