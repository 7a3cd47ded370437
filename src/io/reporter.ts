import type {Ora} from 'ora';
import {wrapText} from '../core/format.js';
import {groupThousands} from '../core/strings.js';

/**
 * How a stage tells the user what it is doing. On a TTY: an ora spinner with counts; otherwise plain lines
 * on stderr (at most one progress line every few seconds); under --json or --quiet: nothing but warnings
 * (and under --quiet not even those). stdout is left to the command's result.
 */
export interface Reporter {
  /** Starts a step; `total` enables done/total, rate and ETA. */
  start(label: string, total?: number): void;
  /**
   * Updates the current step's count and extra text (e.g. "cache hits 12"). Cheap to call often. `estimate`:
   * the expected total of a step started without one (e.g. from the bytes read so far), shown as ~N and used
   * for the ETA.
   */
  progress(done: number, extra?: string, estimate?: number): void;
  /** Ends the current step successfully with a message. */
  succeed(message: string): void;
  /** An informational line (e.g. which provider or which fallback config is used). */
  info(message: string): void;
  /** A warning; shown even under --json (on stderr). */
  warn(message: string): void;
  /** Stops any spinner (on error). */
  stop(): void;
}

export type ReporterMode = 'tty' | 'plain' | 'json' | 'quiet';

/** A reporter that says nothing (worker threads, whose lead thread reports for them). */
export const silentReporter: Reporter = {start() {}, progress() {}, succeed() {}, info() {}, warn() {}, stop() {}};

export function reporterMode(opts: {json: boolean; quiet: boolean}, stream: NodeJS.WriteStream = process.stderr): ReporterMode {
  if (opts.quiet) return 'quiet';
  if (opts.json) return 'json';
  // A terminal that reports no width (some pseudo-terminals) gets plain lines: a spinner there cannot tell how
  // many lines its text takes, and ora would clear lines forever.
  return stream.isTTY && process.env.CI !== 'true' && (stream.columns ?? 0) > 0 ? 'tty' : 'plain';
}

/** Counts with their thousands grouped (no ICU: its set-up costs about 15 ms). */
const fmt = {format: (n: number): string => groupThousands(Math.round(n))};

function describe(
  label: string,
  done: number,
  total: number | undefined,
  approx: boolean,
  started: number,
  extra: string | undefined,
  now: number,
): string {
  const secs = (now - started) / 1000;
  const rate = secs > 0 ? done / secs : 0;
  let text = `${label}: ${fmt.format(done)}${total ? `/${approx ? '~' : ''}${fmt.format(total)}` : ''}`;
  if (secs >= 1 && rate > 0) text += ` · ${fmt.format(Math.round(rate))}/s`;
  if (total && rate > 0 && done < total && secs >= 1) text += ` · ETA ${formatDuration((total - done) / rate)}`;
  if (extra) text += ` · ${extra}`;
  return text;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A reporter for the mode (quiet/json, plain lines, or an ora spinner).
 * Long on purpose: a factory whose three reporters share one closure state (the step's label, total, start) and
 * its helpers (estimated, fit, line); splitting them apart would pass that state around.
 */
export async function createReporter(mode: ReporterMode, stream: NodeJS.WriteStream = process.stderr): Promise<Reporter> {
  let label = '';
  let total: number | undefined;
  let approx = false;
  /** Takes an estimate of the total when the step has no exact one. */
  const estimated = (estimate: number | undefined) => {
    if (estimate === undefined || (total !== undefined && !approx)) return;
    total = Math.round(estimate);
    approx = true;
  };
  let started = 0;
  let lastShown = 0;
  /**
   * A message wrapped to the terminal's width (none when the stream is not a terminal), its continuation
   * lines under its text when a `prefix` ("warning: ", ora's symbol) is printed before it.
   */
  const fit = (m: string, prefix = 0) => {
    const width = stream.isTTY ? stream.columns : undefined;
    return width ? wrapText(m, width - prefix).replaceAll('\n', `\n${' '.repeat(prefix)}`) : m;
  };
  const line = (s: string) => stream.write(`${s}\n`);

  if (mode === 'quiet' || mode === 'json') {
    return {
      start() {},
      progress() {},
      succeed() {},
      info() {},
      stop() {},
      warn: (m) => {
        if (mode === 'json') line(`warning: ${m}`);
      },
    };
  }
  if (mode === 'plain') {
    return {
      start(l, t) {
        label = l;
        total = t;
        approx = false;
        started = Date.now();
        lastShown = started;
      },
      progress(done, extra, estimate) {
        estimated(estimate);
        const now = Date.now();
        if (now - lastShown >= 5000) {
          lastShown = now;
          line(describe(label, done, total, approx, started, extra, now));
        }
      },
      succeed: (m) => line(fit(m)),
      info: (m) => line(fit(m)),
      warn: (m) => line(`warning: ${fit(m, 9)}`),
      stop() {},
    };
  }
  const {default: ora} = await import('ora');
  let spinner: Ora | undefined;
  return {
    start(l, t) {
      label = l;
      total = t;
      approx = false;
      started = Date.now();
      lastShown = 0;
      // discardStdin: false: ora's default puts the terminal in raw mode, where Ctrl-C sends no SIGINT (the run
      // would go on to the end); in cooked mode it stops the run at once (see io/interrupt.ts).
      spinner = ora({text: l, stream, discardStdin: false}).start();
    },
    progress(done, extra, estimate) {
      estimated(estimate);
      const now = Date.now();
      if (spinner && now - lastShown >= 100) {
        lastShown = now;
        spinner.text = describe(label, done, total, approx, started, extra, now);
      }
    },
    succeed(m) {
      if (spinner) spinner.succeed(fit(m, 2));
      else line(fit(m));
      spinner = undefined;
    },
    info(m) {
      if (spinner) spinner.info(fit(m, 2)).start(spinner.text);
      else line(fit(m));
    },
    warn(m) {
      if (spinner) spinner.warn(fit(m, 2)).start(spinner.text);
      else line(`warning: ${fit(m, 9)}`);
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
    },
  };
}
