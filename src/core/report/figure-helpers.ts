/** Small helpers shared by the report's figures: month indexes, display orders, count rows. Pure. */

export interface CountRow {
  key: string;
  count: number;
  share: number;
}

/** An amount in USD as whole cents (sums of cents are exact: see the accumulators' states). */
export const cents = (usd: number): number => Math.round(usd * 100);

/** Months since year 0 of a YYYY-MM[-DD] date. */
export function monthIndex(date: string): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

/** YYYY-MM of a month index (see monthIndex). */
export function monthLabel(index: number): string {
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}`;
}

/** Known keys first in the given order, then the others alphabetically. */
export function ordered(keys: Iterable<string>, order: readonly string[]): string[] {
  const present = new Set(keys);
  const known = new Set(order);
  const rest = [...present].filter((k) => !known.has(k)).sort();
  return [...order.filter((k) => present.has(k)), ...rest];
}

/** Count rows of counts by key, `share` of `n`: largest first (ties by name). */
export function countRows(counts: ReadonlyMap<string, number>, n: number): CountRow[] {
  return [...counts].map(([key, count]) => ({key, count, share: count / n})).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

/** Feeds every row to an accumulator, in order. */
export function feed<T, A extends {add(row: T): void}>(acc: A, rows: readonly T[]): A {
  for (const row of rows) acc.add(row);
  return acc;
}
