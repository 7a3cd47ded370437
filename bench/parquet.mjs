// Parquet encoders measured on the tables of a data folder (default data/; docs/performance.md used the reference 100k-row dataset): for each table, the CPU of
// encoding its rows block by block with src/io/parquet (hyparquet-writer: what a worker would do per block), and
// the CPU of DuckDB converting the finished CSV with the schema's types (read_csv -> COPY TO parquet, one thread),
// with the bytes of both files and the CSV. Run under nice on a shared machine:
//   npm run -s build && nice -n 10 node bench/parquet.mjs [dataDir] [table ...]
import {statSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {TableCodec} from '../dist/io/table-codec.js';
import {TableCursor} from '../dist/io/table-cursor.js';
import {encodeRowGroup, parquetTable, ParquetAssembler, ROW_GROUP_ROWS} from '../dist/io/parquet/encode.js';
import {parquetColumns, sqlType} from '../dist/io/parquet/schema.js';
import {DATASET_TABLES, tablePath} from '../dist/io/parquet/tables.js';

const [dataDir = 'data', ...only] = process.argv.slice(2);
const out = join(process.env.TMPDIR ?? '/tmp', `parquet-bench-${process.pid}`);
mkdirSync(out, {recursive: true});
const cpu = (from) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const {DuckDBInstance} = await import('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:', {threads: '1', memory_limit: '256MB'});
const duck = await db.connect();
const results = [];
for (const t of DATASET_TABLES) {
  if (only.length && !only.includes(t.name)) continue;
  const csv = tablePath(dataDir, t);
  const codec = new TableCodec(t.columns, {safeText: t.safeText});
  const cursor = await TableCursor.open(csv, codec, {required: codec.columns, producedBy: 'run'});
  const table = parquetTable(t.columns, {safeText: t.safeText});
  const assembler = new ParquetAssembler(table.schema);
  let block = [];
  let rows = 0;
  let encodeMs = 0;
  let bytes = assembler.start().length;
  const flush = () => {
    const c0 = process.cpuUsage();
    bytes += assembler.add(encodeRowGroup(table, block)).length;
    encodeMs += cpu(c0);
    rows += block.length;
    block = [];
    sample();
  };
  for (;;) {
    const w = cursor.advance();
    if (w) await w;
    if (cursor.row === undefined) break;
    block.push(cursor.row);
    if (block.length === ROW_GROUP_ROWS) flush();
  }
  if (block.length) flush();
  bytes += assembler.finish().length;
  const types = `{${parquetColumns(t.columns)
    .map((c) => `'${c.name}': '${c.kind === 'list' ? 'VARCHAR' : sqlType(c)}'`)
    .join(', ')}}`;
  const c1 = process.cpuUsage();
  const file = join(out, `${t.name}.parquet`);
  await duck.run(
    `COPY (SELECT * FROM read_csv('${csv}', header = true, columns = ${types})) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`,
  );
  const duckMs = cpu(c1);
  sample();
  const r = {
    table: t.name,
    rows,
    csvMB: +(statSync(csv).size / 1e6).toFixed(1),
    hyparquetMB: +(bytes / 1e6).toFixed(1),
    duckdbMB: +(statSync(file).size / 1e6).toFixed(1),
    hyparquetEncodeCpuS: +(encodeMs / 1000).toFixed(2),
    duckdbConvertCpuS: +(duckMs / 1000).toFixed(2),
    usPerRow: +((encodeMs * 1000) / Math.max(rows, 1)).toFixed(1),
  };
  results.push(r);
  console.log(JSON.stringify(r));
}
console.log(JSON.stringify({peakRssMiB: Math.round(peak / 2 ** 20)}));
