import Papa from 'papaparse';
import {float64s, int32s, keyCheck, KeyIds, NOT_A_COMPANY, type AccountIndex} from '../core/account-plan.js';
import {cleanRow, mapHeader, rowKey, type ColumnIndex, type RejectedRow} from '../core/ingest.js';
import {shardOf, type Shard} from '../core/shard.js';
import {detach} from '../core/strings.js';
import {UserError} from '../errors.js';
import {readCsv, sniffCsv} from '../io/csv.js';
import {scanCsv, type Newline, type ScannedRecord} from '../io/csv-scan.js';
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
  /** Tests: the key hash (see KeyIds). */
  hashKeys?: (key: string) => void;
}

function headerIndex(input: string, header: string[]): ColumnIndex {
  const mapped = mapHeader(header);
  if (mapped.missing.length > 0) {
    throw new UserError(
      `${input}: missing required column(s): ${mapped.missing.join(', ')}.\n` +
        `Found: ${header.map((h) => JSON.stringify(h)).join(', ')}.\nA Clay company export has Name, Description, Primary Industry, Size, Type, Location, Country, Domain and LinkedIn URL.`,
    );
  }
  return mapped.index;
}

function rejectFrom(fields: readonly string[], index: ColumnIndex, row: number, line: number, reason: string): RejectedRow {
  const get = (i: number | undefined) => (i === undefined ? '' : fields[i] ?? '');
  return {row, line, reason, name: get(index.name), domain: get(index.domain), linkedin_url: get(index.linkedin), raw: fields.join(',')};
}

/** Accumulates the first pass, whichever reader feeds it. */
class Indexer {
  readonly account = int32s();
  readonly keyHash = int32s();
  readonly line = int32s();
  readonly offset = float64s();
  readonly rows = int32s();
  readonly last = int32s();
  private readonly ids: KeyIds;
  inputRows = 0;
  rejected = 0;
  otherShards = 0;
  blank = 0;

  constructor(private readonly opts: IndexOptions, private readonly columns: ColumnIndex) {
    this.ids = new KeyIds(opts.exactKeys, opts.hashKeys);
  }

  private inShard(key: string): boolean {
    const s = this.opts.shard;
    return !s || shardOf(key, s.count) === s.index;
  }

  reject(r: RejectedRow): void {
    if (!this.inShard(`reject:${r.row}:${r.raw}`)) {
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
   * the fields may share memory with a big chunk of the file.
   */
  addRecord(keyFields: readonly string[], allFields: () => readonly string[], row: number, line: number, copy: boolean): void {
    const key = rowKey(keyFields, this.columns);
    if (key === '') {
      const res = cleanRow(allFields(), this.columns, row, line);
      if (!res.ok) this.reject(res.value);
      this.addNone(line);
    } else this.addKey(key, line, copy);
    if ((this.account.length & 4095) === 0) this.opts.reporter.progress(this.inputRows);
  }

  /** A record with a usable key; `copy` when the key may share memory with a big chunk of the file. */
  private addKey(key: string, line: number, copy: boolean): void {
    this.inputRows++;
    if (!this.inShard(key)) {
      this.otherShards++;
      this.mark(line, NOT_A_COMPANY, 0);
      return;
    }
    const record = this.account.length;
    // (With exact keys, a new key is copied: the map must not keep the CSV chunk it was cut from alive.)
    let id = this.ids.idOf(copy && this.opts.exactKeys ? detach(key) : key);
    if (id < 0) {
      id = -1 - id;
      this.rows.push(1);
      this.last.push(record);
    } else {
      this.rows.set(id, this.rows.get(id) + 1);
      this.last.set(id, record);
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
    const index: AccountIndex = {
      records: this.account.length,
      account: this.account.done(),
      keyHash: this.keyHash.done(),
      line: this.line.done(),
      ...(withOffsets ? {offset: this.offset.done()} : {}),
      rows: this.rows.done(),
      last: this.last.done(),
    };
    const {inputRows, rejected, otherShards, blank} = this;
    return {index, columns: this.columns, newline, inputRows, rejected, otherShards, blank, accounts: this.rows.length};
  }
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
    onHeader(header, rec) {
      const columns = headerIndex(input, header);
      ix = new Indexer(opts, columns);
      line += 1 + rec.innerNewlines;
      return [columns.name, columns.domain, columns.linkedin];
    },
    onRecord(rec) {
      const at = line;
      line += 1 + rec.innerNewlines;
      ix!.offset.push(rec.offset);
      if (rec.count === 1) {
        const text = rec.text();
        if (text === '' || text === '""') return ix!.addBlank(at);
      }
      current = rec;
      ix!.addRecord(rec.fields, allFields, rec.index + 1, at, false);
    },
  });
  if (scan.ok) {
    if (scan.records === 0) throw new UserError(`${input}: the file is empty (no header row)`);
    ix!.offset.push(scan.bytes);
    return ix!.result(newline, true);
  }

  // Not plain CSV (e.g. a malformed row): papaparse reads it all, and malformed rows are rejected.
  opts.onRestart();
  let pp: Indexer | undefined;
  let columns: ColumnIndex | undefined;
  const read = await readCsv(input, {
    onHeader(header) {
      columns = headerIndex(input, header);
      pp = new Indexer(opts, columns);
    },
    onRecord(r) {
      // Blank records are not passed on: fill their places (record index = row - 2).
      while (pp!.account.length < r.row - 2) pp!.addBlank(0);
      pp!.addRecord(r.fields, () => r.fields, r.row, r.line, true);
    },
    onMalformed(r, message) {
      while (pp!.account.length < r.row - 2) pp!.addBlank(0);
      pp!.reject(rejectFrom(r.fields, columns!, r.row, r.line, `malformed CSV: ${message}`));
      pp!.addNone(r.line);
    },
  });
  // papaparse's count of blank records (those at the end too).
  pp!.blank = read.blank;
  return pp!.result(newline, false);
}
