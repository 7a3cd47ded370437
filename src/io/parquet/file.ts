import {closeSync, mkdirSync, openSync, renameSync, rmSync} from 'node:fs';
import {dirname} from 'node:path';
import type {SchemaElement} from 'hyparquet';
import {tempPathFor} from '../atomic.js';
import {writeAll} from '../csv.js';
import type {TableColumn} from '../table-codec.js';
import {encodeRowGroup, moveRowGroup, parquetTable, ParquetAssembler, ROW_GROUP_ROWS, type EncodedRowGroup} from './encode.js';

/**
 * The writing end of a Parquet table (the lead thread's half, see encode.ts): blocks encoded anywhere
 * (encodeRowGroup, e.g. in a worker) are written in the order given, then the footer; the file is written to a
 * temporary path next to the target and renamed into place by `commit` (`abort` removes it). What a table sink
 * of the run calls per block received from the workers, and what writeParquetTable uses.
 */
export class ParquetFileWriter {
  private readonly assembler: ParquetAssembler;
  private readonly fd: number;
  private readonly tmp: string;
  private written = 0;
  /** Rows written so far. */
  rows = 0;

  constructor(
    readonly path: string,
    schema: SchemaElement[],
  ) {
    this.assembler = new ParquetAssembler(schema);
    mkdirSync(dirname(path), {recursive: true});
    this.tmp = tempPathFor(path);
    this.fd = openSync(this.tmp, 'w');
    try {
      this.put(this.assembler.start());
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Writes a block (one row group) after those written before. */
  add(block: EncodedRowGroup): void {
    this.put(this.assembler.add(block));
    this.rows += block.rows;
  }

  /** Writes the footer and puts the file in place. */
  commit(): {rows: number; bytes: number} {
    this.put(this.assembler.finish());
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    return {rows: this.rows, bytes: this.written};
  }

  /** Removes the temporary file (after a failure). */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, {force: true});
  }

  private put(bytes: Uint8Array): void {
    writeAll(this.fd, bytes, 0, bytes.length, this.path, this.written);
    this.written += bytes.length;
  }
}

export interface WriteParquetOptions {
  /** Text from outside (CodecOptions.safeText). */
  safeText?: boolean;
  /** Rows per row group (default ROW_GROUP_ROWS). */
  rowGroupRows?: number;
  /** Bytes of values per data page, about (default PAGE_BYTES; tests cut pages often). */
  pageBytes?: number;
}

/**
 * One Parquet table file written from rows on one thread (the export, `merge`, tests): the same bytes as blocks
 * encoded by workers and assembled in the same order (row groups cut at the same rows). `rows`: an iterable,
 * sync or async, of row objects (as the CSV codecs take them).
 */
export async function writeParquetTable(
  path: string,
  columns: readonly TableColumn[],
  rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  options: WriteParquetOptions = {},
): Promise<{rows: number; bytes: number}> {
  const table = parquetTable(columns, options);
  const groupRows = options.rowGroupRows ?? ROW_GROUP_ROWS;
  const file = new ParquetFileWriter(path, table.schema);
  try {
    let batch: Array<Record<string, unknown>> = [];
    for await (const row of rows) {
      batch.push(row);
      if (batch.length === groupRows) {
        file.add(encodeRowGroup(table, batch));
        batch = [];
      }
    }
    if (batch.length > 0) file.add(encodeRowGroup(table, batch));
    return file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}

/**
 * Joins Parquet files of one table (e.g. the shards' parts, in shard order) into one file without decoding
 * them: each part's row groups are copied byte for byte, their offsets moved, under one footer. The parts must
 * have the table's schema (`columns`); the result reads as their rows one after another.
 */
export async function concatParquetTables(
  path: string,
  columns: readonly TableColumn[],
  parts: readonly string[],
): Promise<{rows: number; bytes: number}> {
  const {asyncBufferFromFile, parquetMetadataAsync} = await import('hyparquet');
  const {openSync: open, readSync} = await import('node:fs');
  const table = parquetTable(columns);
  const expected = JSON.stringify(table.schema.map((e) => [e.name, e.type, e.repetition_type]));
  const file = new ParquetFileWriter(path, table.schema);
  try {
    for (const part of parts) {
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(part));
      if (JSON.stringify(metadata.schema.map((e) => [e.name, e.type, e.repetition_type])) !== expected)
        throw new Error(`${part}: not a Parquet file of this table (its columns differ)`);
      const fd = open(part, 'r');
      try {
        for (const rg of metadata.row_groups) {
          const starts = rg.columns.map((c) => c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset);
          const start = starts.reduce((a, b) => (b < a ? b : a));
          const end = rg.columns.map((c, i) => starts[i] + c.meta_data!.total_compressed_size).reduce((a, b) => (b > a ? b : a));
          const bytes = new Uint8Array(Number(end - start));
          readSync(fd, bytes, 0, bytes.length, Number(start));
          file.add({bytes, rowGroup: moveRowGroup(rg, -start), rows: Number(rg.num_rows)});
        }
      } finally {
        closeSync(fd);
      }
    }
    return file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}
