/**
 * A set of the IDs of a table (`<prefix>_` + 16 hex digits: 64 bits, see PLAIN_PATTERNS.id), for a reader that
 * checks they are unique: the two 32-bit halves of each ID side by side in one open-addressing table (one memory
 * access per probe), about 16 bytes per ID (a Set of strings would hold the strings: several times that at a
 * million companies). Exact for IDs of one prefix.
 */

/** The value of a hex digit's character code (0-9, a-f; the IDs are checked to be such). */
const hex = (c: number): number => (c <= 57 ? c - 48 : c - 87);

export class IdSet {
  /** Slot i: halves at 2i (hi) and 2i + 1 (lo); (0, 0) is an empty slot (the ID of all zeros is kept apart). */
  private slots = new Uint32Array(2 * 1024);
  private count = 0;
  private zero = false;

  /** Adds the ID (16 hex digits after its last '_'); false when it was there already. */
  add(id: string): boolean {
    const at = id.length - 16;
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < 8; i++) hi = ((hi << 4) | hex(id.charCodeAt(at + i))) >>> 0;
    for (let i = 8; i < 16; i++) lo = ((lo << 4) | hex(id.charCodeAt(at + i))) >>> 0;
    if (hi === 0 && lo === 0) {
      if (this.zero) return false;
      this.zero = true;
      return true;
    }
    if (4 * (this.count + 1) > this.slots.length) this.grow();
    return this.put(hi, lo);
  }

  private put(hi: number, lo: number): boolean {
    const s = this.slots;
    const mask = (s.length >> 1) - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const h = s[2 * i];
      const l = s[2 * i + 1];
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 1) & mask;
    }
    s[2 * i] = hi;
    s[2 * i + 1] = lo;
    this.count++;
    return true;
  }

  /** The IDs added, as their 64 bits (each hi * 2^32 + lo), in no order. */
  values(): BigUint64Array {
    const s = this.slots;
    const out = new BigUint64Array(this.count + (this.zero ? 1 : 0));
    let k = 0;
    for (let i = 0; i < s.length; i += 2) if (s[i] !== 0 || s[i + 1] !== 0) out[k++] = (BigInt(s[i]) << 32n) | BigInt(s[i + 1]);
    if (this.zero) out[k] = 0n;
    return out;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.put(old[i], old[i + 1]);
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
