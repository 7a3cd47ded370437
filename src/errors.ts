/**
 * An error the user can fix: bad input, bad config, bad usage. Commands exit with code 2 and print the
 * message as is (no stack). Anything else is unexpected and exits 1.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A condition that must stop the run at once (e.g. a bad API key): exit 1, clear message, no stack. */
export class FatalError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}
