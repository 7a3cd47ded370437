/* The size bands on their own: the schemas need them, and should not load the domain parser (tldts) with them. */

/** Canonical LinkedIn-style size bands, smallest first. */
export const SIZE_BANDS = ['1', '2-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+'] as const;
export type KnownSizeBand = (typeof SIZE_BANDS)[number];
export type SizeBand = KnownSizeBand | 'unknown';
export const ALL_SIZE_BANDS = [...SIZE_BANDS, 'unknown'] as const;
