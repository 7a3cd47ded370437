/**
 * Merging summary accumulators across parts (worker threads each handling a contiguous part of the companies).
 *
 * A mergeable state is "additive": every field is
 * - a number that adds up across parts: a count, or an exact integer sum (integer dollars, cents, ...; never a
 *   float sum, whose rounding would depend on how the parts were split),
 * - a list of observations (for medians, percentiles): the later part's list is appended,
 * - or a plain record of such fields, merged key by key. A key new to `into` is appended after its keys, so a
 *   record keeps the first-appearance order of its keys, as if one accumulator had seen every part in order.
 * States hold nothing else (no strings, booleans, functions or class instances), so they survive
 * structuredClone / postMessage unchanged.
 */
export type Additive = number | number[] | {[key: string]: Additive};

/** Adds a later part's additive state `from` into `into` (see Additive). `from` is only read, never aliased. */
export function addInto<T extends object>(into: T, from: T): void {
  addRecord(into as Record<string, unknown>, from as Record<string, unknown>, '');
}

function addRecord(into: Record<string, unknown>, from: Record<string, unknown>, path: string): void {
  for (const key of Object.keys(from)) {
    const where = path ? `${path}.${key}` : key;
    const v = from[key];
    const cur = into[key];
    if (typeof v === 'number') {
      if (cur === undefined) into[key] = v;
      else if (typeof cur === 'number') into[key] = cur + v;
      else throw mismatch(where);
    } else if (Array.isArray(v)) {
      if (cur === undefined) into[key] = v.slice();
      else if (Array.isArray(cur)) {
        // Index loop over a fixed length: safe for large lists (no spread) and when `from` is `into` itself.
        for (let i = 0, n = v.length; i < n; i++) cur.push(v[i]);
      } else throw mismatch(where);
    } else if (isRecord(v)) {
      if (cur === undefined) {
        const fresh: Record<string, unknown> = {};
        into[key] = fresh;
        addRecord(fresh, v, where);
      } else if (isRecord(cur)) addRecord(cur, v, where);
      else throw mismatch(where);
    } else {
      throw new TypeError(`cannot merge ${where}: ${JSON.stringify(v)} is not additive (number, number list or record)`);
    }
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function mismatch(where: string): TypeError {
  return new TypeError(`cannot merge ${where}: the two states have different shapes`);
}
