/*
 * stdout and stderr that the reader closed (`run 2>&1 >/dev/null | head -1`: head exits after one line). A
 * write to a closed pipe fails with EPIPE, which Node reports as an 'error' event on the stream: unhandled, it
 * ends the process at once (exit 1, nothing said, nothing committed). Here such a stream is marked broken and
 * further writes to it are dropped: the command goes on, commits its dataset and exits as it would have, and an
 * error goes to the stream still open (see BaseCommand.catch).
 */

const broken = new WeakSet<NodeJS.WritableStream>();
let watching = false;

/** From now on, a failing stdout or stderr is marked broken instead of ending the process. */
export function watchOutputStreams(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      broken.add(stream);
    });
  }
}

/** Whether writes to the stream have failed (its reader is gone). */
export function brokenStream(stream: NodeJS.WritableStream): boolean {
  return broken.has(stream);
}

/** Where an error message goes: stderr, or stdout when stderr is closed. */
export function errorStream(): NodeJS.WritableStream {
  return brokenStream(process.stderr) && !brokenStream(process.stdout) ? process.stdout : process.stderr;
}
