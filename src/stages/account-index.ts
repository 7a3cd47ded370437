import Papa from 'papaparse';
import {
  finishIndex, float64s, int32s, joinParts, keyCheck, KeyIds, NO_DOMAIN, nameDomainWith, NOT_A_COMPANY,
  type AccountIndex, type FinishedIndex, type PartIndex,
} from '../core/account-plan.js';
import {cleanRow, isGoneName, NO_INGEST_RULES, readKey, type ColumnIndex, type IngestRules, type RejectedRow, type RowKey} from '../core/ingest.js';
import {shardOf, type Shard} from '../core/shard.js';
import {detach} from '../core/strings.js';
import {UserError} from '../errors.js';
import {readCsv, sniffCsv} from '../io/csv.js';
import {assertUtf8File} from '../io/utf8.js';
import {scanCsv, type Newline, type ScannedRecord} from '../io/csv-scan.js';
import {DOMAIN_LIKE, headerIndex, lineBreaks, swallowedRecords, wrongWidth} from './export-shape.js';

export {headerIndex} from './export-shape.js';
import type {Reporter} from '../io/reporter.js';

export interface ExportIndex {
  index: AccountIndex;
  columns: ColumnIndex;
  newline: Newline;
  /** Rows read (blank lines not counted), rejected rows (in this shard), rows in other shards, blank lines. */
  inputRows: number;
  rejected: number;
  otherShards: number;
  blank: number;
  /** Number of accounts (companies before --limit). */
  accounts: number;
  /**
   * Rows without a domain merged into the account of the one domain whose rows have their name, and rows without a
   * domain left on their own because accounts on two or more domains have their name (in this shard; see finishIndex).
   */
  mergedByName: number;
  ambiguousByName: number;
}

export interface IndexOptions {
  shard?: Shard;
  reporter: Reporter;
  /** Called for each rejected row of this shard, in order. */
  onReject(r: RejectedRow): void;
  /** Called when the fast scan gave up half way and the rejects seen so far must be forgotten. */
  onRestart(): void;
  /** Account keys compared as strings (a Map), not by 64-bit hash: after a KeyCollision (see KeyIds). */
  exactKeys?: boolean;
  /** config/ingest.yml compiled (rows whose name says the page is gone are rejected); absent: none is. */
  ingest?: IngestRules;
  /** Tests: the key hash (see KeyIds). */
  hashKeys?: (key: string) => void;
}

function rejectFrom(fields: readonly string[], index: ColumnIndex, row: number, line: number, reason: string): RejectedRow {
  const get = (i: number | undefined) => (i === undefined ? '' : fields[i] ?? '');
  return {row, line, reason, name: get(index.name), domain: get(index.domain), linkedin_url: get(index.linkedin), raw: fields.join(',')};
}

/** Whether a rejected row belongs to the shard (by its row number and text: rejects have no key). */
const rejectInShard = (r: RejectedRow, shard: Shard | undefined): boolean => !shard || shardOf(`reject:${r.row}:${r.raw}`, shard.count) === shard.index;

/** Accumulates the first pass, whichever reader feeds it. */
class Indexer {
  readonly account = int32s();
  readonly keyHash = int32s();
  readonly line = int32s();
  readonly offset = float64s();
  readonly rows = int32s();
  readonly last = int32s();
  private readonly ids: KeyIds;
  private readonly rules: IngestRules;
  /** The folded names of the rows (see NameLinks), the domain account of each, the rows without a domain. */
  private readonly names: KeyIds;
  private readonly nameDomain = int32s();
  private readonly linkAccount = int32s();
  private readonly linkName = int32s();
  /** Under --shard: the shard of each account's key (accounts are kept or not once merged by name). */
  private readonly accountShard = int32s();
  inputRows = 0;
  rejected = 0;
  otherShards = 0;
  blank = 0;

  /** Rejected rows kept for later (a part whose place in the export is not known yet; see indexPart). */
  readonly deferred: RejectedRow[] | undefined;

  /** `width`: the header's field count (a record with another is rejected, see wrongWidth); `input` names the file. */
  constructor(private readonly opts: IndexOptions, private readonly columns: ColumnIndex, defer = false, private readonly width = 0, private readonly input = '') {
    this.ids = new KeyIds(opts.exactKeys, opts.hashKeys);
    this.rules = opts.ingest ?? NO_INGEST_RULES;
    this.names = new KeyIds(opts.exactKeys, opts.hashKeys);
    this.deferred = defer ? [] : undefined;
  }

  reject(r: RejectedRow): void {
    if (this.deferred) {
      if (this.deferred.length >= MAX_DEFERRED_REJECTS) throw new PartDeclined(`more than ${MAX_DEFERRED_REJECTS} rejected rows`);
      this.deferred.push(r);
      return;
    }
    if (!rejectInShard(r, this.opts.shard)) {
      this.otherShards++;
      return;
    }
    this.rejected++;
    this.opts.onReject(r);
  }

  /** A blank record (it still takes a row number). */
  addBlank(line: number): void {
    this.blank++;
    this.mark(line, NOT_A_COMPANY, 0);
  }

  /** A record that is not a company: rejected (or malformed). */
  addNone(line: number): void {
    this.inputRows++;
    this.mark(line, NOT_A_COMPANY, 0);
  }

  /**
   * A record of the export: `keyFields` holds at least its name, domain and LinkedIn fields; `allFields`
   * gives every field, asked for only when the record has no usable key (it is then rejected). `copy` when
   * the fields may share memory with a big chunk of the file. A record whose name says the page is gone is
   * rejected too.
   */
  addRecord(keyFields: readonly string[], allFields: () => readonly string[], row: number, line: number, copy: boolean): void {
    const k = readKey(keyFields, this.columns);
    if (k.key === '' || isGoneName(k.folded, this.rules)) {
      const res = cleanRow(allFields(), this.columns, row, line, this.rules);
      if (!res.ok) this.reject(res.value);
      this.addNone(line);
    } else this.addKey(k, line, copy);
    if ((this.account.length & 4095) === 0) this.opts.reporter.progress(this.inputRows);
  }

  /** A record the scanner read (a blank one, or one with `row` and `line`): see addRecord. */
  addScanned(rec: ScannedRecord, allFields: () => readonly string[], row: number, line: number): void {
    this.offset.push(rec.offset);
    if (rec.count === 1) {
      const text = rec.text();
      if (text === '' || text === '""') return this.addBlank(line);
    }
    if (rec.count !== this.width && this.width > 0) return this.addWrongWidth(allFields(), row, line, rec.innerNewlines);
    // A field over three lines or more may be a stray quote that swallowed whole rows (of the right width, by chance).
    if (rec.innerNewlines >= 2 && this.width > 0) this.checkSwallowed(allFields(), row, line);
    this.addRecord(rec.fields, allFields, row, line, false);
  }

  /** A record of the header's width whose multi-line field reads as whole rows of their own: the run stops (wrongWidth). */
  checkSwallowed(fields: readonly string[], row: number, line: number): void {
    // A prose line may happen to hold the header's count of commas: a swallowed row also has a domain or a
    // LinkedIn URL where the export keeps them.
    const c = this.columns;
    const isRow = (r: readonly string[]) => DOMAIN_LIKE.test(r[c.domain]?.trim() ?? '') || /linkedin\.com\//i.test(r[c.linkedin] ?? '');
    if (swallowedRecords(fields, this.width, isRow) === 0) return;
    // (A part that does not know its row numbers yet: one pass names the line.)
    if (this.deferred) throw new PartDeclined('a quoted field that reads as several rows');
    wrongWidth(this.input, fields, this.width, row, line);
  }

  /** A record whose field count is not the header's: rejected with its line, or the run stops (see wrongWidth). */
  addWrongWidth(fields: readonly string[], row: number, line: number, lineBreaks: number, malformed = false): void {
    // (A part that does not know its row numbers yet: one pass names the line.)
    if (lineBreaks > 0 && this.deferred) throw new PartDeclined('a record of the wrong width over several lines');
    const reason = wrongWidth(this.input, fields, this.width, row, line, malformed);
    this.reject(rejectFrom(fields, this.columns, row, line, reason));
    this.addNone(line);
  }

  /**
   * A record with a usable key; `copy` when the key may share memory with a big chunk of the file. Every account
   * is indexed, in this shard or not: an account without a domain may yet merge into another (finishIndex).
   */
  private addKey(k: RowKey, line: number, copy: boolean): void {
    this.inputRows++;
    const {key, folded} = k;
    const record = this.account.length;
    // (With exact keys, a new key is copied: the map must not keep the CSV chunk it was cut from alive.)
    const exactCopy = copy && this.opts.exactKeys;
    let id = this.ids.idOf(exactCopy ? detach(key) : key);
    if (id < 0) {
      id = -1 - id;
      this.rows.push(1);
      this.last.push(record);
      const s = this.opts.shard;
      if (s) this.accountShard.push(shardOf(key, s.count));
    } else {
      this.rows.set(id, this.rows.get(id) + 1);
      this.last.set(id, record);
    }
    if (folded !== '') {
      let name = this.names.idOf(exactCopy ? detach(folded) : folded);
      if (name < 0) {
        name = -1 - name;
        this.nameDomain.push(NO_DOMAIN);
      }
      if (k.hasDomain) this.nameDomain.set(name, nameDomainWith(this.nameDomain.get(name), id));
      else {
        this.linkAccount.push(id);
        this.linkName.push(name);
      }
    }
    this.mark(line, id, keyCheck(key));
  }

  private mark(line: number, account: number, keyHash: number): void {
    this.account.push(account);
    this.keyHash.push(keyHash);
    this.line.push(line);
  }

  /** The first pass's answer; `withOffsets` when the fast scan read the whole file (offsets then split it). */
  result(newline: Newline, withOffsets: boolean): ExportIndex {
    const raw: AccountIndex = {
      records: this.account.length,
      account: this.account.done(),
      keyHash: this.keyHash.done(),
      line: this.line.done(),
      ...(withOffsets ? {offset: this.offset.done()} : {}),
      rows: this.rows.done(),
      last: this.last.done(),
    };
    const links = {nameDomain: this.nameDomain.done(), account: this.linkAccount.done(), name: this.linkName.done()};
    const done = finishIndex(raw, links, this.opts.shard && {accountShard: this.accountShard.done(), index: this.opts.shard.index});
    return exportIndex(done, this.columns, newline, this);
  }

  /** The answer for one part (see indexPart). */
  part(endLine: number): IndexedPart {
    const {h1, h2} = this.ids.hashes();
    const names = this.names.hashes();
    const part: PartIndex = {
      records: this.account.length,
      account: this.account.done(),
      keyHash: this.keyHash.done(),
      line: this.line.done(),
      offset: this.offset.done(),
      rows: this.rows.done(),
      last: this.last.done(),
      h1,
      h2,
      endLine,
      nameH1: names.h1,
      nameH2: names.h2,
      nameDomain: this.nameDomain.done(),
      linkAccount: this.linkAccount.done(),
      linkName: this.linkName.done(),
      accountShard: this.accountShard.done(),
    };
    const {inputRows, rejected, otherShards, blank} = this;
    return {part, inputRows, rejected, otherShards, blank, deferred: this.deferred ?? []};
  }
}

/** The ExportIndex of a finished index and the counts of the pass (rows of other shards: the rejected ones, then the accounts'). */
function exportIndex(done: FinishedIndex, columns: ColumnIndex, newline: Newline, counts: {inputRows: number; rejected: number; otherShards: number; blank: number}): ExportIndex {
  const {index, mergedByName, ambiguousByName} = done;
  const {inputRows, rejected, blank} = counts;
  const otherShards = counts.otherShards + done.otherShards;
  return {index, columns, newline, inputRows, rejected, otherShards, blank, accounts: index.rows.length, mergedByName, ambiguousByName};
}

/** A part of the export the parallel first pass cannot index (it is then indexed in one pass). */
export class PartDeclined extends Error {}

/** The second half keeps its rejected rows until it knows their row numbers; beyond this many, one pass is made instead. */
const MAX_DEFERRED_REJECTS = 10_000;

/** Where a part of the export is: bytes [start, end) of whole records. */
export interface PartPlan {
  columns: ColumnIndex;
  /** The header's field count. */
  width: number;
  newline: Newline;
  start: number;
  end: number;
  /** The first part: its first record is record 0 of the export, on this line. Absent: the second part. */
  firstLine?: number;
}

/** The first pass over one part (see joinIndexes). */
export interface IndexedPart {
  part: PartIndex;
  inputRows: number;
  /** Rejected rows of the first part in the shard (the second part's are counted by joinIndexes). */
  rejected: number;
  otherShards: number;
  blank: number;
  /** The second part's rejected rows, numbered from the part's start (rows from 2, lines from 0). */
  deferred: RejectedRow[];
}

/**
 * The first pass over a part of a plain-CSV export, for two threads indexing its halves at once. The first
 * part's rejected rows go to opts.onReject as they come; the second part's are kept (deferred). Throws
 * PartDeclined when the scanner declines the part (not plain CSV; for the first part, also when its range does
 * not end exactly at a record boundary, i.e. the cut was not one) or when the second part has too many rejects.
 */
export async function indexPart(input: string, plan: PartPlan, opts: IndexOptions): Promise<IndexedPart> {
  const first = plan.firstLine !== undefined;
  if (opts.exactKeys || opts.hashKeys) throw new PartDeclined('keys compared exactly');
  const ix = new Indexer(opts, plan.columns, !first, plan.width, input);
  const c = plan.columns;
  let line = plan.firstLine ?? 0;
  let current: ScannedRecord | undefined;
  const allFields = () => Papa.parse<string[]>(current!.text(), {delimiter: ',', newline: plan.newline, quoteChar: '"'}).data[0] ?? [''];
  const scan = await scanCsv(input, {
    newline: plan.newline,
    start: plan.start,
    checkUtf8: true,
    range: {end: plan.end, columns: [c.name, c.domain, c.linkedin]},
    onRecord(rec) {
      const at = line;
      line += 1 + rec.innerNewlines;
      current = rec;
      ix.addScanned(rec, allFields, rec.index + 2, at);
    },
  });
  if (!scan.ok) throw new PartDeclined(scan.reason);
  if (!first) ix.offset.push(scan.bytes);
  return ix.part(line);
}

/**
 * The index one pass over the whole export gives, from the first passes over its two halves (indexPart): the
 * second half's records, lines, accounts and names follow the first's (joinParts), the accounts are merged by
 * name and kept by shard as one pass does (finishIndex), and the second half's rejected rows get their row and
 * line numbers, then go to onReject when they are in the shard.
 */
export function joinIndexes(a: IndexedPart, b: IndexedPart, plan: {columns: ColumnIndex; newline: Newline}, opts: Pick<IndexOptions, 'shard' | 'onReject'>): ExportIndex {
  const joined = joinParts(a.part, b.part);
  const shard = opts.shard && {accountShard: joined.accountShard, index: opts.shard.index};
  const done = finishIndex(joined.index, joined.links, shard);
  let rejected = a.rejected;
  let otherShards = a.otherShards + b.otherShards;
  for (const r of b.deferred) {
    const row = r.row + a.part.records;
    const placed = {...r, row, line: r.line + a.part.endLine};
    if (!rejectInShard(placed, opts.shard)) otherShards++;
    else {
      rejected++;
      opts.onReject(placed);
    }
  }
  return exportIndex(done, plan.columns, plan.newline, {inputRows: a.inputRows + b.inputRows, rejected, otherShards, blank: a.blank + b.blank});
}

/**
 * The first pass of `enrich`: every record's account (by key), each account's row count and last row,
 * and the rejects. It reads only the name, domain and LinkedIn columns with the fast scanner (which also
 * gives the record offsets that let the second pass be split over workers); a file the scanner declines is
 * read again with papaparse (no offsets then).
 */
export async function indexExport(input: string, opts: IndexOptions): Promise<ExportIndex> {
  const {newline, bom} = sniffCsv(input);
  let ix: Indexer | undefined;
  let line = 1;
  // Every field, only for a record without a key (to reject it): papaparse reads the record's own text.
  let current: ScannedRecord | undefined;
  const allFields = () => Papa.parse<string[]>(current!.text(), {delimiter: ',', newline, quoteChar: '"'}).data[0] ?? [''];
  const scan = await scanCsv(input, {
    newline,
    start: bom ? 3 : 0,
    checkUtf8: true,
    onHeader(header, rec) {
      const columns = headerIndex(input, header);
      ix = new Indexer(opts, columns, false, header.length, input);
      line += 1 + rec.innerNewlines;
      return [columns.name, columns.domain, columns.linkedin];
    },
    onRecord(rec) {
      const at = line;
      line += 1 + rec.innerNewlines;
      current = rec;
      ix!.addScanned(rec, allFields, rec.index + 1, at);
    },
  });
  if (scan.ok) {
    if (scan.records === 0) throw new UserError(`${input}: the file is empty (no header row)`);
    ix!.offset.push(scan.bytes);
    return ix!.result(newline, true);
  }

  // Not plain CSV (e.g. a malformed row): papaparse reads it all, and malformed rows are rejected. The scan
  // checked the bytes before the buffer it declined in (scan.offset, a record start): the rest is checked first
  // (papaparse would decode bytes that are not UTF-8 as U+FFFD).
  assertUtf8File(input, scan.offset, newline);
  opts.onRestart();
  let pp: Indexer | undefined;
  let columns: ColumnIndex | undefined;
  let width = 0;
  const read = await readCsv(input, {
    onHeader(header) {
      columns = headerIndex(input, header);
      width = header.length;
      pp = new Indexer(opts, columns, false, width, input);
    },
    onRecord(r) {
      // Blank records are not passed on: fill their places (record index = row - 2).
      while (pp!.account.length < r.row - 2) pp!.addBlank(0);
      if (r.fields.length !== width) pp!.addWrongWidth(r.fields, r.row, r.line, lineBreaks(r.fields));
      else {
        if (lineBreaks(r.fields) >= 2) pp!.checkSwallowed(r.fields, r.row, r.line);
        pp!.addRecord(r.fields, () => r.fields, r.row, r.line, true);
      }
    },
    onMalformed(r, message) {
      while (pp!.account.length < r.row - 2) pp!.addBlank(0);
      const breaks = lineBreaks(r.fields);
      if (breaks > 0 && r.fields.length !== width) return pp!.addWrongWidth(r.fields, r.row, r.line, breaks, true);
      pp!.reject(rejectFrom(r.fields, columns!, r.row, r.line, `malformed CSV: ${message}`));
      pp!.addNone(r.line);
    },
  });
  // papaparse's count of blank records (those at the end too).
  pp!.blank = read.blank;
  return pp!.result(newline, false);
}
