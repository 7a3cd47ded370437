/** The first pass's accumulator (Indexer), fed record by record by the readers of account-index.ts. */
import {
  finishIndex,
  float64s,
  int32s,
  keyCheck,
  KeyIds,
  NO_DOMAIN,
  nameDomainWith,
  NOT_A_COMPANY,
  type AccountIndex,
  type FinishedIndex,
  type PartIndex,
} from '../core/account-plan.js';
import {cleanRow, isGoneName, NO_INGEST_RULES, readKey, type ColumnIndex, type IngestRules, type RejectedRow, type RowKey} from '../core/ingest.js';
import {shardOf, type Shard} from '../core/shard.js';
import {detach} from '../core/strings.js';
import {type Newline, type ScannedRecord} from '../io/csv-scan.js';
import {DOMAIN_LIKE, mayHoldRows, swallowedRecords, wrongWidth} from './export-shape.js';
import type {ExportIndex, IndexedPart, IndexOptions} from './account-index.js';

/** A part of the export the parallel first pass cannot index (it is then indexed in one pass). */
export class PartDeclined extends Error {}

/** The second half keeps its rejected rows until it knows their row numbers; beyond this many, one pass is made instead. */
const MAX_DEFERRED_REJECTS = 10_000;

export function rejectFrom(fields: readonly string[], index: ColumnIndex, row: number, line: number, reason: string): RejectedRow {
  const get = (i: number | undefined) => (i === undefined ? '' : (fields[i] ?? ''));
  return {row, line, reason, name: get(index.name), domain: get(index.domain), linkedin_url: get(index.linkedin), raw: fields.join(',')};
}

/** Whether a rejected row belongs to the shard (by its row number and text: rejects have no key). */
export const rejectInShard = (r: RejectedRow, shard: Shard | undefined): boolean =>
  !shard || shardOf(`reject:${r.row}:${r.raw}`, shard.count) === shard.index;

/** Accumulates the first pass, whichever reader feeds it. */
export class Indexer {
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
  constructor(
    private readonly opts: IndexOptions,
    private readonly columns: ColumnIndex,
    defer = false,
    private readonly width = 0,
    private readonly input = '',
  ) {
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
    // (A record whose lines have too few commas to be rows is not split into its fields for it: see mayHoldRows.)
    if (rec.innerNewlines >= 2 && this.width > 0 && mayHoldRows(rec.text(), this.width)) this.checkSwallowed(allFields(), row, line);
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
export function exportIndex(
  done: FinishedIndex,
  columns: ColumnIndex,
  newline: Newline,
  counts: {inputRows: number; rejected: number; otherShards: number; blank: number},
): ExportIndex {
  const {index, mergedByName, ambiguousByName} = done;
  const {inputRows, rejected, blank} = counts;
  const otherShards = counts.otherShards + done.otherShards;
  return {index, columns, newline, inputRows, rejected, otherShards, blank, accounts: index.rows.length, mergedByName, ambiguousByName};
}
