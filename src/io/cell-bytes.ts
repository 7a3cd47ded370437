/** The cells of a batch of rows of a TableCursor, as bytes in one growing buffer (see table-cursor.ts). */

/** The cells of a batch of rows: row i's are bytes [ends[i - 1] (or 0), ends[i]). */
export interface CellBytes {
  bytes: Buffer;
  used: number;
  ends: number[];
}

const EMPTY = Buffer.alloc(0);
/** An empty batch of cells (its buffer is made by the first roomFor: most cursors give no cells). */
export const newCellBytes = (): CellBytes => ({bytes: EMPTY, used: 0, ends: []});

/** The batch's buffer, grown (copied) when it has no room for `n` more bytes. */
export function roomFor(t: CellBytes, n: number): CellBytes {
  if (t.used + n > t.bytes.length) {
    const bigger = Buffer.allocUnsafe(Math.max(t.bytes.length * 2, t.used + n, 64 << 10));
    t.bytes.copy(bigger, 0, 0, t.used);
    t.bytes = bigger;
  }
  return t;
}

export const cellsAt = (t: CellBytes, i: number): Uint8Array => t.bytes.subarray(i === 0 ? 0 : t.ends[i - 1], t.ends[i]);
