import {basename} from 'node:path';
import type {ReaderOptions, RowPart, TableReader} from '../formats/registry.js';
import type {TableCodec, TableColumn} from '../table-codec.js';
import {RowChecker} from '../table-check.js';
import {openParquetTable, type ColumnBatch, type ParquetTableReader} from './read.js';
import {DATASET_TABLES} from './tables.js';

/**
 * A Parquet table as the stages read a table of any format (TableReader, see io/formats/registry.ts): the
 * codec's columns decoded as the CSV reader decodes them, the columns of `cells` as a row part (an object of their
 * values), the cells checked as io/table-check.ts checks a CSV's (their text being the values as the CSV writes
 * them), the unique column's values kept for ids().
 */
export class ParquetRowReader<T extends Record<string, unknown>> implements TableReader<T> {
  row: T | undefined;
  rowNumber = 1;
  cells: RowPart = {};
  private batch: ColumnBatch = {rows: 0, values: []};
  private pos = 0;
  private readonly text: string[];

  private constructor(
    private readonly reader: ParquetTableReader,
    private readonly batches: AsyncGenerator<ColumnBatch>,
    private readonly cellNames: readonly string[],
    private readonly checker: RowChecker | undefined,
  ) {
    this.text = new Array<string>(checker?.columns.length ?? 0);
  }

  static async open<T extends Record<string, unknown>>(path: string, codec: TableCodec<T>, opts: ReaderOptions): Promise<ParquetRowReader<T>> {
    const all = tableColumnsOf(path) ?? codec.table;
    const byName = new Map(all.map((c) => [c.name, c]));
    const checked = opts.check
      ? opts.check.all
        ? opts.check.table
        : opts.check.table.filter((c) => codec.columns.includes(c.name) || opts.cells?.includes(c.name))
      : [];
    const wanted = new Set([...opts.required, ...codec.columns, ...(opts.cells ?? []), ...checked.map((c) => c.name)]);
    const columns = [...wanted].map((n) => byName.get(n) ?? codec.table.find((c) => c.name === n)).filter((c): c is TableColumn => c !== undefined);
    const reader = await openParquetTable(path, columns, opts.producedBy);
    const checker = checked.length > 0 ? new RowChecker(path, checked, opts.producedBy, opts.check?.unique) : undefined;
    return new ParquetRowReader<T>(reader, reader.batches(), opts.cells ?? [], checker);
  }

  advance(): void | Promise<void> {
    if (this.pos < this.batch.rows) return this.take(this.reader.row(this.batch, this.pos++));
    return this.next();
  }

  private async next(): Promise<void> {
    for (;;) {
      const r = await this.batches.next();
      if (r.done) {
        if (this.row !== undefined) this.rowNumber++;
        this.row = undefined;
        this.batch = {rows: 0, values: []};
        return;
      }
      if (r.value.rows === 0) continue;
      this.batch = r.value;
      this.pos = 1;
      return this.take(this.reader.row(this.batch, 0));
    }
  }

  private take(r: Record<string, unknown>): void {
    this.rowNumber++;
    const c = this.checker;
    if (c) {
      const text = this.text;
      for (let k = 0; k < c.columns.length; k++) text[k] = cellText(r[c.columns[k].name]);
      c.check(text, this.rowNumber);
    }
    if (this.cellNames.length > 0) {
      const part: Record<string, unknown> = {};
      for (const n of this.cellNames) part[n] = r[n];
      this.cells = part;
    }
    this.row = r as T;
  }

  estimatedRows(): number {
    return this.reader.rows;
  }

  ids(): BigUint64Array {
    return this.checker?.ids() ?? new BigUint64Array(0);
  }

  async close(): Promise<void> {
    await this.batches.return(undefined);
  }
}

/** A value as the CSV writes its cell (what io/table-check.ts checks). */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return String(v);
}

/** The columns of the dataset's table that a file is (by its name), if it is one. */
function tableColumnsOf(path: string): readonly TableColumn[] | undefined {
  const name = basename(path).replace(/\.[^.]+$/, '');
  return DATASET_TABLES.find((t) => t.name === name)?.columns;
}
