import {AtomicCsvWriter} from './csv.js';

/**
 * Output tables written together (e.g. leads.csv and deals.csv): committed (renamed into place) together,
 * or all aborted.
 */
export class WriterGroup {
  private readonly writers: AtomicCsvWriter[] = [];

  open(path: string, header: readonly string[]): AtomicCsvWriter {
    const w = new AtomicCsvWriter(path, header);
    this.writers.push(w);
    return w;
  }

  push(writer: AtomicCsvWriter, fields: readonly string[]): void {
    writer.push(fields);
  }

  async commit(): Promise<void> {
    for (const w of this.writers) await w.commit();
  }

  async abort(): Promise<void> {
    for (const w of this.writers) await w.abort();
  }
}
