import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {z} from 'zod';
import {writeFileAtomic} from './atomic.js';

/**
 * The enrichment cache: one JSON file per company answer at `<dir>/<key[0..2]>/<key>.json`, where key is a
 * 64-hex-digit hash (so a file name never comes from input text, and 1M entries spread over 256 folders).
 *
 * Writes are atomic (io/atomic.ts: temporary file in the same folder, then rename), so a run killed at any moment, even
 * with SIGKILL, leaves either the whole entry or none. An entry that does not parse or does not match its
 * schema (truncated by a crash of the machine, edited by hand, written by another version) is reported as
 * corrupt; the caller recomputes and overwrites it.
 */
export type CacheRead<T> = {status: 'hit'; entry: T} | {status: 'miss'} | {status: 'corrupt'; reason: string; path: string};

const KEY = /^[0-9a-f]{64}$/;

export class EnrichCache<T> {
  constructor(
    readonly dir: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  /** Where the entry of `key` lives. `key` must be 64 lower-case hex digits (a SHA-256). */
  pathFor(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid cache key: expected 64 hex digits`);
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  read(key: string): CacheRead<T> {
    const path = this.pathFor(key);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return {status: 'miss'};
      return {status: 'corrupt', reason: `cannot read (${code ?? (e as Error).message})`, path};
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return {status: 'corrupt', reason: text.length === 0 ? 'empty file' : `invalid JSON (${(e as Error).message})`, path};
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {status: 'corrupt', reason: `unexpected content at ${issue.path.join('.') || '(top level)'}: ${issue.message}`, path};
    }
    return {status: 'hit', entry: parsed.data};
  }

  /** Writes the entry atomically (replacing any previous one). Throws on I/O errors (disk full, no permission). */
  write(key: string, entry: T): void {
    writeFileAtomic(this.pathFor(key), `${JSON.stringify(entry)}\n`);
  }
}
