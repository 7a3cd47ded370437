import {AtomicCsvWriter} from '../../src/io/csv.js';

/** Writes a whole table atomically (AtomicCsvWriter), returning its row count. */
export async function writeCsv(path: string, header: readonly string[], rows: Iterable<readonly string[]>): Promise<number> {
  const w = new AtomicCsvWriter(path, header);
  try {
    for (const r of rows) await w.write(r);
    await w.commit();
    return w.rows;
  } catch (e) {
    await w.abort();
    throw e;
  }
}
