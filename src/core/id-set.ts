/**
 * A set of the IDs of a table (`<prefix>_` + 16 hex digits: 64 bits, see PLAIN_PATTERNS.id), for a reader that
 * checks they are unique: two 32-bit halves per ID in an open-addressing table, about 16 bytes per ID (a Set of
 * strings would hold the strings: several times that at a million companies). Exact for IDs of one prefix.
 */
export class IdSet {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private used = new Uint8Array(1024);
  private count = 0;

  /** Adds the ID (16 hex digits after its last '_'); false when it was there already. */
  add(id: string): boolean {
    const at = id.length - 16;
    const hi = parseInt(id.slice(at, at + 8), 16) >>> 0;
    const lo = parseInt(id.slice(at + 8), 16) >>> 0;
    if (2 * (this.count + 1) > this.used.length) this.grow();
    return this.put(hi, lo);
  }

  private put(hi: number, lo: number): boolean {
    const mask = this.used.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.used[i] === 1) {
      if (this.hi[i] === hi && this.lo[i] === lo) return false;
      i = (i + 1) & mask;
    }
    this.used[i] = 1;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.count++;
    return true;
  }

  /** The IDs added, as their 64 bits (each hi * 2^32 + lo), in no order. */
  values(): BigUint64Array {
    const out = new BigUint64Array(this.count);
    let k = 0;
    for (let i = 0; i < this.used.length; i++) if (this.used[i] === 1) out[k++] = (BigInt(this.hi[i]) << 32n) | BigInt(this.lo[i]);
    return out;
  }

  private grow(): void {
    const {hi, lo, used} = this;
    const n = used.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.used = new Uint8Array(n);
    this.count = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.put(hi[i], lo[i]);
  }
}

/** The first value found in more than one of the lists (IDs of parts of a table, see IdSet.values); undefined when none is. */
export function firstRepeated(lists: readonly BigUint64Array[]): bigint | undefined {
  const all = new BigUint64Array(lists.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of lists) {
    all.set(l, at);
    at += l.length;
  }
  all.sort();
  for (let i = 1; i < all.length; i++) if (all[i] === all[i - 1]) return all[i];
  return undefined;
}
