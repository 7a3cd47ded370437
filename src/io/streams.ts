/*
 * stdout and stderr that the reader closed (`run 2>&1 >/dev/null | head -1`: head exits after one line). A
 * write to a closed pipe fails with EPIPE, which Node reports as an 'error' event on the stream: unhandled, it
 * ends the process at once (exit 1, nothing said, nothing committed). Here such a stream is marked broken and
 * further writes to it are dropped: the command goes on, commits its dataset and exits as it would have, and an
 * error goes to the stream still open (see BaseCommand.catch).
 */

const broken = new WeakSet<NodeJS.WritableStream>();
let watching = false;

/**
 * From now on, a failing stdout or stderr is marked broken instead of ending the process; at exit, a stdout
 * that broke is reported on stderr (the command's result was not read in full).
 */
export function watchOutputStreams(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      broken.add(stream);
    });
  }
  process.on('exit', () => {
    if (broken.has(process.stdout) && !broken.has(process.stderr))
      process.stderr.write('warning: stdout was closed: the result was not printed in full\n');
  });
}

/**
 * Writes an error message on stderr or, when stderr turns out to be closed (the write fails), on stdout: a
 * failure is never silent.
 */
export function writeError(text: string): void {
  const fallback = () => {
    if (!broken.has(process.stdout)) process.stdout.write(text);
  };
  if (broken.has(process.stderr)) return fallback();
  process.stderr.write(text, (err) => {
    if (!err) return;
    broken.add(process.stderr);
    fallback();
  });
}

/** Whether writes to the stream have failed (its reader is gone). */
export function brokenStream(stream: NodeJS.WritableStream): boolean {
  return broken.has(stream);
}
