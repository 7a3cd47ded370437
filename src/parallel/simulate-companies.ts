import {existsSync} from 'node:fs';
import {stat} from 'node:fs/promises';
import {availableParallelism} from 'node:os';
import {fileURLToPath} from 'node:url';
import {recycleBlock} from '../io/csv.js';
import {formatRef, tableFormat} from '../io/formats/index.js';
import {OrderedTables, WriterGroup, type TableStream} from '../io/writer-group.js';
import {firstRepeated} from '../core/id-set.js';
import {UNIFIED_COMPANY_COLUMNS} from '../core/unify.js';
import type {SimulateChunkMessage, SimulateChunkReply, SimulateInit} from './protocol.js';
import {companyCodec} from '../stages/codecs.js';
import {COMPANY_CHECK, requireInput, runWalk, sinkWalk, type LoadedDealModel, type SimulationStageInput} from '../stages/deals.js';
import {
  simulatedCodec,
  simulationTables,
  SimulationSink,
  type SimulatedCompany,
  type SimulationResult,
  type SimulationStates,
} from '../stages/simulate.js';
import {blockReturner, PieceQueue, startWorker, WorkerHandle, workerLimits, type ChunkPolicy, type WorkerPolicy} from './worker-pool.js';

/**
 * `run --from deals`: the deals, billing and unify stages in one pass over companies.csv (up to --limit),
 * through the same sink as `run` after enrichment, so the files are the same bytes as `deals`, `billing` and
 * `unify` one after the other, while companies.csv is read once and no other table is read back. The
 * company's columns of unified.csv are copied as they are in companies.csv, as `unify` copies them.
 * A large companies.csv is simulated in chunks on several threads (simulateInChunks), with the same result.
 */
export async function simulateCompanies(
  s: SimulationStageInput,
  loaded: LoadedDealModel,
  threads: ChunkPolicy = {workers: 'auto'},
): Promise<SimulationResult> {
  s.reporter.start('Simulating deals, billing and unified rows', s.limit);
  requireInput(s.paths.companies, 'enrich');
  const extra = existsSync(script()) ? chunkWorkers(threads.workers) : 0;
  const size = (await stat(s.paths.companies)).size;
  // Chunks pay off on large files only (a worker's start-up and cold code cost more than they save on 100,000
  // companies on two cores), unless the thread count or the chunk size is set (tests, benchmarks).
  const wanted = typeof threads.workers === 'number' || threads.chunkBytes !== undefined || (extra > 0 && size >= CHUNKED_MIN_BYTES);
  // (A format whose tables cannot be cut into chunks is read on one thread.)
  const chunks = tableFormat().chunks;
  const plan = s.limit === undefined && wanted && chunks ? await chunks.plan(s.paths.companies, threads.chunkBytes) : undefined;
  if (plan) {
    try {
      const sink = await simulateInChunks(s, loaded, plan, extra, simulationTables(s.paths));
      return sink.summaries(s.reporter);
    } catch (e) {
      if (!(e instanceof ChunksFailed)) throw e;
      // One pass on this thread reads the file as usual (and reports any problem with its row number).
      s.reporter.info(`companies.csv was not simulated in chunks (${e.message}): one thread reads it instead`);
    }
  }
  const walk = await runWalk(s, (out) =>
    sinkWalk(
      s,
      simulatedCodec,
      () => new SimulationSink(s, loaded, out),
      (sink, c, companies) => sink.addWithCells(c, companies.cells),
      UNIFIED_COMPANY_COLUMNS,
    ),
  );
  return walk.sink.summaries(s.reporter);
}

/**
 * On a large companies.csv, the file is cut into chunks of whole records, which this thread
 * and worker threads take in turn (whoever is free takes the next one); each chunk's rows are written as soon
 * as every earlier chunk is written (OrderedTables) and the statistics are merged in order, so the files and
 * summaries are the same bytes as one pass on one thread (every company has its own random stream).
 *
 * The chunk boundaries are guesses checked by the scans themselves (see io/csv-chunks.ts). On any failure (a
 * wrong guess, a file the fast scanner declines, bad data) the tables are left as they were and the caller
 * runs the one pass on one thread, which reads the file as usual and reports any error with its row number.
 */

/** Below this size, companies.csv is simulated on one thread (see simulateCompanies). */
const CHUNKED_MIN_BYTES = 256 << 20;

/**
 * Simulates the companies of one chunk, handing each table's blocks to `send` (the header too for chunk 0; see
 * WriterGroup's stream). Returns the sink, whose statistics are the chunk's.
 */
export async function simulateChunk(
  s: SimulationStageInput,
  loaded: LoadedDealModel,
  context: unknown,
  index: number,
  chunk: {start: number; end: number},
  send: TableStream,
  onCompanies: (n: number) => void = () => {},
): Promise<{sink: SimulationSink; companies: number; ids: BigUint64Array}> {
  const out = new WriterGroup({stream: send, header: index === 0});
  try {
    const sink = new SimulationSink(s, loaded, out);
    const opts = {required: companyCodec.columns, producedBy: 'enrich', cells: UNIFIED_COMPANY_COLUMNS, check: COMPANY_CHECK};
    const cursor = await tableFormat().chunks!.open(s.paths.companies, simulatedCodec, opts, chunk, context);
    let n = 0;
    try {
      for (;;) {
        const wait = cursor.advance();
        if (wait) await wait;
        const c: SimulatedCompany | undefined = cursor.row;
        if (c === undefined) break;
        sink.addWithCells(c, cursor.cells);
        if ((++n & 1023) === 0) onCompanies(n);
      }
    } finally {
      await cursor.close();
    }
    await out.commit();
    // The chunk's company IDs, for the check that they are unique across chunks (see simulateInChunks).
    return {sink, companies: n, ids: cursor.ids()};
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/** Worker threads to add to this one for the chunks (0 = none), from STEDI_GTM_WORKERS (see workersFromEnv). */
export function chunkWorkers(policy: WorkerPolicy): number {
  if (policy === 'off') return 0;
  if (typeof policy === 'number') return policy - 1;
  return Math.max(1, Math.min(availableParallelism(), 4) - 1);
}

const script = () => fileURLToPath(new URL('./simulate-worker.js', import.meta.url));

/** A worker thread taking chunks (its replies: see WorkerHandle; its tables' blocks go to `onBytes`). */
const chunkWorker = (init: SimulateInit, onBytes: (m: Extract<SimulateChunkReply, {type: 'bytes'}>, back: (bytes: Uint8Array) => void) => void) => {
  const worker = startWorker(script(), init, workerLimits());
  const back = blockReturner(worker);
  return new WorkerHandle<SimulateChunkReply>(
    worker,
    (message) => ({type: 'error', message}),
    (m) => {
      if (m.type !== 'bytes') return false;
      onBytes(m, back);
      return true;
    },
  );
};

/** A plan of chunks (see ChunkedReading.plan). */
type ChunkPlan = NonNullable<Awaited<ReturnType<NonNullable<ReturnType<typeof tableFormat>['chunks']>['plan']>>>;

/** Why the chunks were given up on (the caller then makes one pass on one thread). */
export class ChunksFailed extends Error {}

/**
 * Runs the plan's chunks on this thread and `workers` worker threads, writes the tables in chunk order and
 * returns the sink of chunk 0 with every chunk's statistics merged in (its summaries are those of the whole
 * file). Throws ChunksFailed, with the tables left as they were, when any chunk fails.
 * Long on purpose: this thread and the workers take chunks from one queue and share its bookkeeping (done,
 * states, ids, the ordered tables, the first failure) in this closure; the parts are short and commented.
 */
export async function simulateInChunks(
  s: SimulationStageInput,
  loaded: LoadedDealModel,
  plan: ChunkPlan,
  workers: number,
  tables: readonly string[],
): Promise<SimulationSink> {
  const init: SimulateInit = {
    paths: s.paths,
    configDir: s.configDir,
    seed: s.seed,
    asOf: s.asOf,
    digest: s.digest,
    context: plan.context,
    format: formatRef(),
  };
  let ordered: OrderedTables | undefined;
  // Written, a worker's block goes back to it for its next rows (this thread's own blocks: recycleBlock).
  const pool = Array.from({length: workers}, () => chunkWorker(init, (m, back) => ordered?.add(m.index, m.path, m.bytes, m.rows, back, m.meta)));
  const states: Array<SimulationStates | undefined> = plan.chunks.map(() => undefined);
  const ids: BigUint64Array[] = [];
  const done = plan.chunks.map(() => 0);
  // The companies of the chunks finished so far, and their bytes, give an estimate of the total (for the ETA).
  const bytes = (k: number) => plan.chunks[k].end - plan.chunks[k].start;
  const allBytes = plan.chunks.at(-1)!.end - plan.chunks[0].start;
  let finishedBytes = 0;
  let finishedCompanies = 0;
  const progress = () =>
    s.reporter.progress(
      done.reduce((a, b) => a + b, 0),
      undefined,
      finishedBytes > 0 ? (finishedCompanies * allBytes) / finishedBytes : undefined,
    );
  let failure: unknown;
  // A chunk is handed out only while it is fewer than two per thread ahead of the first unfinished one: that
  // bounds the blocks held for later chunks.
  const queue = new PieceQueue(plan.chunks.length, 2 * (workers + 1), () => ordered!.next);
  const finished = (k: number, companies: number) => {
    done[k] = companies;
    finishedBytes += bytes(k);
    finishedCompanies += companies;
    ordered!.finish(k);
    queue.finished();
  };
  let first: SimulationSink | undefined;
  try {
    const out = (ordered = new OrderedTables(tables));
    const local = (async () => {
      for (let k = await queue.take(); k !== -1; k = await queue.take()) {
        const r = await simulateChunk(
          s,
          loaded,
          plan.context,
          k,
          plan.chunks[k],
          (path, b, rows, meta) => out.add(k, path, b, rows, recycleBlock, meta),
          (n) => {
            done[k] = n;
            progress();
          },
        );
        if (k === 0) first = r.sink;
        else states[k] = r.sink.states();
        ids.push(r.ids);
        finished(k, r.companies);
      }
    })();
    const remote = pool.map(async (w) => {
      const ready = await w.next();
      if (ready.type !== 'ready') throw new ChunksFailed(ready.type === 'error' ? ready.message : 'worker did not start');
      for (let k = await queue.take(); k !== -1; k = await queue.take()) {
        w.worker.postMessage({type: 'chunk', index: k, chunk: plan.chunks[k]} satisfies SimulateChunkMessage);
        const m = await w.next();
        if (m.type !== 'done') throw new ChunksFailed(m.type === 'error' ? m.message : `unexpected reply ${m.type}`);
        states[k] = m.states;
        ids.push(m.ids);
        finished(k, m.companies);
        progress();
      }
    });
    const all = [local, ...remote].map((p) =>
      p.catch((e) => {
        failure ??= e;
        queue.stop();
      }),
    );
    await Promise.all(all);
    if (failure !== undefined) throw failure;
    // Each chunk checked its IDs; one repeated in two chunks: the one pass finds it and names its row.
    const repeated = firstRepeated(ids);
    if (repeated !== undefined) throw new ChunksFailed(`company ID ${repeated.toString(16).padStart(16, '0')} is in two chunks`);
    const sink = first!;
    for (let k = 1; k < states.length; k++) sink.absorb(states[k]!);
    await out.commit();
    return sink;
  } catch (e) {
    ordered?.abort();
    throw e instanceof ChunksFailed ? e : new ChunksFailed((e as Error).message);
  } finally {
    await Promise.all(pool.map((w) => w.worker.terminate()));
  }
}
