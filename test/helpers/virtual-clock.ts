import type {Clock} from '../../src/providers/llm/rate-limiter.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock whose time moves only when the test says so: `sleep` registers a timer, `runAll` fires the timers
 * in time order (advancing `now` to each), letting the promise chains each one starts settle before the next.
 * No real time passes, so nothing about it depends on the machine's load.
 */
export class VirtualClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private t = 0) {}

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {at: this.t + Math.max(0, ms), seq: this.seq++, resolve};
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          reject(signal.reason);
        },
        {once: true},
      );
    });

  /** Fires every timer, the earliest first (and those they set), until none is left; returns the time then. */
  async runAll(): Promise<number> {
    for (;;) {
      await settled();
      if (this.timers.length === 0) return this.t;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
  }
}

/** Resolves once every promise reaction queued so far has run (microtasks drain before a macrotask). */
const settled = () => new Promise<void>((r) => setImmediate(r));
