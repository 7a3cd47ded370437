/**
 * What the first pass of `enrich` learns about an export, and how the second pass is planned from it: which
 * account each record belongs to, how many rows each account has and where its last row is (companies come
 * out in the order of their last row), which accounts --limit keeps, and how the records split into
 * contiguous ranges that workers can read on their own. Pure: typed arrays in, typed arrays out.
 */

import {int32s, KeyIds} from './account-keys.js';
import {startsRowGroupAt} from './row-groups.js';

// The first pass's key hashes and id table are in account-keys.ts; callers import them from here too.
export {float64s, int32s, keyCheck, KeyCollision, keyHashes, KeyIds} from './account-keys.js';

/** Per-record marks in `AccountIndex.account` besides an account id (>= 0). */
export const NOT_A_COMPANY = -1; // blank, rejected, malformed, or in another shard
const BEYOND_LIMIT = -2; // its account is not among the first --limit companies
const ELSEWHERE = -3; // read by another range's worker and handed to the range that finishes the account

export interface AccountIndex {
  /** Data records (after the header), blank ones included: record i is spreadsheet row i + 2. */
  records: number;
  /** Per record: its account id, or one of the marks above. */
  account: Int32Array;
  /** Per record: keyCheck of its account key (0 when not a company), to check that the second pass reads the same file. */
  keyHash: Int32Array;
  /** Per record: the physical line it starts on. */
  line: Int32Array;
  /** Per record: its first byte in the file, plus the end of the data at [records]; only from the fast scan. */
  offset?: Float64Array;
  /** Per account: its number of rows. */
  rows: Int32Array;
  /** Per account: the record index of its last row. */
  last: Int32Array;
}

/**
 * Applies --limit: only the first `limit` companies (in output order, i.e. by last row) are kept; the rows
 * of the others are marked BEYOND_LIMIT. Returns how many accounts were kept.
 */
export function applyLimit(ix: AccountIndex, limit: number): number {
  const accounts = ix.last.length;
  if (!(limit < accounts)) return accounts;
  if (limit <= 0) {
    for (let i = 0; i < ix.records; i++) if (ix.account[i] >= 0) ix.account[i] = BEYOND_LIMIT;
    return 0;
  }
  const sorted = ix.last.slice().sort();
  const cutoff = sorted[limit - 1];
  for (let i = 0; i < ix.records; i++) {
    const a = ix.account[i];
    if (a >= 0 && ix.last[a] > cutoff) ix.account[i] = BEYOND_LIMIT;
  }
  return limit;
}

export interface Range {
  /** Records [first, end). */
  first: number;
  end: number;
  /** Rows of accounts finished in this range that lie in earlier ranges: record indexes (ascending) and their accounts. */
  foreign: number[];
  foreignAccount: number[];
}

/**
 * Splits the records into at most `parts` contiguous ranges of about equal bytes (each starting at a record
 * boundary). An account belongs to the range of its last row; its rows in earlier ranges are marked
 * ELSEWHERE in `account` and listed as that range's `foreign` rows. `groupEvery`: each range after the first starts
 * at a company that starts a row group (core/row-groups.ts), for a format whose files have groups of companies.
 */
export function splitRanges(ix: AccountIndex, parts: number, groupEvery?: number): Range[] {
  const offset = ix.offset;
  const n = ix.records;
  const bounds = [0];
  if (offset && parts > 1) {
    const begin = offset[0];
    const total = offset[n] - begin;
    for (let k = 1; k < parts; k++) {
      const target = begin + (total * k) / parts;
      // First record starting at or after the target.
      let lo = bounds[bounds.length - 1];
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (offset[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      // A format with row groups by company: the range starts at a company that starts a group (one of a single row:
      // its record's key is the company's key).
      if (groupEvery !== undefined)
        while (lo < n && !(ix.account[lo] >= 0 && ix.rows[ix.account[lo]] === 1 && startsRowGroupAt(ix.keyHash[lo], groupEvery))) lo++;
      if (lo > bounds[bounds.length - 1] && lo < n) bounds.push(lo);
    }
  }
  bounds.push(n);
  const ranges: Range[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) ranges.push({first: bounds[k], end: bounds[k + 1], foreign: [], foreignAccount: []});
  if (ranges.length > 1) {
    const rangeOf = (record: number) => {
      let lo = 0;
      let hi = ranges.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (record >= ranges[mid].end) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (let k = 0; k < ranges.length; k++) {
      const r = ranges[k];
      for (let i = r.first; i < r.end; i++) {
        const a = ix.account[i];
        if (a < 0 || ix.rows[a] === 1) continue;
        const owner = rangeOf(ix.last[a]);
        if (owner === k) continue;
        ranges[owner].foreign.push(i);
        ranges[owner].foreignAccount.push(a);
        ix.account[i] = ELSEWHERE;
      }
    }
  }
  return ranges;
}

/**
 * The first pass over one part of the export, on its own (two threads index the two halves of a large
 * export at once): records, lines and accounts are counted from the part's start, and each account carries
 * its key's two hashes so that joinParts can match it with the accounts of the part before.
 */
export interface PartIndex {
  records: number;
  account: Int32Array;
  keyHash: Int32Array;
  /** Per record: its physical line, counted from the part's own start. */
  line: Int32Array;
  /** Per record: its first byte in the file (absolute); the second part adds the end of the data. */
  offset: Float64Array;
  /** Per account of the part: its rows in the part, its last record in the part, its key's hashes. */
  rows: Int32Array;
  last: Int32Array;
  h1: Int32Array;
  h2: Int32Array;
  /** The line just past the part's last record (in the part's numbering). */
  endLine: number;
  /** The part's names (see NameLinks), numbered in the part: each name's two hashes, and its domain account in the part. */
  nameH1: Int32Array;
  nameH2: Int32Array;
  nameDomain: Int32Array;
  /** The part's rows without a domain (see NameLinks): account and name, in the part's numbering. */
  linkAccount: Int32Array;
  linkName: Int32Array;
  /** Under --shard: per account of the part, the shard of its key (else empty). */
  accountShard: Int32Array;
}

/**
 * Joins the first passes over the two halves of an export into the index one pass over the whole export
 * gives: the second half's records follow the first's, its lines follow the first's last line, and its
 * accounts are matched with the first half's by their key hashes (the same ids as one pass: new accounts are
 * numbered in the order of their first row).
 */
export function joinParts(a: PartIndex, b: PartIndex): {index: AccountIndex; links: NameLinks; accountShard: Int32Array} {
  const ids = new KeyIds();
  for (let i = 0; i < a.h1.length; i++) ids.idOfHashes(a.h1[i], a.h2[i]);
  const accountsB = b.rows.length;
  const global = new Int32Array(accountsB);
  const rows = int32s();
  const last = int32s();
  for (let i = 0; i < a.rows.length; i++) {
    rows.push(a.rows[i]);
    last.push(a.last[i]);
  }
  // b's accounts are numbered in the order of their first row in b: matching them in that order numbers the
  // new ones as one pass would.
  for (let j = 0; j < accountsB; j++) {
    let id = ids.idOfHashes(b.h1[j], b.h2[j]);
    if (id < 0) {
      id = -1 - id;
      rows.push(b.rows[j]);
      last.push(a.records + b.last[j]);
    } else {
      rows.set(id, rows.get(id) + b.rows[j]);
      last.set(id, a.records + b.last[j]);
    }
    global[j] = id;
  }
  const records = a.records + b.records;
  const account = new Int32Array(records);
  account.set(a.account);
  for (let i = 0; i < b.records; i++) {
    const x = b.account[i];
    account[a.records + i] = x >= 0 ? global[x] : x;
  }
  const keyHash = new Int32Array(records);
  keyHash.set(a.keyHash);
  keyHash.set(b.keyHash, a.records);
  const line = new Int32Array(records);
  line.set(a.line);
  for (let i = 0; i < b.records; i++) line[a.records + i] = a.endLine + b.line[i];
  const offset = new Float64Array(records + 1);
  offset.set(a.offset.subarray(0, a.records));
  offset.set(b.offset, a.records);
  // Under --shard: the shards of b's new accounts follow a's.
  const sharded = a.accountShard.length + b.accountShard.length > 0;
  const accountShard = new Int32Array(sharded ? rows.length : 0);
  if (sharded) {
    accountShard.set(a.accountShard);
    for (let j = 0; j < accountsB; j++) accountShard[global[j]] = b.accountShard[j];
  }
  // Names: b's matched with a's by their hashes, numbered as one pass would (in the order of their first row).
  const names = new KeyIds();
  const nameDomain = int32s();
  for (let i = 0; i < a.nameH1.length; i++) {
    names.idOfHashes(a.nameH1[i], a.nameH2[i]);
    nameDomain.push(a.nameDomain[i]);
  }
  const globalName = new Int32Array(b.nameH1.length);
  for (let j = 0; j < b.nameH1.length; j++) {
    const d = b.nameDomain[j] >= 0 ? global[b.nameDomain[j]] : b.nameDomain[j];
    let id = names.idOfHashes(b.nameH1[j], b.nameH2[j]);
    if (id < 0) {
      id = -1 - id;
      nameDomain.push(d);
    } else nameDomain.set(id, nameDomainWith(nameDomain.get(id), d));
    globalName[j] = id;
  }
  const linkAccount = new Int32Array(a.linkAccount.length + b.linkAccount.length);
  const linkName = new Int32Array(linkAccount.length);
  linkAccount.set(a.linkAccount);
  linkName.set(a.linkName);
  for (let j = 0, k = a.linkAccount.length; j < b.linkAccount.length; j++, k++) {
    linkAccount[k] = global[b.linkAccount[j]];
    linkName[k] = globalName[b.linkName[j]];
  }
  return {
    index: {records, account, keyHash, line, offset, rows: rows.done(), last: last.done()},
    links: {nameDomain: nameDomain.done(), account: linkAccount, name: linkName},
    accountShard,
  };
}

/** NameLinks.nameDomain: no account with a domain has the name (yet). */
export const NO_DOMAIN = -1;
/** NameLinks.nameDomain: accounts on two or more domains have the name. */
const AMBIGUOUS_NAME = -2;

/**
 * What the first pass learns to merge rows without a domain into the account of the domain whose name they
 * carry (see finishIndex). Names are the folded names (nameKey) of the rows, '' left out.
 */
export interface NameLinks {
  /** Per name: the account with a domain that has a row of this name, NO_DOMAIN or AMBIGUOUS_NAME. */
  nameDomain: Int32Array;
  /** Per row with a name but no usable domain, in record order: its account and its name. */
  account: Int32Array;
  name: Int32Array;
}

/** A name's nameDomain once account `d` (with a domain; or NO_DOMAIN, AMBIGUOUS_NAME) is seen with it too. */
export function nameDomainWith(current: number, d: number): number {
  if (d === NO_DOMAIN || current === d) return current;
  if (current === NO_DOMAIN) return d;
  return AMBIGUOUS_NAME;
}

/** The first pass's index, finished: accounts merged by name, other shards' taken out (see finishIndex). */
export interface FinishedIndex {
  index: AccountIndex;
  /** Rows without a domain merged into the account of the one domain that has their name (in this shard). */
  mergedByName: number;
  /** Rows without a domain whose name accounts on two or more domains have: not merged, their own companies (in this shard). */
  ambiguousByName: number;
  /** Rows of accounts in other shards (under --shard). */
  otherShards: number;
}

/**
 * Finishes the first pass's index (pure; the same for one pass and for two halves joined):
 * - An account without a domain (keyed by LinkedIn page or name) whose rows carry the name of an account with a
 *   domain merges into it when that is the only domain with a row of one of its names; when there are two or more,
 *   it is ambiguous and stays on its own. An account with a domain never merges into another.
 * - Under --shard (`shard`: the shard of each account's own key, and this shard), only the accounts whose key
 *   (the domain's, for a merged account) is in this shard are kept; the others' rows are marked NOT_A_COMPANY.
 * Accounts are numbered again in their order (merged ones and other shards' left out); each account's rows and
 * last row count its merged rows. `raw` is left as it was when nothing changes, else replaced.
 */
export function finishIndex(raw: AccountIndex, links: NameLinks, shard?: {accountShard: Int32Array; index: number}): FinishedIndex {
  const accounts = raw.rows.length;
  // Per account: the account it merges into, -1 (none) or AMBIGUOUS_NAME.
  const target = new Int32Array(accounts).fill(-1);
  for (let k = 0; k < links.account.length; k++) {
    const d = links.nameDomain[links.name[k]];
    if (d === NO_DOMAIN) continue;
    const a = links.account[k];
    const t = target[a];
    if (t === AMBIGUOUS_NAME) continue;
    target[a] = d === AMBIGUOUS_NAME || (t >= 0 && t !== d) ? AMBIGUOUS_NAME : d;
  }
  // A target is an account with a domain, which never merges itself: only two keys sharing a hash (see KeyIds)
  // could say otherwise. Such an account then merges into nothing, and the second pass sees the collision.
  let anyMerge = false;
  for (let a = 0; a < accounts; a++) {
    const t = target[a];
    if (t >= 0 && (t === a || target[t] !== -1)) target[a] = -1;
    else if (t >= 0) anyMerge = true;
  }
  const inShard = (a: number) => !shard || shard.accountShard[a] === shard.index;
  let ambiguousByName = 0;
  for (let a = 0; a < accounts; a++) if (target[a] === AMBIGUOUS_NAME && inShard(a)) ambiguousByName += raw.rows[a];
  if (!anyMerge && !shard) return {index: raw, mergedByName: 0, ambiguousByName, otherShards: 0};

  // New ids: the kept accounts in order; a merged account takes its target's.
  const newId = new Int32Array(accounts).fill(-1);
  let kept = 0;
  for (let a = 0; a < accounts; a++) if (target[a] < 0 && inShard(a)) newId[a] = kept++;
  const rows = new Int32Array(kept);
  const last = new Int32Array(kept);
  let mergedByName = 0;
  for (let a = 0; a < accounts; a++) {
    const own = target[a] < 0;
    if (!own) newId[a] = newId[target[a]];
    const id = newId[a];
    if (id < 0) continue;
    if (!own) mergedByName += raw.rows[a];
    rows[id] += raw.rows[a];
    last[id] = Math.max(last[id], raw.last[a]);
  }
  const account = raw.account.slice();
  const keyHash = raw.keyHash.slice();
  let otherShards = 0;
  for (let i = 0; i < raw.records; i++) {
    const x = account[i];
    if (x < 0) continue;
    const y = newId[x];
    if (y >= 0) account[i] = y;
    else {
      account[i] = NOT_A_COMPANY;
      keyHash[i] = 0;
      otherShards++;
    }
  }
  return {index: {...raw, account, keyHash, rows, last}, mergedByName, ambiguousByName, otherShards};
}
