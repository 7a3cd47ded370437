import {asyncBufferFromFile, parquetMetadataAsync, parquetRead, type FileMetaData} from 'hyparquet';
import {UserError} from '../../errors.js';
import type {TableColumn} from '../table-codec.js';
import {parquetColumns, type ParquetColumn} from './schema.js';

/**
 * Reads a Parquet table written by this tool (or any Parquet file of the same columns) back as the rows the CSV
 * reader gives for its CSV (TableCodec.decode): dates as YYYY-MM-DD text, '' for the nulls that stand for ''
 * (schema.ts), numbers as numbers (null where the column is nullable), lists as arrays of text. One row group
 * at a time (hyparquet reads only that group's byte range), so memory is bounded by the largest row group.
 */
export interface ParquetTableReader {
  /** Rows in the file. */
  readonly rows: number;
  /** The file's column names, in order. */
  readonly columns: readonly string[];
  /** The rows, one row group per batch, in file order, column by column (a row is made when it is read: `row`). */
  batches(): AsyncGenerator<ColumnBatch>;
  /** Row i of a batch, as the CSV reader gives it. */
  row(batch: ColumnBatch, i: number): Record<string, unknown>;
}

/**
 * A row group's values, column by column (values[k]: those of the k-th column read). Rows are made one at a time
 * as they are read, so they die young: a group's rows made at once (hyparquet's row objects) lived until the last
 * was read, were promoted, and the report's heap grew to 500 MB at 1M companies before a full collection.
 */
export interface ColumnBatch {
  rows: number;
  values: ArrayLike<unknown>[];
}

const DAY_MS = 86_400_000;

/**
 * Opens a Parquet table. `columns`: the table's columns (src/generated/tables.ts), or the subset to read; every one
 * must be in the file (else a UserError naming the file and the columns missing, as readTable says for a CSV).
 */
export async function openParquetTable(file: string, columns: readonly TableColumn[], producedBy: string): Promise<ParquetTableReader> {
  const buffer = await asyncBufferFromFile(file);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new UserError(`${file} is not a Parquet file (${(e as Error).message}). Run \`stedi-gtm ${producedBy} --format parquet\` to write it.`);
  }
  const names = topLevelNames(metadata);
  const missing = columns.map((c) => c.name).filter((n) => !names.includes(n));
  if (missing.length > 0)
    throw new UserError(`${file} lacks the column(s) ${missing.join(', ')}. Run \`stedi-gtm ${producedBy}\` again to write it.`);
  const cols = parquetColumns(columns);
  const dates = new Map<number, string>();
  const dateFromDays = (d: number): string => {
    let s = dates.get(d);
    if (s === undefined) dates.set(d, (s = new Date(d * DAY_MS).toISOString().slice(0, 10)));
    return s;
  };
  return {
    rows: Number(metadata.num_rows),
    columns: names,
    async *batches() {
      let start = 0;
      const read = cols.map((c) => c.name);
      for (const rg of metadata.row_groups) {
        const rows = Number(rg.num_rows);
        const pieces = read.map((): Array<{at: number; data: ArrayLike<unknown>}> => []);
        await parquetRead({
          file: buffer,
          metadata,
          rowStart: start,
          rowEnd: start + rows,
          columns: read,
          parsers: {dateFromDays} as never,
          utf8: true,
          onChunk: (chunk) => pieces[read.indexOf(chunk.columnName)].push({at: chunk.rowStart - start, data: chunk.columnData}),
        });
        yield {rows, values: pieces.map((p, k) => groupColumn(p, rows, read[k], file))};
        start += rows;
      }
    },
    row: (batch, i) => decodeRow(cols, batch, i),
  };
}

/** A column's values over a group's rows, from the pieces hyparquet gave (one, usually). */
function groupColumn(pieces: Array<{at: number; data: ArrayLike<unknown>}>, rows: number, name: string, file: string): ArrayLike<unknown> {
  if (pieces.length === 1 && pieces[0].at === 0 && pieces[0].data.length === rows) return pieces[0].data;
  const out = new Array<unknown>(rows);
  let filled = 0;
  for (const p of pieces)
    for (let j = 0; j < p.data.length; j++) {
      const r = p.at + j;
      if (r >= 0 && r < rows) {
        out[r] = p.data[j];
        filled++;
      }
    }
  if (filled !== rows) throw new UserError(`${file}: column ${name} has ${filled} values in a row group of ${rows} rows`);
  return out;
}

/** Reads a whole Parquet table (tests, small tables; `openParquetTable` streams). */
export async function readParquetTable(file: string, columns: readonly TableColumn[], producedBy = 'run'): Promise<Array<Record<string, unknown>>> {
  const reader = await openParquetTable(file, columns, producedBy);
  const out: Array<Record<string, unknown>> = [];
  for await (const batch of reader.batches()) for (let i = 0; i < batch.rows; i++) out.push(reader.row(batch, i));
  return out;
}

/** The names of the root's columns (a LIST column's inner elements left out). */
function topLevelNames(metadata: FileMetaData): string[] {
  const names: string[] = [];
  const skip = (i: number): number => {
    let next = i + 1;
    for (let k = 0; k < (metadata.schema[i].num_children ?? 0); k++) next = skip(next);
    return next;
  };
  for (let i = 1; i < metadata.schema.length; i = skip(i)) names.push(metadata.schema[i].name);
  return names;
}

/** One row as the CSV decoder gives it (see the module comment). */
function decodeRow(cols: readonly ParquetColumn[], batch: ColumnBatch, i: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let k = 0; k < cols.length; k++) {
    const c = cols[k];
    const v = batch.values[k][i];
    switch (c.kind) {
      case 'text':
      case 'enum':
      case 'id':
      case 'date':
        out[c.name] = v === null || v === undefined ? '' : v;
        break;
      case 'int':
      case 'double':
        out[c.name] = v === null || v === undefined ? (c.nullable ? null : Number.NaN) : Number(v);
        break;
      case 'decimal': {
        // hyparquet 1.31 scales by multiplying by 10^-scale (inexact): round to the scale again.
        const f = 10 ** (c.scale ?? 0);
        out[c.name] = v === null || v === undefined ? (c.nullable ? null : Number.NaN) : Math.round(Number(v) * f) / f;
        break;
      }
      case 'boolean':
        out[c.name] = v === true;
        break;
      case 'list':
        out[c.name] = Array.isArray(v) ? v : [];
        break;
    }
  }
  return out;
}
