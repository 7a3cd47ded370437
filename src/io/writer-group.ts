import {AtomicCsvWriter} from './csv.js';
import type {Reporter} from './reporter.js';

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

  /** Adds every item (which writes its rows), reporting progress, then commits; aborts all files on error. */
  async feed<T>(items: readonly T[], add: (item: T) => void, reporter: Reporter): Promise<void> {
    try {
      for (let i = 0; i < items.length; i++) {
        add(items[i]);
        if ((i & 1023) === 0) reporter.progress(i);
      }
      await this.commit();
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  async commit(): Promise<void> {
    for (const w of this.writers) await w.commit();
  }

  async abort(): Promise<void> {
    for (const w of this.writers) await w.abort();
  }
}
