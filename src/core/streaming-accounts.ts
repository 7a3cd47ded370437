import {hash32} from './hash.js';
import {mergeRows, type CleanRow} from './ingest.js';
import {detachStrings} from './strings.js';

/** `--shard K/N`: which of N shards a company key (or a rejected row's text) belongs to, 0-based. */
export function shardOf(key: string, count: number): number {
  return count <= 1 ? 0 : hash32('shard', key) % count;
}

export interface Shard {
  /** 0-based shard index (the flag says K/N with K from 1 to N). */
  index: number;
  count: number;
}

/** Parses `K/N` (1 <= K <= N); returns an error message when it is not one. */
export function parseShard(text: string): Shard | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return `--shard ${JSON.stringify(text)} is not K/N (e.g. --shard 2/8)`;
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || k < 1 || k > n) return `--shard ${text}: K must be between 1 and N (e.g. --shard 2/8)`;
  return {index: k - 1, count: n};
}

/**
 * Assembles accounts in one streaming pass, given how many rows each key has (counted in a first pass over
 * the keys only). A key with one row is a company at once; the rows of a shared key are held until the
 * last one arrives and then merged. Memory grows only with the rows of keys still incomplete, and the
 * result of a merge depends only on the set of rows (see mergeRows), never on their order.
 */
export class AccountAssembler {
  private readonly pending = new Map<string, CleanRow[]>();
  merged = 0;

  constructor(private readonly counts: ReadonlyMap<string, number>, private readonly previous: ReadonlySet<string>) {}

  /** The company this row completes, or null while its key awaits more rows. */
  add(row: CleanRow) {
    const expected = this.counts.get(row.key) ?? 1;
    const prev = row.domain !== '' && this.previous.has(row.domain);
    if (expected === 1) return mergeRows([row], prev);
    const group = this.pending.get(row.key);
    // Rows that wait for the rest of their account are copied, so they do not keep the CSV chunk they were cut from alive.
    if (!group) {
      this.pending.set(row.key, [detachStrings(row)]);
      return null;
    }
    group.push(detachStrings(row));
    if (group.length < expected) return null;
    this.pending.delete(row.key);
    this.merged += group.length - 1;
    return mergeRows(group, prev);
  }

  /** Keys whose rows did not all arrive (the input changed between the passes). */
  get incomplete(): number {
    return this.pending.size;
  }
}
