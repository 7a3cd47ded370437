import {openParquetTable} from './dist/io/parquet/read.js';
import {DATASET_TABLES, tablePath, parquetPathOf} from './dist/io/parquet/tables.js';
import {parquetTable, encodeBlock} from './dist/io/parquet/encode.js';
import {takeBuilders, giveBackBuilders} from './dist/io/parquet/columns.js';
function bytesOf(o, seen = new Set()) {
  let n = 0;
  if (!o || typeof o !== 'object' || seen.has(o)) return 0;
  seen.add(o);
  if (ArrayBuffer.isView(o)) { if (!seen.has(o.buffer)) { seen.add(o.buffer); n += o.buffer.byteLength; } return n; }
  if (o instanceof Map) return 0;
  for (const v of Object.values(o)) n += bytesOf(v, seen);
  return n;
}
const dir = process.argv[2];
const only = process.argv[3];
let total = 0;
for (const d of DATASET_TABLES) {
  if (only && d.name !== only) continue;
  const file = parquetPathOf(tablePath(dir, d));
  const table = parquetTable(d.columns, {safeText: d.safeText});
  const key = {};
  const r = await openParquetTable(file, d.columns, 'run');
  let max = 0, maxRows = 0, groups = 0, perCol = null;
  for await (const b of r.batches()) {
    const bs = takeBuilders(key, table.columns, table.safeText);
    for (let i = 0; i < b.rows; i++) { const row = r.row(b, i); for (let k = 0; k < table.columns.length; k++) bs[k].add(row[table.columns[k].name]); }
    encodeBlock(table, bs, b.rows);
    giveBackBuilders(key, table.safeText, bs);
    groups++; maxRows = Math.max(maxRows, b.rows);
    if (groups % 20 === 0 || true) { const m = bytesOf(bs); if (m > max) { max = m; perCol = bs.map((x, k) => [table.columns[k].name, bytesOf(x)]).sort((a, b) => b[1] - a[1]).slice(0, 4); } }
  }
  total += max;
  console.log(d.name, 'groups', groups, 'maxRows', maxRows, 'builders MB', (max / 1e6).toFixed(1), JSON.stringify(perCol.map(([n, b]) => [n, +(b / 1e6).toFixed(2)])));
}
console.log('total MB', (total / 1e6).toFixed(1));
