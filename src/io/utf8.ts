import {isUtf8} from 'node:buffer';
import {closeSync, openSync, readSync} from 'node:fs';
import {UserError} from '../errors.js';
import {displayPath} from '../core/display-path.js';
import {shellWord} from '../core/strings.js';

/*
 * Input files must be UTF-8 (as Clay exports are). A file re-saved by Excel as "CSV (Comma delimited)" is
 * Windows-1252, and decoding it as UTF-8 would silently turn every accented letter and curly quote into U+FFFD:
 * such a file is refused with the line of its first non-UTF-8 byte and how to convert it. The check itself is
 * Node's native isUtf8 on the bytes as they are read; the byte-by-byte walk below only locates the error.
 */

/**
 * The end of the last whole UTF-8 sequence in b[from, to): `to`, or the start of a sequence that `to` cuts off
 * (its other bytes are in the next read). Invalid bytes are left for the check to find.
 */
export function wholeSequencesEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = to - 1; i >= from && i >= to - 3; i--) {
    const c = b[i];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return i + length > to ? i : to;
  }
  return to;
}

/** The offset of the first byte in b[from, to) that does not start a valid UTF-8 sequence ending by `to`, or -1. */
export function firstInvalidUtf8(b: Uint8Array, from = 0, to = b.length): number {
  let i = from;
  while (i < to) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    // Lead bytes: C2-DF (2 bytes), E0-EF (3), F0-F4 (4); C0, C1 and F5-FF never occur.
    const extra = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (extra === 0 || i + extra >= to) return i;
    let cp = c & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) {
      const d = b[i + k];
      if ((d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < [0, 0x80, 0x800, 0x10000][extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += extra + 1;
  }
  return -1;
}

/**
 * Checks bytes of a file as they are read, in order: `check(buf, from, to, offset)` with buf[from, to) the
 * next bytes and `offset` the file offset of buf[from]. Returns how many of them were checked (a sequence cut
 * off at `to` is left for the next call, which must start with it), or throws notUtf8's UserError.
 */
export class Utf8Check {
  constructor(
    private readonly file: string,
    private readonly newline: string,
  ) {}

  check(buf: Uint8Array, from: number, to: number, offset: number, last: boolean): number {
    const end = last ? to : wholeSequencesEnd(buf, from, to);
    if (end > from && !isUtf8(buf.subarray(from, end))) {
      throw notUtf8(this.file, offset + firstInvalidUtf8(buf, from, end) - from, this.newline);
    }
    return end - from;
  }
}

/** Reads the file from `start` to its end and throws notUtf8's UserError at its first non-UTF-8 byte. */
export function assertUtf8File(file: string, start: number, newline: string): void {
  const fd = openSync(file, 'r');
  try {
    const check = new Utf8Check(file, newline);
    const buf = Buffer.allocUnsafe(1 << 20);
    let kept = 0; // bytes of a cut-off sequence at the front of buf
    let offset = start; // file offset of buf[0]
    for (;;) {
      const n = readSync(fd, buf, kept, buf.length - kept, offset + kept);
      const len = kept + n;
      const done = check.check(buf, 0, len, offset, n === 0);
      if (n === 0) return;
      buf.copy(buf, 0, done, len);
      kept = len - done;
      offset += done;
    }
  } finally {
    closeSync(fd);
  }
}

/** Bytes of the line shown before and after the byte that is not UTF-8. */
const CONTEXT_BEFORE = 40;
const CONTEXT_AFTER = 20;

/**
 * The error for a file whose byte at `offset` is not UTF-8: the physical line and the byte, the text around it
 * as Windows-1252 reads it (a caret under the byte), and how to convert the file.
 */
export function notUtf8(file: string, offset: number, newline: string): UserError {
  const nl = newline === '\r' ? 0x0d : 0x0a;
  const fd = openSync(file, 'r');
  let line = 1;
  let lineStart = 0;
  let context: Buffer;
  let before: number;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < offset;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, offset - at), at);
      if (n === 0) break;
      for (let i = buf.indexOf(nl, 0); i !== -1 && i < n; i = buf.indexOf(nl, i + 1)) {
        line++;
        lineStart = at + i + 1;
      }
      at += n;
    }
    before = Math.min(offset - lineStart, CONTEXT_BEFORE);
    context = Buffer.alloc(before + 1 + CONTEXT_AFTER);
    context = context.subarray(0, readSync(fd, context, 0, context.length, offset - before));
    const lineEnd = context.indexOf(nl, before);
    if (lineEnd !== -1) context = context.subarray(0, lineEnd);
  } finally {
    closeSync(fd);
  }
  const hex = context[before].toString(16).toUpperCase().padStart(2, '0');
  // One character a byte (Windows-1252), control characters shown as spaces: the caret lines up.
  const text = new TextDecoder('windows-1252').decode(context).replace(/[\x00-\x1f\x7f]/g, ' ');
  // (The file as the user would type it; quoted for the shell when it needs to be.)
  const name = displayPath(file, process.cwd());
  const quoted = shellWord(name);
  return new UserError(
    `${name}: not UTF-8 text: line ${line} has the byte 0x${hex} (file offset ${offset}), here read as Windows-1252:\n` +
      `  ${text}\n  ${' '.repeat(before)}^\n` +
      'Clay exports are UTF-8; a file saved by Excel as "CSV (Comma delimited)" is Windows-1252. Save it as "CSV UTF-8 (Comma delimited)", ' +
      `or convert it: iconv -f WINDOWS-1252 -t UTF-8 ${quoted} > converted.csv`,
  );
}

/**
 * What the first bytes of a file say when it cannot be UTF-8 CSV at all (UTF-16 text, a spreadsheet or other
 * zip file, binary data), or undefined.
 */
export function notTextReason(head: Uint8Array): string | undefined {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    return `UTF-16 text (byte-order mark ${head[0] === 0xff ? 'FF FE' : 'FE FF'}), not UTF-8: save it as "CSV UTF-8 (Comma delimited)", or convert it with iconv -f UTF-16 -t UTF-8`;
  }
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return 'a zip file (an .xlsx workbook?), not CSV: export or save the sheet as "CSV UTF-8 (Comma delimited)"';
  }
  if (head.length >= 8 && [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1].every((b, i) => head[i] === b)) {
    return 'an .xls workbook, not CSV: export or save the sheet as "CSV UTF-8 (Comma delimited)"';
  }
  // A NUL is valid UTF-8 (and kept, as in any text), but a header that starts with every other byte NUL is UTF-16.
  const nul = (i: number) => head[i] === 0;
  if (head.length >= 4 && nul(0) !== nul(1) && nul(0) === nul(2) && nul(1) === nul(3) && (head[0] | head[1] | head[2] | head[3]) < 0x80) {
    return 'UTF-16 text (no byte-order mark), not UTF-8: save it as "CSV UTF-8 (Comma delimited)", or convert it with iconv -f UTF-16 -t UTF-8';
  }
  return undefined;
}
