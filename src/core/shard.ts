import {hash32} from './hash.js';

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
