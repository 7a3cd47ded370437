import {open} from 'node:fs/promises';
import {Utf8Check} from './utf8.js';

/**
 * A fast, strict, read-only index of a CSV file: record boundaries (byte offsets), line numbers and the
 * decoded text of only the columns asked for. It exists for speed where papaparse, which decodes every field,
 * costs too much: the first pass of `enrich` needs three columns of each row and the byte offsets that let two
 * workers parse halves of the file; the simulation stages need the short columns of companies.csv, not its
 * descriptions. Papaparse stays the parser of record: the scanner accepts only the plain, unambiguous subset
 * of CSV (fields either unquoted without quotes, or quoted with doubled quotes inside, followed directly by a
 * delimiter or the newline) and gives up (`ok: false`) on anything else, for its caller to fall back to
 * papaparse. On what it accepts it yields the same records and fields as papaparse with `delimiter: ','`,
 * `quoteChar: '"'`, the same newline and `skipEmptyLines: false` reading a stream (blank lines are records
 * of one empty field; a final newline ends the last record; property-tested in test/csv-scan.test.ts).
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const CHUNK = 8 << 20;
/** Plain values of at most this many bytes are interned, up to this many per field (see `intern` in scanCsv). */
const INTERN_MAX_BYTES = 24;
const INTERN_VALUES = 12;
/** Read buffers of finished scans, for the next scans of this thread (fresh pages cost a fault each). */
const spareBuffers: Buffer[] = [];

export type Newline = '\r\n' | '\n' | '\r';

export interface ScannedRecord {
  /** 0-based index of the record (the header is record 0; blank lines are records too, as in papaparse). */
  index: number;
  /** Byte offset of the record's first byte in the file. */
  offset: number;
  /**
   * LF bytes inside the record's fields: the next record starts 1 + this physical lines further (0 when the
   * scan does not count lines, see ScanOptions.lines).
   */
  innerNewlines: number;
  /**
   * Number of fields in the record (with `skipTail`, exact only up to the last field wanted: past it, a
   * lower bound).
   */
  count: number;
  /**
   * The decoded fields at the wanted indexes ('' elsewhere and past `count`). The array is reused: copy what
   * you keep.
   */
  fields: string[];
  /** The record's text without its newline, decoded (for the rare record that needs every field). */
  text(): string;
  /**
   * Copies the CSV text of fields `from` to `to` (inclusive, both wanted or spanned; see onHeader) as it is in
   * the file (UTF-8; quotes and doubled quotes kept, the delimiters between the fields included; fields past
   * the record's last are empty) into `target` at `at`, which must have room for spanBytes; returns its length.
   */
  copySpan(from: number, to: number, target: Buffer, at: number): number;
  /** The length in bytes of the text copySpan copies. */
  spanBytes(from: number, to: number): number;
}

/** What onHeader asks for: the fields to decode, and fields whose raw text (ScannedRecord.copySpan) is needed. */
export type Wanted = readonly number[] | {decode: readonly number[]; spans: readonly number[]};

export interface ScanOptions {
  /** The file's newline (see sniffCsv in csv.ts). */
  newline: Newline;
  /** First byte to read (3 to skip a byte-order mark). */
  start?: number;
  /**
   * Called with the header (record 0, every field decoded); returns which field indexes to decode in the
   * other records (and which to give the raw text of).
   */
  onHeader?(header: string[], record: ScannedRecord): Wanted;
  /**
   * Past the last field wanted, find the end of the record with a few native searches instead of walking
   * every byte (the records read and the fields decoded are the same; `count` is then a lower bound).
   */
  skipTail?: boolean;
  /**
   * Reads only up to this byte (exclusive) and has no header: `start` must be a record start (found by an
   * earlier scan, or a guess this scan and the one of the range before check), and `columns` says which
   * fields to decode. Record indexes then count from 0 at `start`. Short of the end of the file, the range
   * must end with a complete record and its newline: a range that ends inside a record is declined.
   */
  range?: {end: number; columns: Wanted};
  /**
   * Called for every other record, in order. Returning a promise pauses the scan until it settles
   * (backpressure, as with readCsv); a rejection ends the scan with that error.
   */
  onRecord(record: ScannedRecord): void | Promise<void>;
  /**
   * false: the records' line breaks are not counted (innerNewlines is 0), for a reader that needs no line
   * numbers (a search per record less).
   */
  lines?: boolean;
  /** Bytes read at a time (default 8 MiB; tests use tiny chunks to cross every boundary). */
  chunkBytes?: number;
  /** Called after every chunk of the file (about 8 MiB), with the records seen so far. */
  onChunk?(records: number): void;
  /**
   * Check that the bytes read are UTF-8 (for a user's file): the scan throws notUtf8's UserError at the first
   * that is not, whether or not it would have declined the file later.
   */
  checkUtf8?: boolean;
}

export type ScanResult =
  | {ok: true; records: number; bytes: number}
  | {ok: false; reason: string; offset: number; records: number};

class Irregular extends Error {}

/**
 * Scans the file (see the module comment). Returns `ok: false` with the reason at the first construct it does
 * not accept; the callbacks may have seen records before it by then.
 */
export async function scanCsv(file: string, opts: ScanOptions): Promise<ScanResult> {
  const fh = await open(file, 'r');
  const nl0 = opts.newline.charCodeAt(0);
  const crlf = opts.newline === '\r\n';
  let buf = opts.chunkBytes === undefined ? (spareBuffers.pop() ?? Buffer.allocUnsafe(CHUNK)) : Buffer.allocUnsafe(Math.max(4, opts.chunkBytes));
  let len = 0; // valid bytes in buf
  let base = opts.start ?? 0; // file offset of buf[0]
  let eof = false;
  let wanted: Uint8Array = new Uint8Array(0);
  let maxWanted = -1;
  // Fields up to `last` (wanted or spanned) have their byte range in buf recorded; past it, skipTail applies.
  let last = -1;
  let starts = new Int32Array(0);
  let ends = new Int32Array(0);
  const fields: string[] = [];
  let recStart = 0;
  let recEnd = 0;
  const rec: ScannedRecord = {
    index: 0, offset: 0, innerNewlines: 0, count: 0, fields,
    text: () => buf.toString('utf8', recStart, recEnd),
    copySpan: (from, to, target, at) => {
      if (from > to || to > last) throw new Error(`copySpan(${from}, ${to}): fields past ${last} are not tracked`);
      if (to < rec.count) {
        const a = starts[from];
        const n = ends[to] - a;
        // Most spans are short: a loop costs less than Buffer.copy's call.
        if (n > 48) return buf.copy(target, at, a, a + n);
        const b = buf;
        for (let i = 0; i < n; i++) target[at + i] = b[a + i];
        return n;
      }
      return target.write(spanShort(from, to), at, 'utf8');
    },
    spanBytes: (from, to) => (to < rec.count ? ends[to] - starts[from] : Buffer.byteLength(spanShort(from, to))),
  };
  /** A span reaching past the record's last field: the missing fields are empty. */
  const spanShort = (from: number, to: number): string => {
    const have = rec.count - 1;
    if (from > have) return ','.repeat(to - from);
    return buf.toString('utf8', starts[from], ends[have]) + ','.repeat(to - have);
  };
  const skipTail = opts.skipTail === true;
  const lines = opts.lines !== false;
  /** Position of the next quote at or after some point (valid while buf is unchanged; -1 = unknown). */
  let nextQuote = -1;
  let header = !opts.range;
  const limit = opts.range ? opts.range.end : Infinity;
  // A range that stops short of the end of the file: its last record must end with a newline.
  const cut = opts.range ? limit < (await fh.stat()).size : false;
  let records = 0;
  const utf8 = opts.checkUtf8 ? new Utf8Check(file, opts.newline) : undefined;
  /** File offset up to which the bytes read are checked UTF-8. */
  let checked = base;

  /**
   * Short plain values of a wanted field, kept to be handed out again: most columns the simulation reads hold
   * a few values (true/false, a tier, a size band), and a record's bytes compared with a few short ones cost
   * less than a new string each time (a native call, and garbage). Per field: up to INTERN_VALUES values; a
   * field that has more (an ID, a key) stops being interned (undefined).
   */
  let interned: Array<Array<{bytes: Uint8Array; text: string}> | undefined> = [];
  const intern = (f: number, s: number, e: number): string => {
    const known = interned[f]!;
    const b = buf;
    const len = e - s;
    for (let k = 0; k < known.length; k++) {
      const v = known[k].bytes;
      if (v.length !== len) continue;
      let i = 0;
      while (i < len && v[i] === b[s + i]) i++;
      if (i === len) return known[k].text;
    }
    const text = b.toString('utf8', s, e);
    if (known.length < INTERN_VALUES) known.push({bytes: Uint8Array.prototype.slice.call(b, s, e), text});
    else interned[f] = undefined;
    return text;
  };

  const want = (w: Wanted) => {
    const idx = 'decode' in w ? w.decode : w;
    maxWanted = idx.length ? Math.max(...idx) : -1;
    interned = [];
    for (const i of idx) interned[i] = [];
    wanted = new Uint8Array(maxWanted + 1);
    for (const i of idx) wanted[i] = 1;
    fields.length = 0;
    for (let i = 0; i <= maxWanted; i++) fields.push('');
    last = Math.max(maxWanted, ...('decode' in w ? w.spans : []));
    starts = new Int32Array(last + 1);
    ends = new Int32Array(last + 1);
  };
  if (opts.range) want(opts.range.columns);

  const fill = async (keepFrom: number): Promise<number> => {
    // Moves the unread tail to the front and reads more; returns how far the tail moved.
    const tail = len - keepFrom;
    if (tail >= buf.length >> 1) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, keepFrom, len);
      buf = bigger;
    } else if (keepFrom > 0) buf.copy(buf, 0, keepFrom, len);
    base += keepFrom;
    len = tail;
    nextQuote = -1;
    while (len < buf.length && !eof) {
      const room = Math.min(buf.length - len, limit - (base + len));
      const {bytesRead} = room > 0 ? await fh.read(buf, len, room, base + len) : {bytesRead: 0};
      if (bytesRead === 0) eof = true;
      len += bytesRead;
    }
    if (utf8) {
      const from = Math.max(0, checked - base);
      checked = base + from + utf8.check(buf, from, len, base + from, eof);
    }
    return keepFrom;
  };

  const countLf = (from: number, to: number): number => {
    let n = 0;
    let i = buf.indexOf(LF, from);
    while (i !== -1 && i < to) {
      n++;
      i = buf.indexOf(LF, i + 1);
    }
    return n;
  };

  /**
   * Parses one record starting at p, entirely inside buf[p, len). Returns the offset just past its newline
   * (or len at EOF), or -1 when the record is not complete in the buffer (and the file has more).
   * (Hot loop: the state it reads is copied into locals first.)
   */
  const parseRecord = (p: number): number => {
    const b = buf;
    const n = len;
    const atEof = eof;
    const all = header;
    const want = wanted;
    const maxWant = maxWanted;
    const tracked = all ? -1 : last;
    const skip = skipTail && !all;
    const start = p;
    let f = 0;
    for (;;) {
      // One field starting at p.
      if (f <= tracked) starts[f] = p;
      if (p < n && b[p] === QUOTE) {
        let q = p + 1;
        let escaped = false;
        let close: number;
        for (;;) {
          close = b.indexOf(QUOTE, q);
          if (close === -1 || close >= n) {
            if (atEof) throw new Irregular('a quoted field is not closed');
            return -1;
          }
          if (close + 1 >= n) {
            if (!atEof) return -1;
            // The file's last byte; the buffer past n holds stale bytes.
            break;
          }
          if (b[close + 1] === QUOTE) {
            escaped = true;
            q = close + 2;
            continue;
          }
          break;
        }
        if (all || (f <= maxWant && want[f] === 1)) {
          let s = b.toString('utf8', p + 1, close);
          if (escaped) s = s.replaceAll('""', '"');
          fields[f] = s;
        } else if (f < fields.length) fields[f] = '';
        p = close + 1;
        if (f <= tracked) ends[f] = p;
      } else {
        const s = p;
        // Up to a delimiter or the newline; a lone CR (of a CRLF file) or LF belongs to the field.
        while (p < n) {
          const c = b[p];
          if (c === COMMA) break;
          if (c === QUOTE) throw new Irregular('a quote inside an unquoted field');
          if (c === nl0) {
            if (!crlf) break;
            if (p + 1 >= n) {
              if (!atEof) return -1;
            } else if (b[p + 1] === LF) break;
          }
          p++;
        }
        if (p >= n && !atEof) return -1;
        if (all) fields[f] = s === p ? '' : b.toString('utf8', s, p);
        else if (f <= maxWant && want[f] === 1) fields[f] = s === p ? '' : p - s <= INTERN_MAX_BYTES && interned[f] !== undefined ? intern(f, s, p) : b.toString('utf8', s, p);
        else if (f < fields.length) fields[f] = '';
        if (f <= tracked) ends[f] = p;
      }
      f++;
      // After a field: a delimiter, a newline, or the end of the file.
      if (p >= n) {
        if (!atEof) return -1;
        if (cut) throw new Irregular('the range ends inside a record');
        rec.count = f;
        rec.innerNewlines = lines ? countLf(start, n) : 0;
        recStart = start;
        recEnd = n;
        return n;
      }
      const c = b[p];
      if (c === COMMA) {
        p++;
        if (skip && f > tracked) p = skipPlain(p, n);
        continue;
      }
      if (crlf) {
        if (p + 1 >= n && !atEof) return -1;
        if (c === CR && p + 1 < n && b[p + 1] === LF) {
          rec.count = f;
          rec.innerNewlines = lines ? countLf(start, p) : 0;
          recStart = start;
          recEnd = p;
          return p + 2;
        }
      } else if (c === nl0) {
        rec.count = f;
        rec.innerNewlines = lines ? countLf(start, p) : 0;
        recStart = start;
        recEnd = p;
        return p + 1;
      }
      throw new Irregular('text after the closing quote of a field');
    }
  };

  /**
   * From the start of a field past the last one wanted: the start of the next field that opens with a quote
   * in this record, or the record's newline, when only plain fields (no quote, no newline) lie before it;
   * else p itself (the byte-by-byte parse then reads on, and finds any irregularity).
   */
  const skipPlain = (p: number, n: number): number => {
    const b = buf;
    if (nextQuote < p) {
      nextQuote = b.indexOf(QUOTE, p);
      if (nextQuote === -1 || nextQuote >= n) nextQuote = n;
    }
    let e = b.indexOf(nl0, p);
    if (e === -1 || e >= n) e = n;
    // (In a CRLF file, e may be a lone CR, which belongs to its field: the parse at e reads on.)
    if (e < nextQuote) return e < n ? e : p;
    if (nextQuote >= n) return p;
    const q = nextQuote;
    return q === p || b[q - 1] === COMMA ? q : p;
  };

  try {
    await fill(0);
    let p = 0;
    for (;;) {
      // papaparse reading a stream reports no empty record after a final newline.
      if (p >= len && eof) {
        break;
      }
      const next = parseRecord(p);
      if (next === -1) {
        p -= await fill(p);
        opts.onChunk?.(records);
        continue;
      }
      for (let i = rec.count; i < fields.length; i++) fields[i] = '';
      rec.index = records++;
      rec.offset = base + p;
      if (header) {
        header = false;
        const hdr = fields.slice(0, rec.count);
        want(opts.onHeader ? opts.onHeader(hdr, rec) : []);
      } else {
        const pending = opts.onRecord(rec);
        if (pending) await pending;
      }
      p = next;
    }
    return {ok: true, records, bytes: base + len};
  } catch (e) {
    if (e instanceof Irregular) return {ok: false, reason: e.message, offset: base, records};
    throw e;
  } finally {
    await fh.close();
    if (buf.length === CHUNK && spareBuffers.length < 4) spareBuffers.push(buf);
  }
}
