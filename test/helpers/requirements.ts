/**
 * One policy for tests that need something a machine may lack (Chromium, a pseudo-terminal, root, ...): on a
 * developer's machine they are skipped with one line on stderr saying what is missing and how to get it; when
 * the environment variable CI is set (CI provides everything) the missing requirement fails the tests instead.
 */
export function ciIsSet(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * `describe` when `missing` is undefined; otherwise, without CI, `describe.skip` (after printing
 * "skipped <what>: <missing>"), and with CI a describe whose one test fails with `missing`.
 */
export function describeIfAvailable(missing: string | undefined, what: string): jest.Describe {
  if (missing === undefined) return describe;
  if (ciIsSet()) {
    return ((name: string) =>
      describe(name, () => {
        it(`has what it needs (${what})`, () => {
          throw new Error(`${missing} (CI is set: a missing requirement fails instead of skipping)`);
        });
      })) as unknown as jest.Describe;
  }
  process.stderr.write(`skipped ${what}: ${missing}\n`);
  return describe.skip;
}
