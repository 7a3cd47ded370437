import {keyCheck} from './account-keys.js';

/**
 * Where the dataset's tables are cut into row groups, for a format that has them (Parquet): before the rows of a
 * company whose key's check value (keyCheck, FNV-style, well mixed) is a multiple of `every`, in every table at
 * once, plus wherever a table's group grows too big. A rule on the company alone, so the groups are the same
 * whichever thread writes which companies (the ranges of `enrich`'s workers start at such a company: see
 * splitRanges), whatever `--limit` or the shard leaves out, and the same in `run` and in the stage commands: same
 * seed, same bytes. About one company in `every` starts a group.
 */
export function startsRowGroupAt(check: number, every: number): boolean {
  return every <= 1 || (check >>> 0) % every === 0;
}

/** startsRowGroupAt for a company key. */
export function startsRowGroup(companyKey: string, every: number): boolean {
  return startsRowGroupAt(keyCheck(companyKey), every);
}
