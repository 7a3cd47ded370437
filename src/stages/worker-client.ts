import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {addCompanyCounts, countCompanies, type CompanyCounts} from '../core/accounts.js';
import {FatalError, UserError} from '../errors.js';
import {WorkerHandle, workerLimits, type WorkerLimits} from './worker-pool.js';
import {concatTables, removeParts} from '../io/writer-group.js';
import type {IndexInit, IndexReply, SimulationSummaries, WorkerInit, WorkerReply} from '../workers/protocol.js';
import type {RangeInput} from './enrich-range.js';
import type {ExportIndex} from './account-index.js';

type Done = Extract<WorkerReply, {type: 'done'}>;

export interface RangeWorkersResult {
  written: number;
  counts: CompanyCounts;
  providerStats: Record<string, number>;
  simulation?: SimulationSummaries;
}

const script = () => fileURLToPath(new URL('../workers/company-worker.js', import.meta.url));

/** Whether range workers can run (they need the compiled worker script: not when running from the TypeScript sources). */
export function rangeWorkersAvailable(): boolean {
  return existsSync(script());
}

/** A worker's failure as the error the command reports (exit 2 for bad input, else 1). */
const toError = (m: WorkerReply | IndexReply): Error => {
  if (m.type !== 'error') return new Error(`worker: unexpected reply ${m.type}`);
  return m.exitCode === 2 ? new UserError(m.message) : new FatalError(m.message);
};

/**
 * The range workers of the second pass. They are started early (while the first pass runs, so that loading
 * their code costs no time), each writing part k of every table, then given their ranges by run(), which
 * joins the parts in order: the tables are the same bytes as one thread reading the whole file would write.
 * On any failure (or discard()) every part is removed and the tables are left as they were.
 */
export class RangeWorkers {
  private readonly handles: Array<WorkerHandle<WorkerReply>>;
  private readonly seen: number[];
  private onProgress: (records: number) => void = () => {};

  /** inits[k] has part k. */
  constructor(private readonly inits: WorkerInit[], limits?: WorkerLimits) {
    this.seen = inits.map(() => 0);
    this.handles = inits.map(
      (init, k) =>
        new WorkerHandle<WorkerReply>(
          new Worker(script(), {workerData: init, ...(limits ? {resourceLimits: limits} : {})}),
          (message) => ({type: 'error', message, exitCode: 1}),
          (m) => {
            if (m.type !== 'progress') return false;
            this.seen[k] = m.records;
            this.onProgress(this.seen.reduce((a, b) => a + b, 0));
            return true;
          },
        ),
    );
  }

  get count(): number {
    return this.inits.length;
  }

  /** Reads ranges[k] in worker k (as many ranges as workers) and joins the parts of `tables`. */
  async run(ranges: RangeInput[], previousCustomers: string[], tables: string[], onProgress: (records: number) => void): Promise<RangeWorkersResult> {
    this.onProgress = onProgress;
    const {handles} = this;
    try {
      const ready = await Promise.all(handles.map((h) => h.next()));
      const notReady = ready.find((m) => m.type !== 'ready');
      if (notReady) throw toError(notReady);
      handles.forEach((h, k) => h.worker.postMessage({type: 'range', range: ranges[k], previousCustomers}));
      // The first failure stops everything (Promise.all rejects at once).
      const done = await Promise.all(
        handles.map(async (h) => {
          const m = await h.next();
          if (m.type !== 'done') throw toError(m);
          return m as Done;
        }),
      );
      let simulation: SimulationSummaries | undefined;
      if (done[0].states) {
        handles[0].worker.postMessage({type: 'summarize', states: done.slice(1).map((d) => d.states!)});
        const m = await handles[0].next();
        if (m.type !== 'summaries') throw toError(m);
        simulation = m.simulation;
      }
      await concatTables(tables, handles.length);
      const counts = countCompanies([]);
      const providerStats: Record<string, number> = {};
      for (const d of done) {
        addCompanyCounts(counts, d.counts);
        for (const [k, v] of Object.entries(d.providerStats)) providerStats[k] = (providerStats[k] ?? 0) + v;
      }
      return {written: done.reduce((n, d) => n + d.written, 0), counts, providerStats, simulation};
    } catch (e) {
      await this.abort(tables);
      throw e;
    } finally {
      await this.terminate();
    }
  }

  /** Stops the workers unused: their part files are removed. */
  async discard(tables: string[]): Promise<void> {
    await this.abort(tables);
    await this.terminate();
  }

  private async abort(tables: string[]): Promise<void> {
    await Promise.all(
      this.handles.map(async (h) => {
        h.worker.postMessage({type: 'abort'});
        // Wait for its answer (it removes its temporary files), unless it is gone.
        for (;;) {
          const m = await Promise.race([h.next(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
          if (!m || m.type === 'aborted' || m.type === 'error') break;
        }
      }),
    );
    for (const t of tables) removeParts(t, this.handles.length);
  }

  private async terminate(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}

/**
 * Runs the first pass (indexExport) on a thread of its own, whose memory is freed when it ends. Rejected rows
 * go to part 0 of `init.rejects`: commit with concatTables([path], 1).
 */
export async function indexInWorker(init: IndexInit, onProgress: (rows: number) => void): Promise<ExportIndex> {
  const script = fileURLToPath(new URL('../workers/index-worker.js', import.meta.url));
  const worker = new Worker(script, {workerData: init, resourceLimits: {maxYoungGenerationSizeMb: 96}});
  try {
    return await new Promise<ExportIndex>((resolve, reject) => {
      worker.on('message', (m: IndexReply) => {
        if (m.type === 'progress') onProgress(m.rows);
        else if (m.type === 'done') resolve(m.index);
        else reject(toError(m));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new FatalError(`the first pass stopped (exit code ${code})`)));
    });
  } finally {
    await worker.terminate();
  }
}
