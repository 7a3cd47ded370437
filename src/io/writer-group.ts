import {AtomicCsvWriter} from './csv.js';

/**
 * Output tables written together (e.g. leads.csv and deals.csv): rows are queued without waiting, and the
 * caller awaits `flush()` only when some buffer is full, so a streaming pass pauses for slow disks without
 * paying an await per row. All files are committed (renamed into place) together, or all aborted.
 */
export class WriterGroup {
  private readonly writers: AtomicCsvWriter[] = [];
  private full = false;

  open(path: string, header: readonly string[]): AtomicCsvWriter {
    const w = new AtomicCsvWriter(path, header);
    this.writers.push(w);
    return w;
  }

  push(writer: AtomicCsvWriter, fields: readonly string[]): void {
    if (writer.push(fields)) this.full = true;
  }

  /** Whether a buffer is full: the caller should `await flush()` before queueing more. */
  get needsFlush(): boolean {
    return this.full;
  }

  async flush(): Promise<void> {
    this.full = false;
    for (const w of this.writers) await w.flush();
  }

  async commit(): Promise<void> {
    for (const w of this.writers) await w.commit();
  }

  async abort(): Promise<void> {
    for (const w of this.writers) await w.abort();
  }
}
