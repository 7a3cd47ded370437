/**
 * Account ids by key for the first pass of `enrich` (see account-plan.ts): the key hashes, the hash table that
 * numbers the keys without keeping them, and the growable typed arrays the first pass fills. Pure.
 */
import {cyrb53} from './hash.js';

/** A growable Int32Array / Float64Array. */
export class Growable<T extends Int32Array | Float64Array> {
  length = 0;
  constructor(
    private data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(Math.max(16, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  set(i: number, v: number): void {
    this.data[i] = v;
  }
  get(i: number): number {
    return this.data[i];
  }
  /** The filled part (a copy, so the spare capacity is freed). */
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export const int32s = () => new Growable(new Int32Array(1024), (n) => new Int32Array(n));
export const float64s = () => new Growable(new Float64Array(1024), (n) => new Float64Array(n));

/**
 * A cheap 32-bit check value of an account key (FNV-1a over the UTF-16 units), stored by the first pass and
 * compared by the second to notice a file that changed in between. Not for IDs or random streams (those use
 * hash.ts): a collision only weakens the check.
 */
export function keyCheck(key: string): number {
  keyHashes.of(key);
  return keyHashes.h1;
}

/**
 * Two 32-bit hashes of a key (the two lanes of cyrb53, see core/hash.ts), left in `keyHashes.h1` /
 * `keyHashes.h2` (no allocation per key). h1 is keyCheck(key).
 */
export const keyHashes = {
  h1: 0,
  h2: 0,
  of(key: string): void {
    cyrb53.of(key);
    this.h1 = cyrb53.h1;
    this.h2 = cyrb53.h2;
  },
};

/** Thrown by the second pass when two different keys got the same account in the first (see KeyIds). */
export class KeyCollision extends Error {
  constructor() {
    super('KeyCollision: two account keys share a 64-bit hash');
    this.name = 'KeyCollision';
  }
}

/**
 * Account ids by key for the first pass, from a 64-bit hash of each key in an open-addressing table of typed
 * arrays: no key string is kept, which on a million companies saves most of the first pass's time and memory
 * (a Map of a million strings costs about a second and 100 MB). Two different keys with the same hash (about
 * one chance in 10^7 for a million keys) would share an account: the second pass sees the rows of each account
 * side by side and throws KeyCollision, and the caller starts over with exact keys (`exact`: a Map).
 */
export class KeyIds {
  private mask = (1 << 16) - 1;
  private table = new Int32Array(1 << 16); // id + 1, 0 = empty
  private h1 = int32s();
  private h2 = int32s();
  private readonly map: Map<string, number> | undefined;

  /** `hash` replaces keyHashes.of (tests make keys collide with it). */
  constructor(
    exact = false,
    private readonly hash: (key: string) => void = (k) => keyHashes.of(k),
  ) {
    this.map = exact ? new Map() : undefined;
  }

  get size(): number {
    return this.h1.length;
  }

  /** The key's id, or -1 - (the new id) when the key is new. */
  idOf(key: string): number {
    if (this.map) {
      const id = this.map.get(key);
      if (id !== undefined) return id;
      this.map.set(key, this.h1.length);
      this.h1.push(0);
      return -1 - (this.h1.length - 1);
    }
    this.hash(key);
    return this.idOfHashes(keyHashes.h1, keyHashes.h2);
  }

  /** The id of the key with these two hashes (see idOf), or -1 - (the new id) when it is new. */
  idOfHashes(a: number, b: number): number {
    if (this.map) throw new Error('KeyIds: keys compared exactly have no hashes');
    const mask = this.mask;
    const table = this.table;
    let i = (a ^ Math.imul(b, 0x27d4eb2d)) & mask;
    for (;;) {
      const slot = table[i];
      if (slot === 0) break;
      if (this.h1.get(slot - 1) === a && this.h2.get(slot - 1) === b) return slot - 1;
      i = (i + 1) & mask;
    }
    const id = this.h1.length;
    this.h1.push(a);
    this.h2.push(b);
    table[i] = id + 1;
    if (this.h1.length * 2 > mask) this.grow();
    return -1 - id;
  }

  /** Each key's two hashes, by id (not with exact keys). */
  hashes(): {h1: Int32Array; h2: Int32Array} {
    return {h1: this.h1.done(), h2: this.h2.done()};
  }

  private grow(): void {
    const mask = this.mask * 2 + 1;
    const table = new Int32Array(mask + 1);
    for (let id = 0; id < this.h1.length; id++) {
      let i = (this.h1.get(id) ^ Math.imul(this.h2.get(id), 0x27d4eb2d)) & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = id + 1;
    }
    this.mask = mask;
    this.table = table;
  }
}
