import {setFlagsFromString} from 'node:v8';
import {MessageChannel, parentPort, receiveMessageOnPort, Worker, type MessagePort} from 'node:worker_threads';
import type {BlockBack, BlockOut} from './protocol.js';
import type {TableStream} from '../io/writer-group.js';
import {recycleBlock, setBlockSource} from '../io/csv.js';
import {errorReport, UserError} from '../errors.js';

/* What every pool of worker threads shares: the policy from the environment, the heap limits, the reply queue.
 * (The enrich range workers are in worker-client.ts; `run --from deals` loads only this module.) */

/**
 * Worker threads: auto (an export of 16 MiB or more, about 20,000 Clay rows: the first pass on a thread of its
 * own and, with the rules provider, the second pass on one thread per core, 2 to 4), off, or a number of
 * second-pass threads whatever the size.
 */
export type WorkerPolicy = 'auto' | 'off' | number;

/**
 * STEDI_GTM_WORKERS: 0 or 1 keeps enrich's second pass (and `run --from deals`) on one thread, N >= 2 splits it
 * over N threads whatever the input size (default: auto).
 */
export function workersFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerPolicy {
  const v = env.STEDI_GTM_WORKERS?.trim();
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new UserError(`STEDI_GTM_WORKERS=${JSON.stringify(v)}: expected a whole number of threads from 0 to 64, or auto`);
  return n <= 1 ? 'off' : n;
}

/**
 * Threads for the passes over large files: STEDI_GTM_WORKERS, and STEDI_GTM_CHUNK_BYTES (for tests and
 * benchmarks: bytes per chunk of `run --from deals`, and per range of enrich's second pass on worker threads).
 */
export interface ChunkPolicy {
  workers: WorkerPolicy;
  chunkBytes?: number;
}

/** The ChunkPolicy of the environment (a bad value is a UserError). */
export function chunkPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ChunkPolicy {
  const v = env.STEDI_GTM_CHUNK_BYTES?.trim();
  const n = Number(v);
  if (v !== undefined && v !== '' && !(Number.isInteger(n) && n >= 1024)) {
    throw new UserError(`STEDI_GTM_CHUNK_BYTES=${JSON.stringify(v)}: expected a whole number of bytes, at least 1024`);
  }
  return {workers: workersFromEnv(env), chunkBytes: v ? n : undefined};
}

/** V8 heap limits of each worker (MB). */
export interface WorkerLimits {
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
}

/**
 * The range and index workers' young generation, in MB: three 16 MB semi-spaces (the size startWorker starts
 * them at, so they never grow). 96 MB let them grow to 32 MB: no faster at 1M rows (54-61 s against 54-56 s,
 * alternated) and about 40 MB more resident per worker, which took `run` over 600 MB (docs/performance.md).
 */
export const WORKER_YOUNG_MB = 48;

/**
 * Heap limits of each range worker. Its live data is small (one company at a time, the accounts waiting for
 * their last row, the numbers behind the summaries' medians), so a capped old generation keeps the resident
 * memory low; a young generation at its full size from the start (see startWorker) makes the many short-lived
 * strings of each row far cheaper to collect. STEDI_GTM_WORKER_OLD_MB / STEDI_GTM_WORKER_YOUNG_MB override them (for benchmarks).
 */
export function workerLimits(env: NodeJS.ProcessEnv = process.env): WorkerLimits {
  const mb = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {maxOldGenerationSizeMb: mb(env.STEDI_GTM_WORKER_OLD_MB, 160), maxYoungGenerationSizeMb: mb(env.STEDI_GTM_WORKER_YOUNG_MB, WORKER_YOUNG_MB)};
}

/**
 * Starts a worker thread with these heap limits. Before the first, sets how V8 starts the heap of every isolate
 * made from then on (process-wide flags, read when an isolate is made; a worker's own options cannot set them):
 * a young generation of 16 MB semi-spaces from the start (V8 starts them at 1 MB and grows them slowly) and an
 * old generation whose first collection waits for WORKER_FIRST_OLD_MB (each within the limits). The workers'
 * short-lived strings then die young instead of being promoted: at 1M rows a range worker went from about 530
 * scavenges to 340, and `run --no-report` from 24.0 to 22.4 s (medians of 3, alternated, with 128 MB of old
 * generation before the first full collection). The lead thread's heap, made at start-up, keeps V8's defaults.
 */
export function startWorker(script: string, workerData: unknown, limits: WorkerLimits): Worker {
  if (!heapFlagsSet) {
    heapFlagsSet = true;
    for (const flag of workerHeapFlags(limits)) setFlagsFromString(flag);
  }
  return new Worker(script, {workerData, resourceLimits: limits});
}
let heapFlagsSet = false;

/**
 * How much old generation a worker fills before its first full collection, in MB. 128 let what the workers
 * promoted pile up over the whole second pass (their resident memory climbed by 100-150 MB at 1M rows, the peak
 * of `run`); from 48 V8 sizes the old generation by what survives (see docs/performance.md, 2026-12-02).
 */
export const WORKER_FIRST_OLD_MB = 48;

/**
 * The V8 flags startWorker sets: 16 MB semi-spaces and WORKER_FIRST_OLD_MB of old generation before its first collection,
 * or less to stay within the limits (the young generation is three semi-spaces in V8's accounting).
 */
export function workerHeapFlags(limits: WorkerLimits): string[] {
  const semi = Math.max(1, Math.min(16, Math.floor((limits.maxYoungGenerationSizeMb ?? 48) / 3)));
  const old = Math.max(1, Math.min(WORKER_FIRST_OLD_MB, Math.floor(limits.maxOldGenerationSizeMb ?? WORKER_FIRST_OLD_MB)));
  return [`--min-semi-space-size=${semi}`, `--initial-old-space-size=${old}`];
}

/**
 * One worker thread and the replies it has not handed out yet, in order. A crash or an exit is a reply too
 * (`failed` makes it); `intercept` takes the messages that are not replies (e.g. progress).
 */
export class WorkerHandle<M> {
  private queue: M[] = [];
  private waiter: ((m: M) => void) | undefined;
  constructor(
    readonly worker: Worker,
    failed: (message: string, exitCode?: number) => M,
    intercept: (m: M) => boolean = () => false,
  ) {
    worker.on('message', (m: M) => {
      let taken: boolean;
      try {
        taken = intercept(m);
      } catch (e) {
        // (E.g. a full disk while this thread writes the worker's block: the pass fails and cleans up, instead
        // of the exception ending the process with the temporary files and the data folder's lock left.)
        const r = errorReport(e);
        this.deliver(failed(r.message, r.exitCode));
        return;
      }
      if (!taken) this.deliver(m);
    });
    worker.on('error', (e) => this.deliver(failed(e.message)));
    worker.on('exit', (code) => this.deliver(failed(`worker stopped (exit code ${code})`)));
  }
  private deliver(m: M): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(m);
    else this.queue.push(m);
  }
  next(): Promise<M> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

/**
 * Hands out the pieces 0..count-1 of a pass (ranges, chunks) in order to whichever thread asks first, none more
 * than `ahead` pieces past the first unfinished one (`firstUnfinished`, e.g. OrderedTables.next): a thread
 * that would run further ahead waits, which bounds what is held for later pieces. After stop() (a failure),
 * take() answers -1, as when every piece is handed out.
 */
export class PieceQueue {
  private next = 0;
  private stopped = false;
  private waiting: Array<() => void> = [];

  constructor(
    private readonly count: number,
    private readonly ahead: number,
    private readonly firstUnfinished: () => number,
  ) {}

  /** The next piece to do, or -1 when there is none left (or the pass stopped). */
  async take(): Promise<number> {
    while (!this.stopped && this.next < this.count && this.next >= this.firstUnfinished() + this.ahead)
      await new Promise<void>((r) => this.waiting.push(r));
    return this.stopped || this.next >= this.count ? -1 : this.next++;
  }

  /** A piece was finished: threads waiting may take theirs. */
  finished(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  /** No more pieces are handed out (waiting threads get -1). */
  stop(): void {
    this.stopped = true;
    this.finished();
  }
}

/**
 * In a worker: what sends the blocks of piece `index` of its tables to the lead thread (a WriterGroup's stream),
 * each with its memory (transferred, not copied).
 */
export function blockSender(index: number): TableStream {
  return (path, bytes, rows, meta) =>
    parentPort!.postMessage(
      (meta === undefined ? {type: 'bytes', index, path, bytes, rows} : {type: 'bytes', index, path, bytes, rows, meta}) satisfies BlockOut,
      [bytes.buffer as ArrayBuffer],
    );
}

/**
 * On the lead thread: what gives a block, once written, back to the worker that sent it, through a channel of
 * its own that the worker reads when it needs a block (see takeBlocksFrom), not as a message it would read only
 * between pieces. Made once per worker.
 */
export function blockReturner(worker: Worker): (bytes: Uint8Array) => void {
  const {port1, port2} = new MessageChannel();
  worker.postMessage({type: 'blocks', port: port2} satisfies BlockBack, [port2]);
  return (bytes) => port1.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
}

/** In a worker: its writers take their blocks back from `port` (see blockReturner and setBlockSource). */
export function takeBlocksFrom(port: MessagePort): void {
  returns = port;
  setBlockSource(() => receiveMessageOnPort(port)?.message as Uint8Array | undefined);
}
let returns: MessagePort | undefined;

/**
 * In a worker, after a piece: the blocks given back that no writer took (a format whose encoder makes blocks of
 * its own, e.g. Parquet's) are kept as spares or dropped, not left queued on the port for the rest of the pass.
 */
export function settleBlocks(): void {
  if (!returns) return;
  for (let m = receiveMessageOnPort(returns); m; m = receiveMessageOnPort(returns)) recycleBlock(m.message as Uint8Array);
}
