import {uniformFloat64} from 'pure-rand/distribution/uniformFloat64';
import {xoroshiro128plus} from 'pure-rand/generator/xoroshiro128plus';
import type {RandomGenerator} from 'pure-rand/types/RandomGenerator';
import {streamSeed} from './hash.js';

/**
 * Seeded random streams and the few distributions the simulation needs. Every function takes the
 * generator explicitly (pure-rand 8 generators are mutable: each draw advances the stream), so a caller
 * that owns a per-company stream fully controls what that company draws.
 */
export type Rng = RandomGenerator;

/**
 * The random stream of one entity in one stage: xoroshiro128plus seeded with streamSeed(seed, stage, key).
 * Two entities never share a stream, so adding, removing or reordering entities never changes another's draws.
 */
export function streamFor(seed: number, stage: string, key: string): Rng {
  const rng = xoroshiro128plus(streamSeed(seed, stage, key));
  // The first outputs of a freshly seeded xoroshiro are simple functions of the seed: warm it up.
  for (let i = 0; i < 4; i++) rng.next();
  return rng;
}

/** Uniform in [0, 1). */
export function uniform(rng: Rng): number {
  return uniformFloat64(rng);
}

/** Uniform integer in [lo, hi] (both included). */
export function uniformInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(uniformFloat64(rng) * (hi - lo + 1));
}

/** true with probability p. Always consumes one draw. */
export function bernoulli(rng: Rng, p: number): boolean {
  return uniformFloat64(rng) < p;
}

/** Standard normal (Box-Muller; consumes two draws). */
export function normal(rng: Rng): number {
  const u = 1 - uniformFloat64(rng); // (0, 1]: log(u) is finite
  const v = uniformFloat64(rng);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Lognormal with the given median (exp(mu)) and sigma of the underlying normal. */
export function lognormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rng));
}

/** Running sums of weights, for weightedIndex. Throws on negative weights or an all-zero list. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    if (!(weights[i] >= 0)) throw new Error(`weight ${i} is ${weights[i]}; weights must be >= 0`);
    sum += weights[i];
    out[i] = sum;
  }
  if (!(sum > 0)) throw new Error('at least one weight must be > 0');
  return out;
}

/** Index drawn with probability proportional to its weight (cum = cumulative(weights)). One draw. */
export function weightedIndex(rng: Rng, cum: Float64Array): number {
  const x = uniformFloat64(rng) * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** FNV-1a 32-bit hash of a string: cheap, stable, for deterministic (non-random) assignment. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
