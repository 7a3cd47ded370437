import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import Run from '../src/commands/run.js';
import {TableCodec, type TableColumn} from '../src/io/table-codec.js';
import {TableCursor} from '../src/io/table-cursor.js';
import {asyncBufferFromFile, parquetMetadataAsync, type RowGroup, type SchemaElement} from 'hyparquet';
import {encodeRowGroup, parquetTable, ParquetAssembler} from '../src/io/parquet/encode.js';
import {readParquetTable} from '../src/io/parquet/read.js';
import {concatParquetTables, writeParquetTable} from '../src/io/parquet/file.js';
import {sqlType, parquetColumns} from '../src/io/parquet/schema.js';
import {DATASET_TABLES, parquetPathOf, tablePath} from '../src/io/parquet/tables.js';
import {tableSchemas} from '../src/schemas/tables.js';
import {shippedVocabulary} from '../src/scripts/precompile-tables.js';
import {tableColumns} from '../src/schemas/columns.js';
import {runCli, tempDir} from './helpers/cli.js';
import {openDuckDb} from './helpers/duckdb.js';

const CONFIG = join(process.cwd(), 'config');

/** The rows the CSV reader gives for a table (every column decoded, as the stages decode them). */
async function csvRows(file: string, columns: readonly TableColumn[], safeText: boolean): Promise<Array<Record<string, unknown>>> {
  const codec = new TableCodec<Record<string, unknown>>(columns, {safeText});
  const cursor = await TableCursor.open(file, codec, {required: codec.columns, producedBy: 'run'});
  const out: Array<Record<string, unknown>> = [];
  for (;;) {
    const w = cursor.advance();
    if (w) await w;
    if (cursor.row === undefined) break;
    out.push(cursor.row);
  }
  return out;
}

describe('Parquet tables', () => {
  let t: ReturnType<typeof tempDir>;
  let data: string;
  beforeAll(async () => {
    t = tempDir();
    data = join(t.dir, 'data');
    const r = await runCli(Run, ['--config-dir', CONFIG, '--provider', 'rules', '--quiet', '--seed', '42', '--data-dir', data, '--no-report']);
    expect(r.exitCode).toBe(0);
  }, 120_000);
  afterAll(() => t.cleanup());

  it('DATASET_TABLES names the tables of TABLES, with the columns read off their zod schemas', async () => {
    const TABLES = tableSchemas(await shippedVocabulary());
    expect(DATASET_TABLES.map((d) => d.file)).toEqual(TABLES.map((d) => d.file));
    for (const [i, d] of DATASET_TABLES.entries()) expect(d.columns).toEqual(tableColumns(TABLES[i].schema));
  });

  it('every table read back from Parquet gives the rows its CSV gives (small row groups: several per table)', async () => {
    for (const d of DATASET_TABLES) {
      const csv = tablePath(data, d);
      const rows = await csvRows(csv, d.columns, d.safeText);
      const pq = join(t.dir, 'pq', `${d.name}.parquet`);
      const w = await writeParquetTable(pq, d.columns, rows, {safeText: d.safeText, rowGroupRows: 1000});
      expect(w.rows).toBe(rows.length);
      const back = await readParquetTable(pq, d.columns);
      expect(back.length).toBe(rows.length);
      expect(back).toEqual(rows);
    }
  }, 120_000);

  it("blocks encoded separately and assembled in order are the same file as one writer (the workers' way)", async () => {
    const d = DATASET_TABLES.find((x) => x.name === 'deals')!;
    const rows = await csvRows(tablePath(data, d), d.columns, false);
    const table = parquetTable(d.columns);
    const a = new ParquetAssembler(table.schema);
    const parts: Uint8Array[] = [a.start()];
    for (let i = 0; i < rows.length; i += 100) {
      // Through structured clone, as the metadata crosses postMessage.
      parts.push(a.add(structuredClone(encodeRowGroup(table, rows.slice(i, i + 100)))));
    }
    parts.push(a.finish());
    const one = join(t.dir, 'one.parquet');
    await writeParquetTable(one, d.columns, rows, {rowGroupRows: 100});
    const {readFileSync, writeFileSync} = await import('node:fs');
    const assembled = Buffer.concat(parts);
    expect(assembled.equals(readFileSync(one))).toBe(true);
    const two = join(t.dir, 'two.parquet');
    writeFileSync(two, assembled);
    expect(await readParquetTable(two, d.columns)).toEqual(rows);
  });

  it("the footer made from row groups kept as Thrift bytes is hyparquet-writer's, byte for byte, wherever the blocks land", async () => {
    const {ByteWriter, ParquetWriter} = await import('hyparquet-writer');
    const {rowGroupBytes, writeFooter} = await import('../src/io/parquet/footer.js');
    const {moveRowGroup, schemaLeaves} = await import('../src/io/parquet/encode.js');
    // hyparquet-writer's footer, given the row groups as objects (what was written before footer.ts).
    const theirs = (schema: SchemaElement[], groups: RowGroup[], rows: bigint): Buffer => {
      const writer = new ByteWriter(1 << 16);
      const w = new ParquetWriter({writer, schema, createdBy: 'stedi-gtm (hyparquet-writer)'});
      w.row_groups = groups;
      w.num_rows = rows;
      void w.finish();
      return Buffer.from(writer.getBytes().slice(4));
    };
    // Every table: text, IDs, enums, dates, integers, amounts, doubles, booleans, lists, nulls, statistics of each.
    const blocks: Array<{schema: SchemaElement[]; leaves: SchemaElement[]; groups: ReturnType<typeof encodeRowGroup>[]}> = [];
    for (const d of DATASET_TABLES) {
      const rows = await csvRows(tablePath(data, d), d.columns, d.safeText);
      const table = parquetTable(d.columns, {safeText: d.safeText});
      const groups = [];
      for (let i = 0; i < rows.length; i += 97) groups.push(encodeRowGroup(table, rows.slice(i, i + 97)));
      blocks.push({schema: table.schema, leaves: schemaLeaves(table.schema), groups});
    }
    await fc.assert(
      fc.asyncProperty(
        fc.nat(blocks.length - 1),
        fc.nat(40),
        // Where the first block lands, and the gaps after each: offsets past 2^32 take longer varints.
        fc.oneof(fc.nat(1000), fc.integer({min: 2 ** 32 - 100, max: 2 ** 50})),
        fc.array(fc.nat(1 << 20), {minLength: 1, maxLength: 8}),
        async (which, take, first, gaps) => {
          const {schema, leaves, groups} = blocks[which];
          const some = groups.slice(0, take);
          let at = first;
          const placed = some.map((g, k) => {
            const p = {group: structuredClone(rowGroupBytes(g.rowGroup, leaves)), at};
            at += g.bytes.length + gaps[k % gaps.length];
            return p;
          });
          const rows = BigInt(some.reduce((n, g) => n + g.rows, 0));
          const moved = some.map((g, k) => moveRowGroup(g.rowGroup, BigInt(placed[k].at)));
          expect(Buffer.from(writeFooter(schema, placed, rows)).equals(theirs(schema, moved, rows))).toBe(true);
        },
      ),
      {numRuns: 60},
    );
  });

  it('parts joined without decoding (concatParquetTables) read as their rows in order, in hyparquet and DuckDB', async () => {
    const d = DATASET_TABLES.find((x) => x.name === 'invoices')!;
    const rows = await csvRows(tablePath(data, d), d.columns, false);
    const cut = [0, Math.floor(rows.length / 3), Math.floor(rows.length / 2), rows.length];
    const parts: string[] = [];
    for (let i = 0; i < 3; i++) {
      parts.push(join(t.dir, 'parts', `p${i}.parquet`));
      await writeParquetTable(parts[i], d.columns, rows.slice(cut[i], cut[i + 1]), {rowGroupRows: 10});
    }
    const joined = join(t.dir, 'parts', 'all.parquet');
    const w = await concatParquetTables(joined, d.columns, parts);
    expect(w.rows).toBe(rows.length);
    expect(await readParquetTable(joined, d.columns)).toEqual(rows);
    const db = await openDuckDb();
    if (!db) return;
    try {
      const got = await db.rows(
        `SELECT invoice_id, amount::VARCHAR AS amount, strftime(due_date, '%Y-%m-%d') AS due_date FROM read_parquet('${joined}')`,
      );
      expect(got.map((r) => [r.invoice_id, Number(r.amount), r.due_date])).toEqual(rows.map((r) => [r.invoice_id, r.amount, r.due_date]));
    } finally {
      db.close();
    }
    // A part of another table is refused.
    const other = join(t.dir, 'parts', 'reps.parquet');
    const reps = DATASET_TABLES.find((x) => x.name === 'reps')!;
    await writeParquetTable(other, reps.columns, await csvRows(tablePath(data, reps), reps.columns, false));
    await expect(concatParquetTables(join(t.dir, 'parts', 'bad.parquet'), d.columns, [parts[0], other])).rejects.toThrow(/columns differ/);
  });

  it('any rows of a table survive the trip (property: texts with separators, control characters, empty lists)', async () => {
    const columns: TableColumn[] = [
      {name: 'id', kind: 'string', nullable: false, plain: true, format: 'id'},
      {name: 'note', kind: 'string', nullable: false, plain: false},
      {name: 'tags', kind: 'list', nullable: false, plain: false},
      {name: 'day', kind: 'string', nullable: false, plain: true, format: 'dateOrEmpty'},
      {name: 'n', kind: 'number', nullable: true, plain: false, int: true},
      {name: 'amount', kind: 'number', nullable: false, plain: false, scale: 2},
      {name: 'kind', kind: 'string', nullable: false, plain: true, values: ['a', 'b', '']},
      {name: 'ok', kind: 'boolean', nullable: false, plain: false},
    ];
    const dir = join(t.dir, 'prop');
    mkdirSync(dir, {recursive: true});
    const row = fc.record({
      id: fc.stringMatching(/^co_[0-9a-f]{16}$/),
      note: fc.string({unit: 'binary'}),
      tags: fc.array(fc.string()),
      day: fc.oneof(
        fc.constant(''),
        fc.date({min: new Date('1990-01-01'), max: new Date('2090-12-31'), noInvalidDate: true}).map((x) => x.toISOString().slice(0, 10)),
      ),
      n: fc.option(fc.integer({min: -(2 ** 40), max: 2 ** 40})),
      amount: fc.integer({min: -1e9, max: 1e9}).map((c) => c / 100),
      kind: fc.constantFrom('a', 'b', ''),
      ok: fc.boolean(),
    });
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, {maxLength: 40}), async (rows) => {
        const csvFile = join(dir, `t${k}.csv`);
        const pqFile = join(dir, `t${k++}.parquet`);
        // The CSV's rows: written and read by the codec (safeText), as the stages do.
        const codec = new TableCodec<Record<string, unknown>>(columns, {safeText: true});
        const {writeFileSync} = await import('node:fs');
        writeFileSync(csvFile, `${codec.columns.join(',')}\n${rows.map((r) => codec.line(r)).join('')}`);
        const viaCsv = await csvRows(csvFile, columns, true);
        await writeParquetTable(pqFile, columns, rows, {safeText: true, rowGroupRows: 7});
        expect(await readParquetTable(pqFile, columns)).toEqual(viaCsv);
      }),
      {numRuns: 40},
    );
  });

  it('pages cut after any row read back: any UTF-16 text, nulls, lists, integers, amounts, dates (property, tiny pages)', async () => {
    const columns: TableColumn[] = [
      {name: 'id', kind: 'string', nullable: true, plain: true, format: 'id'},
      {name: 'note', kind: 'string', nullable: false, plain: false},
      {name: 'tags', kind: 'list', nullable: false, plain: false},
      {name: 'day', kind: 'string', nullable: false, plain: true, format: 'dateOrEmpty'},
      {name: 'n', kind: 'number', nullable: true, plain: false, int: true},
      {name: 'amount', kind: 'number', nullable: false, plain: false, scale: 2},
      {name: 'p', kind: 'number', nullable: true, plain: false},
      {name: 'kind', kind: 'string', nullable: false, plain: true, values: ['a', 'b', 'é', '\u{1F600}', '']},
      {name: 'ok', kind: 'boolean', nullable: true, plain: false},
    ];
    const dir = join(t.dir, 'pages');
    mkdirSync(dir, {recursive: true});
    // Lone surrogates are written as U+FFFD (as TextEncoder does): that is what a reader gives back.
    const utf8 = (s: string): string => new TextDecoder().decode(new TextEncoder().encode(s));
    const row = fc.record({
      id: fc.oneof(fc.constant(null), fc.string({unit: 'binary', minLength: 1, maxLength: 30})),
      note: fc.oneof(fc.constantFrom('x', 'same'), fc.string({unit: 'binary', maxLength: 80})),
      tags: fc.array(fc.oneof(fc.constantFrom('270', '271'), fc.string({unit: 'binary', minLength: 1, maxLength: 12})), {maxLength: 4}),
      day: fc.oneof(
        fc.constant(''),
        fc.integer({min: -30_000, max: 60_000}).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10)),
      ),
      n: fc.option(fc.oneof(fc.constantFrom(0, -1, 2 ** 32, -(2 ** 32)), fc.maxSafeInteger(), fc.integer({min: -(2 ** 53) + 1, max: 0}))),
      amount: fc.oneof(
        fc.constantFrom(0, -0.01, 21_474_836.48),
        fc.integer({min: -1e15, max: 1e15}).map((c) => c / 100),
      ),
      p: fc.option(fc.oneof(fc.constantFrom(0.1, 0.5), fc.double({noNaN: true, noDefaultInfinity: true}))),
      kind: fc.constantFrom('a', 'b', 'é', '\u{1F600}', ''),
      ok: fc.option(fc.boolean()),
    });
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, {minLength: 1, maxLength: 120}),
        fc.integer({min: 1, max: 400}),
        fc.integer({min: 1, max: 60}),
        async (rows, pageBytes, groupRows) => {
          const file = join(dir, `t${k++}.parquet`);
          await writeParquetTable(file, columns, rows, {rowGroupRows: groupRows, pageBytes});
          const back = await readParquetTable(file, columns);
          expect(back).toEqual(
            rows.map((r) => ({
              ...r,
              id: r.id === null ? '' : utf8(r.id),
              note: utf8(r.note),
              tags: r.tags.map(utf8),
              // -0 is 0 as a decimal
              amount: r.amount === 0 ? 0 : r.amount,
              // The reader gives false for a null boolean, as the CSV reader does.
              ok: r.ok === true,
            })),
          );
          // Small pages were cut: the text columns of a group with a lot of text have more than one data page.
          const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
          const textBytes = rows.slice(0, groupRows).reduce((a, r) => a + 4 + r.note.length, 0);
          const note = meta.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === 'note')!.meta_data!;
          const isDictionary = note.encodings.includes('RLE_DICTIONARY');
          const pages = note.encoding_stats!.find((e) => e.page_type === 'DATA_PAGE_V2')!.count;
          if (!isDictionary && textBytes >= 2 * pageBytes + 400) expect(pages).toBeGreaterThan(1);
        },
      ),
      {numRuns: 60},
    );
  });

  it('row groups carry the minimum, maximum and nulls of their typed columns (what readers prune with); enums have a dictionary, IDs none', async () => {
    const d = DATASET_TABLES.find((x) => x.name === 'deals')!;
    const rows = await csvRows(tablePath(data, d), d.columns, d.safeText);
    const pq = join(t.dir, 'stats', 'deals.parquet');
    await writeParquetTable(pq, d.columns, rows, {rowGroupRows: 37});
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(pq));
    const cols = parquetColumns(d.columns);
    let checked = 0;
    for (const [g, group] of meta.row_groups.entries()) {
      const part = rows.slice(g * 37, (g + 1) * 37);
      for (const c of cols) {
        const chunk = group.columns.find((x) => x.meta_data?.path_in_schema[0] === c.name)!.meta_data!;
        const values = part.map((r) => r[c.name]).filter((v) => v !== null && v !== undefined && v !== '');
        // Enums always get a dictionary, IDs (unique) never.
        if (c.kind === 'enum' && values.length > 0) expect(chunk.encodings).toContain('RLE_DICTIONARY');
        if (c.kind === 'id') expect(chunk.encodings).not.toContain('RLE_DICTIONARY');
        if (c.kind === 'text' || c.kind === 'id' || c.kind === 'list') {
          expect(chunk.statistics).toBeUndefined();
          continue;
        }
        expect(Number(chunk.statistics!.null_count)).toBe(part.length - values.length);
        if (values.length === 0) continue;
        const sorted = [...(values as (string | number | boolean)[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const shown = (v: unknown): unknown =>
          // (a zero minimum is -0, Parquet's rule for signed zeros)
          v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'bigint' ? Number(v) : v === 0 ? 0 : v;
        const [min, max] = [shown(chunk.statistics!.min_value), shown(chunk.statistics!.max_value)];
        if (c.kind === 'enum') {
          // Text bounds are cut to 16 bytes (the maximum rounded up): a prefix of the minimum, at least the maximum.
          expect(String(sorted[0]).startsWith(String(min))).toBe(true);
          expect(String(max) >= String(sorted.at(-1)) && String(max).length <= 16).toBe(true);
        } else
          expect([min, max]).toEqual(
            c.kind === 'decimal' ? [Math.round(Number(sorted[0]) * 100), Math.round(Number(sorted.at(-1)) * 100)] : [sorted[0], sorted.at(-1)],
          );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(meta.row_groups.length * 5);
  });

  it('free text and lists get a dictionary where it pays: few distinct values, not unique ones', async () => {
    const columns: TableColumn[] = [
      {name: 'few', kind: 'string', nullable: false, plain: false},
      {name: 'unique', kind: 'string', nullable: false, plain: false},
      {name: 'tags', kind: 'list', nullable: false, plain: false},
      {name: 'late', kind: 'string', nullable: false, plain: false},
    ];
    // 'late': repeated for its first 500 rows, then unique: a dictionary given up half-way reads back all the same.
    const rows = Array.from({length: 2000}, (_, i) => ({
      few: ['Healthcare', 'Insurance', 'Software'][i % 3],
      unique: `company number ${i} of a long list`,
      tags: i % 2 ? ['270', '271'] : ['837P'],
      late: i < 500 ? 'same' : `value ${i}`,
    }));
    const file = join(t.dir, 'dict.parquet');
    await writeParquetTable(file, columns, rows);
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
    const dictionary = (name: string): boolean =>
      meta.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === name)!.meta_data!.encodings.includes('RLE_DICTIONARY');
    expect([dictionary('few'), dictionary('unique'), dictionary('tags'), dictionary('late')]).toEqual([true, false, true, false]);
    expect(await readParquetTable(file, columns)).toEqual(rows);
  });

  it('builders given back are handed out again reset: a later block holds only its own rows', async () => {
    const {takeBuilders, giveBackBuilders} = await import('../src/io/parquet/columns.js');
    const {encodeBlock} = await import('../src/io/parquet/encode.js');
    const d = DATASET_TABLES.find((x) => x.name === 'deals')!;
    const rows = await csvRows(tablePath(data, d), d.columns, d.safeText);
    const table = parquetTable(d.columns, {safeText: d.safeText});
    const key = {};
    const first = takeBuilders(key, table.columns, table.safeText);
    for (const [k, c] of table.columns.entries()) for (const r of rows.slice(0, 50)) first[k].add(r[c.name]);
    giveBackBuilders(key, table.safeText, first);
    const again = takeBuilders(key, table.columns, table.safeText);
    expect(again).toBe(first);
    const part = rows.slice(50, 60);
    for (const [k, c] of table.columns.entries()) for (const r of part) again[k].add(r[c.name]);
    const file = join(t.dir, 'pool.parquet');
    const assembler = new ParquetAssembler(table.schema);
    const {writeFileSync} = await import('node:fs');
    const block = encodeBlock(table, again, part.length);
    writeFileSync(file, Buffer.concat([assembler.start(), assembler.add(block), assembler.finish()]));
    expect(await readParquetTable(file, d.columns)).toEqual(part);
  });

  it('DuckDB opens the Parquet files with the types of the schemas and their row counts', async () => {
    const db = await openDuckDb();
    if (!db) return;
    try {
      for (const d of DATASET_TABLES) {
        const csv = tablePath(data, d);
        const rows = await csvRows(csv, d.columns, d.safeText);
        const pq = parquetPathOf(join(t.dir, 'duck', `${d.name}.csv`));
        await writeParquetTable(pq, d.columns, rows, {safeText: d.safeText, rowGroupRows: 500});
        const types = await db.rows(`DESCRIBE SELECT * FROM read_parquet('${pq}')`);
        expect(types.map((r) => [r.column_name, r.column_type])).toEqual(parquetColumns(d.columns).map((c) => [c.name, sqlType(c)]));
        const [{n}] = await db.rows(`SELECT count(*)::INTEGER AS n FROM read_parquet('${pq}')`);
        expect(n).toBe(rows.length);
      }
      // A value of each typed kind as DuckDB reads it.
      const inv = join(t.dir, 'duck', 'invoices.parquet');
      const csvInv = await csvRows(
        tablePath(
          data,
          DATASET_TABLES.find((x) => x.name === 'invoices')!,
        ),
        DATASET_TABLES.find((x) => x.name === 'invoices')!.columns,
        false,
      );
      const [first] = await db.rows(
        `SELECT invoice_id, strftime(period_start, '%Y-%m-%d') AS period_start, amount::VARCHAR AS amount, period_months FROM read_parquet('${inv}') LIMIT 1`,
      );
      expect(first.invoice_id).toBe(csvInv[0].invoice_id);
      expect(first.period_start).toBe(csvInv[0].period_start);
      expect(Number(first.amount)).toBe(csvInv[0].amount);
      expect(Number(first.period_months)).toBe(csvInv[0].period_months);
    } finally {
      db.close();
    }
  }, 120_000);
});

describe('--format values', () => {
  it('accepts csv, parquet and both in any order (read back as Parquet); refuses anything else with exit code 2', async () => {
    const {chooseFormat, extraFormats, tableFormat, useFormat} = await import('../src/io/formats/index.js');
    try {
      const names = async (v: string) => {
        await chooseFormat(v);
        return [tableFormat().name, ...extraFormats().map((f) => f.name)];
      };
      expect(await names('csv')).toEqual(['csv']);
      expect(await names('parquet')).toEqual(['parquet']);
      expect(await names('csv, parquet')).toEqual(['parquet', 'csv']);
      expect(await names('PARQUET,csv')).toEqual(['parquet', 'csv']);
      for (const bad of ['', 'json', 'csv,csv', 'csv,,parquet']) await expect(chooseFormat(bad)).rejects.toMatchObject({exitCode: 2});
    } finally {
      useFormat('csv');
    }
  });
});
