import {appendFileSync, existsSync} from 'node:fs';
import {stat} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {addCompanyCounts, countCompanies, type CompanyCounts} from '../core/accounts.js';
import {newTextCellStats, type TextCellStats} from '../core/text-cells.js';
import {FatalError, UserError} from '../errors.js';
import {blockReturner, PieceQueue, startWorker, WORKER_YOUNG_MB, WorkerHandle, type WorkerLimits} from './worker-pool.js';
import {OrderedTables, partPath, removePart} from '../io/writer-group.js';
import {planChunks} from '../io/csv-chunks.js';
import {tableFormat} from '../io/formats/index.js';
import {rejectCodec} from '../stages/codecs.js';
import type {IndexInit, IndexReply, SimulationSummaries, WorkerInit, WorkerReply} from './protocol.js';
import type {SimulationStates} from '../stages/simulate.js';
import {CompanyDigest, FigureBuilder} from '../core/report/figures.js';
import {DEAL_STAGES} from '../core/vocabulary.js';
import type {RangeInput} from './enrich-range.js';
import {headerIndex, joinIndexes, type ExportIndex, type PartPlan} from '../stages/account-index.js';

export interface RangeWorkersResult {
  /** Settles when the tables renamed in the background (see run) are in place. */
  renamed: Promise<void>;
  written: number;
  counts: CompanyCounts;
  /** What the text cells of companies.csv held (see TableCodec.textStats). */
  text: TextCellStats;
  providerStats: Record<string, number>;
  simulation?: SimulationSummaries;
}

const script = () => fileURLToPath(new URL('./company-worker.js', import.meta.url));

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
 * The range workers of the second pass. They are started after the first pass (see enrich/run.ts), then given
 * the ranges by run(), one at a time to whichever is free; they stream
 * the tables' blocks back and this thread writes them in range order (OrderedTables): the tables are the same
 * bytes as one thread reading the whole file would write, and no part is copied afterwards. On any failure
 * (or discard()) the tables are left as they were.
 */
/** How long a worker told to abort may take to answer before it is terminated anyway. */
const ABORT_WAIT_MS = 5000;

export class RangeWorkers {
  private readonly handles: Array<WorkerHandle<WorkerReply>>;
  private readonly seen: number[];
  private onProgress: (records: number) => void = () => {};
  private tables: OrderedTables | undefined;

  constructor(
    private readonly inits: WorkerInit[],
    limits?: WorkerLimits,
  ) {
    this.seen = inits.map(() => 0);
    this.handles = inits.map((init, k) => {
      const worker = startWorker(script(), init, limits ?? {});
      // Written, a block goes back to the worker for its next rows.
      const back = blockReturner(worker);
      return new WorkerHandle<WorkerReply>(
        worker,
        (message, exitCode = 1) => ({type: 'error', message, exitCode}),
        (m) => {
          if (m.type === 'bytes') {
            this.tables?.add(m.index, m.path, m.bytes, m.rows, back, m.meta);
            return true;
          }
          if (m.type !== 'progress') return false;
          this.seen[k] = m.records;
          this.onProgress(this.seen.reduce((a, b) => a + b, 0));
          return true;
        },
      );
    });
  }

  get count(): number {
    return this.inits.length;
  }

  /**
   * Reads the ranges (range(k) makes the input of range k, when it is handed out) and writes `tables.all`,
   * those of `tables.background` renamed into place in the background (see OrderedTables.commit and the
   * result's `renamed`). A range is handed out only while it is fewer than `ahead` ranges after the first
   * unfinished one, which bounds the blocks held for later ranges.
   */
  async run(
    count: number,
    range: (k: number) => RangeInput,
    previousCustomers: string[],
    tables: {all: string[]; background?: string[]},
    onProgress: (records: number) => void,
    ahead = 2 * this.count,
  ): Promise<RangeWorkersResult> {
    this.onProgress = onProgress;
    const {handles} = this;
    let out: OrderedTables | undefined;
    try {
      const ready = await Promise.all(handles.map((h) => h.next()));
      const notReady = ready.find((m) => m.type !== 'ready');
      if (notReady) throw toError(notReady);
      out = this.tables = new OrderedTables(tables.all);
      const ordered = out;
      const states: Array<SimulationStates | undefined> = new Array(count);
      const rangeCounts: CompanyCounts[] = new Array(count);
      const text = newTextCellStats();
      let written = 0;
      let firstWorker = -1;
      const queue = new PieceQueue(count, ahead, () => ordered.next);
      const feed = async (h: WorkerHandle<WorkerReply>, w: number) => {
        try {
          for (let k = await queue.take(); k !== -1; k = await queue.take()) {
            h.worker.postMessage({type: 'range', index: k, range: range(k), previousCustomers});
            const m = await h.next();
            if (m.type !== 'range-done') throw toError(m);
            states[k] = m.states;
            rangeCounts[k] = m.counts;
            text.formula_cells += m.text.formula_cells;
            text.control_chars_removed += m.text.control_chars_removed;
            written += m.written;
            if (k === 0) firstWorker = w;
            ordered.finish(k);
            queue.finished();
          }
        } catch (e) {
          queue.stop();
          throw e;
        }
      };
      // The first failure stops everything (Promise.all rejects at once; the others take no more ranges).
      await Promise.all(handles.map(feed));
      const done = await Promise.all(
        handles.map(async (h) => {
          h.worker.postMessage({type: 'finish'});
          const m = await h.next();
          if (m.type !== 'done') throw toError(m);
          return m;
        }),
      );
      let simulation: SimulationSummaries | undefined;
      if (states[0]) {
        // The ranges' company digests and the report's figures (the values the medians need: the largest part of
        // the states) are merged here, not sent to range 0's worker and back: fewer copies at the pass's memory
        // peak. (In range order; the figures' merge does not depend on the order: see FigureState.)
        const digest = new CompanyDigest();
        const noDigest = digest.state();
        const figures = states[0]!.figures && FigureBuilder.part(DEAL_STAGES);
        for (const s of states as SimulationStates[]) {
          digest.merge(s.digest);
          if (s.figures) figures?.merge(s.figures);
        }
        const h = handles[firstWorker];
        h.worker.postMessage({type: 'summarize', states: states.slice(1).map((s) => ({...s!, digest: noDigest, figures: undefined}))});
        states.fill(undefined);
        const m = await h.next();
        if (m.type !== 'summaries') throw toError(m);
        const all = digest.state();
        const merged = figures?.state();
        simulation = {
          ...m.simulation,
          digest: all,
          figures: merged,
          states: m.simulation.states && {...m.simulation.states, digest: all, figures: merged},
        };
      }
      const {renamed} = await ordered.commit(tables.background);
      // In range order: the counts' keys then come in the order one thread would meet them (same bytes).
      const counts = countCompanies([]);
      for (const c of rangeCounts) addCompanyCounts(counts, c);
      const providerStats: Record<string, number> = {};
      for (const d of done) {
        for (const [k, v] of Object.entries(d.providerStats)) providerStats[k] = (providerStats[k] ?? 0) + v;
      }
      return {renamed, written, counts, text, providerStats, simulation};
    } catch (e) {
      await this.abort();
      out?.abort();
      throw e;
    } finally {
      this.tables = undefined;
      await this.terminate();
    }
  }

  /** Stops the workers unused. */
  async discard(): Promise<void> {
    await this.abort();
    await this.terminate();
  }

  private async abort(): Promise<void> {
    await Promise.all(
      this.handles.map(async (h) => {
        h.worker.postMessage({type: 'abort'});
        // Wait for its answer, unless it is gone.
        for (;;) {
          let timer: NodeJS.Timeout | undefined;
          const m = await Promise.race([h.next(), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ABORT_WAIT_MS)))]);
          // (A timer left running would keep the process alive that long after an error.)
          clearTimeout(timer);
          if (!m || m.type === 'aborted' || m.type === 'error') break;
        }
      }),
    );
  }

  private async terminate(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}

/**
 * Runs the first pass (indexExport) on a thread of its own, whose memory is freed when it ends. Rejected rows
 * go to the part file of `init.rejects`: put it in place with commitPart.
 */
export async function indexInWorker(init: IndexInit, onProgress: (rows: number) => void): Promise<ExportIndex> {
  const m = await indexThread(init, onProgress);
  if (m.type !== 'done') throw new Error(`the first pass answered ${m.type}`);
  return m.index;
}

/** One thread of the first pass, until its answer ('done', 'part' or 'declined'; an error rejects). */
async function indexThread(init: IndexInit, onProgress: (rows: number) => void): Promise<Exclude<IndexReply, {type: 'progress' | 'error'}>> {
  const script = fileURLToPath(new URL('./index-worker.js', import.meta.url));
  const worker = startWorker(script, init, {maxYoungGenerationSizeMb: WORKER_YOUNG_MB});
  try {
    return await new Promise((resolve, reject) => {
      worker.on('message', (m: IndexReply) => {
        if (m.type === 'progress') onProgress(m.rows);
        else if (m.type === 'error') reject(toError(m));
        else resolve(m);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new FatalError(`the first pass stopped (exit code ${code})`)));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * The first pass on two threads at once, each indexing one half of the export (cut at a guessed record start,
 * which the first half's scan checks), joined into the index one pass gives (joinIndexes): the first half's
 * rejected rows go to the part file of `init.rejects` as they come, the second half's are appended there at
 * the join. Undefined, with no part file left, when the halves could not be indexed so (no cut found, a wrong
 * cut, a file the scanner declines, too many rejected rows): the caller then makes one pass (indexInWorker).
 */
export async function indexInParts(init: IndexInit, onProgress: (rows: number) => void): Promise<ExportIndex | undefined> {
  // The second half's rejected rows are appended to the first half's file: not to a file with a footer.
  const format = tableFormat();
  if (format.footer) return undefined;
  const size = (await stat(init.input)).size;
  const plan = await planChunks(init.input, Math.floor(size / 2));
  if (!plan || plan.chunks.length !== 2) return undefined;
  const columns = headerIndex(init.input, plan.header);
  const [first, second] = plan.chunks;
  const parts: PartPlan[] = [
    {columns, width: plan.header.length, newline: plan.newline, start: first.start, end: first.end, firstLine: plan.firstLine},
    {columns, width: plan.header.length, newline: plan.newline, start: second.start, end: second.end},
  ];
  const rows = [0, 0];
  const answers = await Promise.all(
    parts
      .map((part, k) =>
        indexThread(
          {
            input: init.input,
            shard: init.shard,
            goneNames: init.goneNames,
            part,
            formulaGuard: init.formulaGuard,
            ...(k === 0 && init.rejects ? {rejects: init.rejects} : {}),
          },
          (n) => {
            rows[k] = n;
            onProgress(rows[0] + rows[1]);
          },
        ),
      )
      .map((p) => p.catch((e: unknown) => e)),
  );
  const failed = answers.find((a) => a instanceof Error);
  const [a, b] = answers as Array<Exclude<IndexReply, {type: 'progress' | 'error'}>>;
  if (failed || a.type !== 'part' || b.type !== 'part') {
    if (init.rejects) removePart(init.rejects);
    if (failed) throw failed;
    return undefined;
  }
  const blocks: Buffer[] = [];
  const more = format.encoder({path: init.rejects ?? '', table: rejectCodec, head: false, sink: (bytes) => (blocks.push(Buffer.from(bytes)), false)});
  const ex = joinIndexes(a.part, b.part, {columns, newline: plan.newline}, {shard: init.shard, onReject: (r) => more.add(rejectCodec, r)});
  more.end();
  if (init.rejects && blocks.length > 0) appendFileSync(partPath(init.rejects), Buffer.concat(blocks));
  return ex;
}
