/*
 * stdout and stderr that the reader closed (`run 2>&1 >/dev/null | head -1`: head exits after one line). A
 * write to a closed pipe fails with EPIPE, which Node reports as an 'error' event on the stream: unhandled, it
 * ends the process at once (exit 1, nothing said, nothing committed). Here such a stream is marked broken and
 * further writes to it are dropped: the command goes on, commits its dataset and exits as it would have, and an
 * error goes to the stream still open (see BaseCommand.catch).
 */

/**
 * The marks live on the streams themselves, not in this module: a process that loads the module more than once (jest
 * gives each test file its own modules and globals, all writing to the one process.stderr) still watches each
 * stream once, with one listener, and every copy sees a stream broken.
 */
const WATCHED = Symbol.for('stedi-gtm.watched');
const BROKEN = Symbol.for('stedi-gtm.broken');
type Marked = NodeJS.WritableStream & {[WATCHED]?: true; [BROKEN]?: true};
const isBroken = (stream: NodeJS.WritableStream): boolean => (stream as Marked)[BROKEN] === true;
const markBroken = (stream: NodeJS.WritableStream): void => void ((stream as Marked)[BROKEN] = true);

/**
 * From now on, a failing stdout or stderr is marked broken instead of ending the process; at exit, a stdout
 * that broke is reported on stderr (the command's result was not read in full).
 */
export function watchOutputStreams(): void {
  const err = process.stderr as Marked;
  if (err[WATCHED]) return;
  err[WATCHED] = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => markBroken(stream));
  process.on('exit', () => {
    if (isBroken(process.stdout) && !isBroken(process.stderr))
      process.stderr.write('warning: stdout was closed: the result was not printed in full\n');
  });
}

/**
 * Writes an error message on stderr or, when stderr turns out to be closed (the write fails), on stdout: a
 * failure is never silent.
 */
export function writeError(text: string): void {
  const fallback = () => {
    if (!isBroken(process.stdout)) process.stdout.write(text);
  };
  if (isBroken(process.stderr)) return fallback();
  process.stderr.write(text, (err) => {
    if (!err) return;
    markBroken(process.stderr);
    fallback();
  });
}

/** Whether writes to the stream have failed (its reader is gone). */
export function brokenStream(stream: NodeJS.WritableStream): boolean {
  return isBroken(stream);
}
