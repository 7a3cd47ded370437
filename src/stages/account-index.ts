import Papa from 'papaparse';
import {finishIndex, joinParts, type AccountIndex, type PartIndex} from '../core/account-plan.js';
import {type ColumnIndex, type IngestRules, type RejectedRow} from '../core/ingest.js';
import {type Shard} from '../core/shard.js';
import {UserError} from '../errors.js';
import {readCsv, sniffCsv} from '../io/csv.js';
import {assertUtf8File} from '../io/utf8.js';
import {scanCsv, type Newline, type ScannedRecord} from '../io/csv-scan.js';
import {headerIndex, lineBreaks} from './export-shape.js';

export {headerIndex} from './export-shape.js';
import type {Reporter} from '../io/reporter.js';
import {exportIndex, Indexer, PartDeclined, rejectFrom, rejectInShard} from './account-indexer.js';
import {displayPath} from '../core/display-path.js';

export {PartDeclined};

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
export function joinIndexes(
  a: IndexedPart,
  b: IndexedPart,
  plan: {columns: ColumnIndex; newline: Newline},
  opts: Pick<IndexOptions, 'shard' | 'onReject'>,
): ExportIndex {
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
    if (scan.records === 0) throw new UserError(`${displayPath(input, process.cwd())}: the file is empty (no header row)`);
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
