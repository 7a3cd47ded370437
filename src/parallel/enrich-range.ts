import {closeSync, openSync, readSync} from 'node:fs';
import Papa from 'papaparse';
import {KeyCollision, type Range} from '../core/account-plan.js';
import type {ExportIndex} from '../stages/account-index.js';
import {keyCheck} from '../core/account-plan.js';
import {accountDomain, cleanRow, mergeRows, oneAccount, type CleanRow, type ColumnIndex} from '../core/ingest.js';
import {detachStrings} from '../core/strings.js';
import {UserError} from '../errors.js';
import {readCsv} from '../io/csv.js';
import {scanCsv} from '../io/csv-scan.js';
import type {Newline} from '../io/csv-scan.js';
import type {CompanyBase} from '../schemas/companies.js';

/** A contiguous run of records of the export, with what the first pass learnt about them (see account-plan.ts). */
export interface RangeInput {
  file: string;
  columns: ColumnIndex;
  newline: Newline;
  /** Records [first, end). */
  first: number;
  end: number;
  /**
   * The bytes of those records (from the fast scan), read with the scanner; absent: the whole file, header
   * included, is read with papaparse (the records [first, end) must then be all of them).
   */
  bytes?: {start: number; stop: number};
  /** The physical line of record `first`. */
  firstLine: number;
  /** Per record of the range: account id or a mark (< 0: skip). */
  account: Int32Array;
  /** Per record of the range: keyCheck of its key. */
  keyHash: Int32Array;
  /** Per account (all of them): its number of rows. */
  rows: Int32Array;
  /** Rows of accounts finished here that lie in earlier ranges, with their text (read by the lead thread). */
  foreign: ForeignRow[];
}

export interface ForeignRow {
  record: number;
  line: number;
  account: number;
  text: string;
}

export const changed = (file: string, what: string) => new UserError(`${file} changed while it was being read (${what}): run again`);

/**
 * The second pass of `enrich` over one range: cleans each record, hands a company on as soon as its account
 * is complete (a one-row account at once, a shared key at its last row), in record order. Rows of shared
 * keys wait, copied, until the last one arrives; they are merged in row order, whatever order they came in.
 */
export async function assembleRange(
  r: RangeInput,
  previousCustomers: ReadonlySet<string>,
  emit: (c: CompanyBase) => void | Promise<void>,
  progress?: (records: number) => void,
): Promise<{merged: number; records: number}> {
  const pending = new Map<number, CleanRow[]>();
  let merged = 0;
  const add = (a: number, row: CleanRow): CompanyBase | null => {
    const expected = r.rows[a];
    if (expected === 1) return mergeRows([row], row.domain !== '' && previousCustomers.has(row.domain));
    let group = pending.get(a);
    if (!group) pending.set(a, (group = []));
    // Rows that wait for the rest of their account are copied, so they do not keep the chunk they were cut from alive.
    group.push(detachStrings(row));
    if (group.length < expected) return null;
    pending.delete(a);
    // The first pass told accounts (and names) apart by hashes: the rows of one account must share its key, or be
    // rows without a domain merged by name into the account of a domain.
    if (!oneAccount(group)) throw new KeyCollision();
    merged += group.length - 1;
    group.sort((x, y) => x.row - y.row);
    const domain = accountDomain(group);
    return mergeRows(group, domain !== '' && previousCustomers.has(domain));
  };
  for (const f of r.foreign) {
    const fields = Papa.parse<string[]>(f.text, {delimiter: ',', newline: r.newline, quoteChar: '"'}).data[0] ?? [];
    const res = cleanRow(fields, r.columns, f.record + 2, f.line);
    if (!res.ok) throw changed(r.file, `row ${f.record + 2}`);
    if (add(f.account, res.value) !== null) throw new Error(`account ${f.account} completed by a row from an earlier range`);
  }
  let seen = 0;
  const count = r.end - r.first;
  const onRow = (fields: readonly string[], k: number, line: number): void | Promise<void> => {
    if ((++seen & 4095) === 0) progress?.(seen);
    const a = r.account[k];
    if (a < 0) return undefined;
    const row = r.first + k + 2;
    const res = cleanRow(fields, r.columns, row, line);
    if (!res.ok || keyCheck(res.value.key) !== r.keyHash[k]) throw changed(r.file, `row ${row}`);
    const company = add(a, res.value);
    return company ? emit(company) : undefined;
  };
  if (r.bytes) {
    // The first pass scanned this file as plain CSV: the scanner decodes the fields papaparse would, faster.
    // (emit must then answer synchronously: ranges are read by workers with the rules provider.)
    const c = r.columns;
    let line = r.firstLine;
    const scan = await scanCsv(r.file, {
      newline: r.newline,
      start: r.bytes.start,
      range: {end: r.bytes.stop, columns: [c.name, c.description, c.industry, c.size, c.type, c.location, c.country, c.domain, c.linkedin]},
      onRecord(rec) {
        const at = line;
        line += 1 + rec.innerNewlines;
        if (rec.index >= count) throw changed(r.file, `row ${r.first + rec.index + 2}`);
        if (onRow(rec.fields, rec.index, at) instanceof Promise) throw new Error('assembleRange: a range needs a synchronous emit');
      },
    });
    if (!scan.ok || scan.records !== count) throw changed(r.file, scan.ok ? `${scan.records} rows where there were ${count}` : scan.reason);
  } else {
    await readCsv(r.file, {
      onHeader() {},
      onRecord(rec) {
        const k = rec.row - 2 - r.first;
        if (k < 0 || k >= count) throw changed(r.file, `row ${rec.row}`);
        return onRow(rec.fields, k, rec.line);
      },
      onMalformed() {
        // The first pass rejected malformed rows already.
      },
    });
  }
  if (pending.size > 0) throw changed(r.file, `${pending.size} accounts incomplete`);
  return {merged, records: seen};
}

/**
 * Every record as one range, read with papaparse (header included) by this thread: the path of inputs that
 * are not split over workers, whose emit may answer asynchronously.
 */
export function wholeFile(input: string, ex: ExportIndex): RangeInput {
  const {bytes: _, ...range} = rangeInput(input, ex, {first: 0, end: ex.index.records, foreign: [], foreignAccount: []}, []);
  return range;
}

/** What a worker (or this thread) needs to read one range. */
export function rangeInput(input: string, ex: ExportIndex, r: Range, foreign: ForeignRow[]): RangeInput {
  const ix = ex.index;
  return {
    file: input,
    columns: ex.columns,
    newline: ex.newline,
    first: r.first,
    end: r.end,
    ...(ix.offset ? {bytes: {start: ix.offset[r.first], stop: ix.offset[r.end]}} : {}),
    firstLine: r.first < ix.records ? ix.line[r.first] : 0,
    account: ix.account.subarray(r.first, r.end),
    keyHash: ix.keyHash.subarray(r.first, r.end),
    rows: ix.rows,
    foreign,
  };
}

/** The text of the rows a range needs from earlier ranges (rows of accounts whose last row it holds). */
export function readForeign(input: string, ex: ExportIndex, r: Range): ForeignRow[] {
  if (r.foreign.length === 0) return [];
  const offset = ex.index.offset!;
  const fd = openSync(input, 'r');
  try {
    return r.foreign.map((record, j) => {
      const start = offset[record];
      const buf = Buffer.allocUnsafe(offset[record + 1] - start);
      readSync(fd, buf, 0, buf.length, start);
      let text = buf.toString('utf8');
      if (text.endsWith(ex.newline)) text = text.slice(0, -ex.newline.length);
      return {record, line: ex.index.line[record], account: r.foreignAccount[j], text};
    });
  } finally {
    closeSync(fd);
  }
}
