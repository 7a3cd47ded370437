import {closeSync, mkdirSync, openSync, renameSync, rmSync} from 'node:fs';
import {dirname} from 'node:path';
import {tempPathFor} from '../atomic.js';
import {writeAll} from '../csv.js';
import type {TableColumn} from '../table-codec.js';
import {encodeRowGroup, parquetTable, ParquetAssembler, ROW_GROUP_ROWS, type EncodedRowGroup} from './encode.js';

/**
 * One Parquet table file written from rows on one thread (the export, `merge`, tests): the same bytes as
 * blocks encoded by workers and assembled in the same order (the row groups cut at the same rows). Atomic: a
 * temporary file next to the target, then a rename.
 */
export interface WriteParquetOptions {
  /** Text from outside (CodecOptions.safeText). */
  safeText?: boolean;
  /** Rows per row group (default ROW_GROUP_ROWS). */
  rowGroupRows?: number;
}

/** Writes `rows` (an iterable, sync or async, of row objects or of batches of them) to `path` as Parquet. */
export async function writeParquetTable(
  path: string,
  columns: readonly TableColumn[],
  rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  options: WriteParquetOptions = {},
): Promise<{rows: number; bytes: number}> {
  const table = parquetTable(columns, options);
  const groupRows = options.rowGroupRows ?? ROW_GROUP_ROWS;
  const assembler = new ParquetAssembler(table.schema);
  mkdirSync(dirname(path), {recursive: true});
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w');
  let written = 0;
  let count = 0;
  const put = (bytes: Uint8Array): void => {
    writeAll(fd, bytes, 0, bytes.length, path, written);
    written += bytes.length;
  };
  const flush = (block: EncodedRowGroup): void => put(assembler.add(block));
  try {
    put(assembler.start());
    let batch: Array<Record<string, unknown>> = [];
    for await (const row of rows) {
      batch.push(row);
      if (batch.length === groupRows) {
        flush(encodeRowGroup(table, batch));
        count += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) flush(encodeRowGroup(table, batch));
    count += batch.length;
    put(assembler.finish());
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, {force: true});
    throw e;
  }
  return {rows: count, bytes: written};
}
