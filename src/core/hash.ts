import * as crypto from 'node:crypto';

/**
 * Hex SHA-256 of a string (UTF-8). Uses the one-shot crypto.hash where Node has it (20.12+): about three
 * times faster than a Hash object per call, which matters at one or more hashes per company.
 */
export const sha256: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * A short, stable ID: prefix + the first 16 hex digits (64 bits) of SHA-256(key). Different keys get one ID
 * by chance only: among a million keys, with a probability of about 3 in 100 million (n^2 / 2^65). (With the
 * 12 digits of earlier versions it was about 1 in 550, too likely for lists of that size.)
 */
export function stableId(prefix: string, key: string): string {
  return `${prefix}_${sha256(key).slice(0, 16)}`;
}

/** An unsigned 32-bit integer from SHA-256 of the parts (shard assignment: see core/shard.ts). */
export function hash32(...parts: Array<string | number>): number {
  // The first 4 bytes of the digest, big-endian (the first 8 hex digits).
  return parseInt(sha256(parts.join('\u0000')).slice(0, 8), 16);
}

/**
 * cyrb53 (public domain) of a string's UTF-16 code units: two 32-bit multiply-xorshift lanes, each finalised
 * with the other, so both are well mixed (a one-character change flips about half the bits of each). The
 * lanes are left in `cyrb53.h1` / `cyrb53.h2` (signed 32-bit) so that a hot loop allocates nothing. Not a
 * cryptographic hash: for hash tables (the account keys of enrich's first pass) and for seeding random
 * streams, where it is about twenty times cheaper than SHA-256 through node:crypto.
 */
export const cyrb53 = {
  h1: 0,
  h2: 0,
  of(text: string): void {
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.h1 = h1;
    this.h2 = h2;
  },
};

/**
 * The 32-bit seed of one random stream: cyrb53 of (seed, stage, key) joined by NUL, its first lane. It only has
 * to spread keys evenly and avalanche, and it runs once or twice per company. IDs stay SHA-256 (stableId).
 */
export function streamSeed(seed: number, stage: string, key: string): number {
  cyrb53.of(`${seed}\u0000${stage}\u0000${key}`);
  return cyrb53.h1 >>> 0;
}
