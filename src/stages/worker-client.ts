import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {FatalError, UserError} from '../errors.js';
import type {CompanyBase} from '../schemas/companies.js';
import type {WorkerInit, WorkerReply} from '../workers/protocol.js';

const BATCH = 512;
const IN_FLIGHT = 8;

type Done = Extract<WorkerReply, {type: 'done'}>;

/**
 * The main thread's end of the company worker: companies are posted in order, in batches; at most a few
 * batches are in flight (post() returns a promise to wait on when the worker is behind).
 */
export class CompanyWorker {
  private batch: CompanyBase[] = [];
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  private settle: {resolve: (r: WorkerReply) => void; reject: (e: Error) => void} | undefined;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerReply) => this.onReply(m));
    worker.on('error', (e) => this.fail(e));
  }

  /** Starts the worker; undefined when there is no compiled worker (running from the TypeScript sources). */
  static async start(init: WorkerInit): Promise<CompanyWorker | undefined> {
    const script = fileURLToPath(new URL('../workers/company-worker.js', import.meta.url));
    if (!existsSync(script)) return undefined;
    const client = new CompanyWorker(new Worker(script, {workerData: init}));
    const first = await client.next();
    if (first.type !== 'ready') throw new Error(`company worker did not start: ${JSON.stringify(first)}`);
    return client;
  }

  private next(): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.settle = {resolve, reject};
    });
  }

  private onReply(m: WorkerReply): void {
    if (m.type === 'ack') {
      this.inFlight--;
      const w = this.waiting;
      this.waiting = undefined;
      w?.();
      return;
    }
    if (m.type === 'error') {
      this.fail(m.exitCode === 2 ? new UserError(m.message) : new FatalError(m.message));
      return;
    }
    const s = this.settle;
    this.settle = undefined;
    s?.resolve(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.settle?.reject(e);
    this.settle = undefined;
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  /** Queues a company; returns a promise when the worker is behind (wait for it before posting more). */
  post(company: CompanyBase): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    this.batch.push(company);
    if (this.batch.length < BATCH) return undefined;
    this.send();
    if (this.inFlight < IN_FLIGHT) return undefined;
    return new Promise<void>((r) => (this.waiting = r)).then(() => {
      if (this.failure) throw this.failure;
    });
  }

  private send(): void {
    if (this.batch.length === 0) return;
    this.inFlight++;
    this.worker.postMessage({type: 'batch', companies: this.batch});
    this.batch = [];
  }

  /** Sends the rest, lets the worker commit its files, and returns its counts and summaries. */
  async end(): Promise<Done> {
    this.send();
    if (this.failure) throw this.failure;
    const done = this.next();
    this.worker.postMessage({type: 'end'});
    const reply = await done;
    await this.worker.terminate();
    if (reply.type !== 'done') throw new Error(`company worker: unexpected reply ${reply.type}`);
    return reply;
  }

  /** Removes the worker's temporary files and stops it. */
  async abort(): Promise<void> {
    if (!this.failure) {
      const aborted = this.next().catch(() => undefined);
      this.worker.postMessage({type: 'abort'});
      await aborted;
    }
    await this.worker.terminate();
  }
}
