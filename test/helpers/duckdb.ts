import {ciIsSet} from './requirements.js';

/** A DuckDB connection for tests (through @duckdb/node-api): rows as plain JS objects. */
export interface TestDuckDb {
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  close(): void;
}

/** Why DuckDB cannot be loaded here, or undefined when it can. */
export async function duckDbMissing(): Promise<string | undefined> {
  try {
    await import('@duckdb/node-api');
    return undefined;
  } catch (e) {
    return `@duckdb/node-api does not load on this machine (${(e as Error).message}); npm ci installs it with its binary for linux-x64`;
  }
}

/**
 * An in-memory DuckDB (or the file `path`, read-only). When DuckDB cannot load: undefined, after one line saying
 * what is missing (the caller's checks are skipped), or, with CI set, an error (see requirements.ts).
 */
export async function openDuckDb(path = ':memory:'): Promise<TestDuckDb | undefined> {
  const missing = await duckDbMissing();
  if (missing !== undefined) {
    if (ciIsSet()) throw new Error(`${missing} (CI is set: a missing requirement fails instead of skipping)`);
    process.stderr.write(`skipped DuckDB checks: ${missing}\n`);
    return undefined;
  }
  const {DuckDBInstance} = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(path, path === ':memory:' ? {} : {access_mode: 'READ_ONLY'});
  const connection = await instance.connect();
  return {
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
