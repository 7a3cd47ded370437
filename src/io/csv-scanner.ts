import type {FileHandle} from 'node:fs/promises';
import type {ScannedRecord, ScanOptions, ScanResult, Wanted} from './csv-scan.js';
import {Utf8Check} from './utf8.js';

// The scanner behind scanCsv (see csv-scan.ts for what it accepts and yields): one instance per scan.

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const CHUNK = 8 << 20;
/** Plain values of at most this many bytes are interned, up to this many per field (see CsvScanner.interned). */
const INTERN_MAX_BYTES = 24;
const INTERN_VALUES = 12;
/** Read buffers of finished scans, for the next scans of this thread (fresh pages cost a fault each). */
const spareBuffers: Buffer[] = [];

class Irregular extends Error {}

/** One scan of a file: the read buffer, the record being parsed, the fields wanted (see scanCsv). */
export class CsvScanner {
  private buf: Buffer;
  /** Valid bytes in buf. */
  private len = 0;
  /** File offset of buf[0]. */
  private base: number;
  private eof = false;
  private readonly nl0: number;
  private readonly crlf: boolean;
  private wanted: Uint8Array = new Uint8Array(0);
  private maxWanted = -1;
  /** Fields up to `last` (wanted or spanned) have their byte range in buf recorded; past it, skipTail applies. */
  private last = -1;
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  private readonly fields: string[] = [];
  private recStart = 0;
  private recEnd = 0;
  private readonly rec: ScannedRecord;
  private readonly skipTail: boolean;
  private readonly lines: boolean;
  /** Position of the next quote at or after some point (valid while buf is unchanged; -1 = unknown). */
  private nextQuote = -1;
  private header: boolean;
  private readonly limit: number;
  private records = 0;
  private readonly utf8: Utf8Check | undefined;
  /** File offset up to which the bytes read are checked UTF-8. */
  private checked: number;
  /**
   * Short plain values of a wanted field, kept to be handed out again: most columns the simulation reads hold
   * a few values (true/false, a tier, a size band), and a record's bytes compared with a few short ones cost
   * less than a new string each time (a native call, and garbage). Per field: up to INTERN_VALUES values; a
   * field that has more (an ID, a key) stops being interned (undefined).
   */
  private interned: Array<Array<{bytes: Uint8Array; text: string}> | undefined> = [];

  constructor(
    private readonly fh: FileHandle,
    file: string,
    private readonly opts: ScanOptions,
    /** A range that stops short of the end of the file (its last record must end with a newline). */
    private readonly cut: boolean,
  ) {
    this.nl0 = opts.newline.charCodeAt(0);
    this.crlf = opts.newline === '\r\n';
    this.buf = opts.chunkBytes === undefined ? (spareBuffers.pop() ?? Buffer.allocUnsafe(CHUNK)) : Buffer.allocUnsafe(Math.max(4, opts.chunkBytes));
    this.base = opts.start ?? 0;
    this.checked = this.base;
    this.skipTail = opts.skipTail === true;
    this.lines = opts.lines !== false;
    this.header = !opts.range;
    this.limit = opts.range ? opts.range.end : Infinity;
    this.utf8 = opts.checkUtf8 ? new Utf8Check(file, opts.newline) : undefined;
    const rec: ScannedRecord = {
      index: 0,
      offset: 0,
      innerNewlines: 0,
      count: 0,
      fields: this.fields,
      text: () => this.buf.toString('utf8', this.recStart, this.recEnd),
      copySpan: (from, to, target, at) => {
        if (from > to || to > this.last) throw new Error(`copySpan(${from}, ${to}): fields past ${this.last} are not tracked`);
        if (to < rec.count) {
          const a = this.starts[from];
          const n = this.ends[to] - a;
          // Most spans are short: a loop costs less than Buffer.copy's call.
          if (n > 48) return this.buf.copy(target, at, a, a + n);
          const b = this.buf;
          for (let i = 0; i < n; i++) target[at + i] = b[a + i];
          return n;
        }
        return target.write(this.spanShort(from, to), at, 'utf8');
      },
      spanBytes: (from, to) => (to < rec.count ? this.ends[to] - this.starts[from] : Buffer.byteLength(this.spanShort(from, to))),
    };
    this.rec = rec;
    if (opts.range) this.want(opts.range.columns);
  }

  /** A span reaching past the record's last field: the missing fields are empty. */
  private spanShort(from: number, to: number): string {
    const have = this.rec.count - 1;
    if (from > have) return ','.repeat(to - from);
    return this.buf.toString('utf8', this.starts[from], this.ends[have]) + ','.repeat(to - have);
  }

  /** See `interned`. */
  private intern(f: number, s: number, e: number): string {
    const known = this.interned[f]!;
    const b = this.buf;
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
    else this.interned[f] = undefined;
    return text;
  }

  private want(w: Wanted): void {
    const idx = 'decode' in w ? w.decode : w;
    this.maxWanted = idx.length ? Math.max(...idx) : -1;
    this.interned = [];
    for (const i of idx) this.interned[i] = [];
    this.wanted = new Uint8Array(this.maxWanted + 1);
    for (const i of idx) this.wanted[i] = 1;
    this.fields.length = 0;
    for (let i = 0; i <= this.maxWanted; i++) this.fields.push('');
    this.last = Math.max(this.maxWanted, ...('decode' in w ? w.spans : []));
    this.starts = new Int32Array(this.last + 1);
    this.ends = new Int32Array(this.last + 1);
  }

  /** Moves the unread tail (from keepFrom) to the front and reads more; returns how far the tail moved. */
  private async fill(keepFrom: number): Promise<number> {
    const tail = this.len - keepFrom;
    if (tail >= this.buf.length >> 1) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, keepFrom, this.len);
      this.buf = bigger;
    } else if (keepFrom > 0) this.buf.copy(this.buf, 0, keepFrom, this.len);
    this.base += keepFrom;
    this.len = tail;
    this.nextQuote = -1;
    while (this.len < this.buf.length && !this.eof) {
      const room = Math.min(this.buf.length - this.len, this.limit - (this.base + this.len));
      const {bytesRead} = room > 0 ? await this.fh.read(this.buf, this.len, room, this.base + this.len) : {bytesRead: 0};
      if (bytesRead === 0) this.eof = true;
      this.len += bytesRead;
    }
    if (this.utf8) {
      const from = Math.max(0, this.checked - this.base);
      this.checked = this.base + from + this.utf8.check(this.buf, from, this.len, this.base + from, this.eof);
    }
    return keepFrom;
  }

  private countLf(from: number, to: number): number {
    const buf = this.buf;
    let n = 0;
    let i = buf.indexOf(LF, from);
    while (i !== -1 && i < to) {
      n++;
      i = buf.indexOf(LF, i + 1);
    }
    return n;
  }

  /** Records the end of the record that starts at `start` and ends (without its newline) at `end`. */
  private endRecord(fieldCount: number, start: number, end: number): void {
    this.rec.count = fieldCount;
    this.rec.innerNewlines = this.lines ? this.countLf(start, end) : 0;
    this.recStart = start;
    this.recEnd = end;
  }

  /**
   * Parses one record starting at p, entirely inside buf[p, len). Returns the offset just past its newline
   * (or len at EOF), or -1 when the record is not complete in the buffer (and the file has more).
   * Long on purpose: it is the scanner's hot loop, once per byte of the file (its state is copied into locals
   * first; a call per field, or per field kind, measurably slows the first pass).
   */
  private parseRecord(p: number): number {
    const b = this.buf;
    const n = this.len;
    const atEof = this.eof;
    const all = this.header;
    const want = this.wanted;
    const maxWant = this.maxWanted;
    const tracked = all ? -1 : this.last;
    const skip = this.skipTail && !all;
    const starts = this.starts;
    const ends = this.ends;
    const fields = this.fields;
    const interned = this.interned;
    const nl0 = this.nl0;
    const crlf = this.crlf;
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
        else if (f <= maxWant && want[f] === 1)
          fields[f] = s === p ? '' : p - s <= INTERN_MAX_BYTES && interned[f] !== undefined ? this.intern(f, s, p) : b.toString('utf8', s, p);
        else if (f < fields.length) fields[f] = '';
        if (f <= tracked) ends[f] = p;
      }
      f++;
      // After a field: a delimiter, a newline, or the end of the file.
      if (p >= n) {
        if (!atEof) return -1;
        if (this.cut) throw new Irregular('the range ends inside a record');
        this.endRecord(f, start, n);
        return n;
      }
      const c = b[p];
      if (c === COMMA) {
        p++;
        if (skip && f > tracked) p = this.skipPlain(p, n);
        continue;
      }
      if (crlf) {
        if (p + 1 >= n && !atEof) return -1;
        if (c === CR && p + 1 < n && b[p + 1] === LF) {
          this.endRecord(f, start, p);
          return p + 2;
        }
      } else if (c === nl0) {
        this.endRecord(f, start, p);
        return p + 1;
      }
      throw new Irregular('text after the closing quote of a field');
    }
  }

  /**
   * From the start of a field past the last one wanted: the start of the next field that opens with a quote
   * in this record, or the record's newline, when only plain fields (no quote, no newline) lie before it;
   * else p itself (the byte-by-byte parse then reads on, and finds any irregularity).
   */
  private skipPlain(p: number, n: number): number {
    const b = this.buf;
    if (this.nextQuote < p) {
      this.nextQuote = b.indexOf(QUOTE, p);
      if (this.nextQuote === -1 || this.nextQuote >= n) this.nextQuote = n;
    }
    let e = b.indexOf(this.nl0, p);
    if (e === -1 || e >= n) e = n;
    // (In a CRLF file, e may be a lone CR, which belongs to its field: the parse at e reads on.)
    if (e < this.nextQuote) return e < n ? e : p;
    if (this.nextQuote >= n) return p;
    const q = this.nextQuote;
    return q === p || b[q - 1] === COMMA ? q : p;
  }

  /** After the scan: its read buffer serves the next scans of this thread. */
  release(): void {
    if (this.buf.length === CHUNK && spareBuffers.length < 4) spareBuffers.push(this.buf);
  }

  async scan(): Promise<ScanResult> {
    const {opts, rec, fields} = this;
    try {
      await this.fill(0);
      let p = 0;
      for (;;) {
        // papaparse reading a stream reports no empty record after a final newline.
        if (p >= this.len && this.eof) {
          break;
        }
        const next = this.parseRecord(p);
        if (next === -1) {
          p -= await this.fill(p);
          opts.onChunk?.(this.records);
          continue;
        }
        for (let i = rec.count; i < fields.length; i++) fields[i] = '';
        rec.index = this.records++;
        rec.offset = this.base + p;
        if (this.header) {
          this.header = false;
          const hdr = fields.slice(0, rec.count);
          this.want(opts.onHeader ? opts.onHeader(hdr, rec) : []);
        } else {
          const pending = opts.onRecord(rec);
          if (pending) await pending;
        }
        p = next;
      }
      return {ok: true, records: this.records, bytes: this.base + this.len};
    } catch (e) {
      if (e instanceof Irregular) return {ok: false, reason: e.message, offset: this.base, records: this.records};
      throw e;
    }
  }
}
