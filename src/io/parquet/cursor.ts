import type {TableColumn} from '../table-codec.js';
import {openParquetTable} from './read.js';

/**
 * Reads a Parquet table row by row, in file order, as TableCursor reads a CSV: the same surface (`advance()`,
 * then `row`, undefined at the end; `rowNumber` counting as a spreadsheet would, the header being row 1), the
 * same rows (see read.ts), one row group in memory at a time. What TableCursor adds for CSV (cells copied as
 * text, byte ranges) has no use here. For the stages and `report` to read either format.
 */
export class ParquetCursor<T extends Record<string, unknown>> {
  row: T | undefined;
  rowNumber = 1;
  private batch: T[] = [];
  private pos = 0;

  private constructor(private readonly batches: AsyncGenerator<Array<Record<string, unknown>>>) {}

  /** Opens `file` reading `columns` (a table's, or some of them); the columns missing from the file are a UserError. */
  static async open<T extends Record<string, unknown>>(file: string, columns: readonly TableColumn[], producedBy: string): Promise<ParquetCursor<T>> {
    const reader = await openParquetTable(file, columns, producedBy);
    return new ParquetCursor<T>(reader.batches());
  }

  /** Moves to the next row; a promise when the next row group must be read first. */
  advance(): void | Promise<void> {
    if (this.pos < this.batch.length) {
      this.row = this.batch[this.pos++];
      this.rowNumber++;
      return;
    }
    return this.next();
  }

  private async next(): Promise<void> {
    for (;;) {
      const r = await this.batches.next();
      if (r.done) {
        if (this.row !== undefined) this.rowNumber++;
        this.row = undefined;
        this.batch = [];
        return;
      }
      if (r.value.length === 0) continue;
      this.batch = r.value as T[];
      this.pos = 1;
      this.row = this.batch[0];
      this.rowNumber++;
      return;
    }
  }

  async close(): Promise<void> {
    await this.batches.return(undefined);
  }
}
