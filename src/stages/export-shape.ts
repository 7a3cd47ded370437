import Papa from 'papaparse';
import {mapHeader, type ColumnIndex} from '../core/ingest.js';
import {excerpt} from '../core/strings.js';
import {UserError} from '../errors.js';
import {readCsv, sniffCsv} from '../io/csv.js';
import {scanCsv} from '../io/csv-scan.js';
import {displayPath} from '../core/display-path.js';

/**
 * The export's shape, as the first pass checks it (see account-index.ts): its header (required columns, no
 * duplicates, a hint when another delimiter was used), and records of the wrong width (a quote missing or
 * stray, or a row to reject).
 */

export function headerIndex(input: string, header: string[]): ColumnIndex {
  const mapped = mapHeader(header);
  if (mapped.missing.length > 0) {
    const shown = header.slice(0, MAX_HEADER_NAMES).map((h) => JSON.stringify(excerpt(h, 40)));
    const more = header.length > MAX_HEADER_NAMES ? `, ... (${header.length} columns)` : '';
    throw new UserError(
      `${pathShown(input)}: missing required column(s): ${mapped.missing.join(', ')}.\n` +
        `Found: ${shown.join(', ')}${more}.\nA Clay company export has Name, Description, Primary Industry, Size, Type, Location, Country, Domain and LinkedIn URL.` +
        delimiterHint(header),
    );
  }
  if (mapped.duplicates.length > 0) {
    const which = mapped.duplicates.map((d) => `${d.label} (columns ${d.positions.map((p) => p + 1).join(' and ')})`).join(', ');
    throw new UserError(
      `${pathShown(input)}: line 1: the header names ${which} more than once; which one to read is not clear: rename or remove the extra column(s) and run again`,
    );
  }
  return mapped.index;
}

/** A path as messages show it: relative to the working directory when below it (see core/display-path.ts). */
const pathShown = (path: string): string => displayPath(path, process.cwd());

/** Header names shown in a message (a header of thousands of columns is not echoed whole). */
const MAX_HEADER_NAMES = 20;

/**
 * A record whose field count is not the header's (`fields`, as papaparse reads it). When a field of it holds
 * whole lines that read as records of the header's width, a quote is missing or stray and the quoted field
 * swallowed the records after it: the run stops, naming the line (nothing could say which rows were meant).
 * Otherwise the row is rejected: returns the reason (nothing is lost: the rejects file has its text).
 */
export function wrongWidth(input: string, fields: readonly string[], width: number, row: number, line: number, malformed = false): string {
  const swallowed = swallowedRecords(fields, width);
  if (swallowed > 0) {
    throw new UserError(
      `${pathShown(input)}: line ${line} (row ${row}): a quoted field there runs over ${swallowed} line(s) that read as rows of their own, into ${fields.length === width ? 'one record' : `a record of ${fields.length} field(s) where the header has ${width}`}` +
        `${malformed ? ', and its quotes do not pair up' : ''}: a quote is probably missing or stray in this row, and later rows were read into it. ` +
        'Fix the quotes (a quote inside a quoted field is written twice: "") and run again.',
    );
  }
  return `${fields.length} field(s) where the header has ${width}${malformed ? ' (malformed CSV: its quotes do not pair up)' : ''}`;
}

/**
 * How many whole lines inside the fields (not a field's first or last line) read as a record of `width` fields
 * (and, when `isRow` is given, one it takes for a row).
 */
export function swallowedRecords(fields: readonly string[], width: number, isRow?: (record: readonly string[]) => boolean): number {
  let n = 0;
  for (const f of fields) {
    if (!f.includes('\n')) continue;
    const lines = f.split('\n');
    for (let i = 1; i < lines.length - 1; i++) {
      const text = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
      if (text.split(',').length < width) continue;
      // (Cheap first: a row has a domain or LinkedIn URL between commas; most prose with commas has neither.)
      if (isRow !== undefined && !ROW_HINT.test(text)) continue;
      const record = Papa.parse<string[]>(text, {delimiter: ',', quoteChar: '"'}).data[0] ?? [];
      if (record.length === width && (isRow === undefined || isRow(record))) n++;
    }
  }
  return n;
}

/**
 * Whether a record's CSV text (`text`, as in the file) may hold a line that swallowedRecords counts: a field's
 * inner line is a whole line of the record's text, neither its first nor its last, with the same commas (a
 * quote doubled in the text is one in the field). So when no such line of the text has `width` - 1 commas or
 * more, swallowedRecords finds nothing, and the record need not be split into its fields to ask it (most
 * descriptions over several lines are prose).
 */
export function mayHoldRows(text: string, width: number): boolean {
  let start = text.indexOf('\n') + 1;
  if (start === 0) return false;
  if (width <= 1) return true;
  for (let end = text.indexOf('\n', start); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
    let commas = 0;
    for (let i = text.indexOf(',', start); i !== -1 && i < end; i = text.indexOf(',', i + 1)) {
      if (++commas >= width - 1) return true;
    }
  }
  return false;
}

const ROW_HINT = /linkedin\.com\/|,\s*"?(https?:\/\/)?(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(\/[^,"]*)?"?\s*(,|$)/i;
export const DOMAIN_LIKE = /^(https?:\/\/)?(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(\/\S*)?$/i;

/** Delimiters that spreadsheets write instead of commas, by name. */
const OTHER_DELIMITERS: ReadonlyArray<[string, string]> = [
  [';', 'semicolons (Excel does in locales with a decimal comma)'],
  ['\t', 'tabs'],
  ['|', 'vertical bars'],
];

/** When the header read with another delimiter has every required column: a sentence saying so, else ''. */
function delimiterHint(header: readonly string[]): string {
  const text = header.join(',');
  for (const [delimiter, name] of OTHER_DELIMITERS) {
    const fields = text.split(delimiter).map((f) => f.trim().replace(/^"|"$/g, '').replaceAll('""', '"'));
    if (fields.length > 1 && mapHeader(fields).missing.length === 0) {
      // (Excel writes its locale's list separator even to "CSV UTF-8": it is no way back to commas.)
      return `\nThis file separates its fields with ${name}, not commas: export it from Clay again, or open it in Google Sheets and use File > Download > Comma-separated values (.csv).`;
    }
  }
  return '';
}

/** Line breaks inside the fields of a record. */
export function lineBreaks(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Reads only the export's header and checks it (required columns, no duplicates): a bad export is refused
 * before anything is created (folders, the cache, the provider).
 */
export async function checkExportHeader(input: string): Promise<void> {
  const {newline, bom} = sniffCsv(input);
  const seen = new Error('header read');
  let header: string[] | undefined;
  try {
    const scan = await scanCsv(input, {
      newline,
      start: bom ? 3 : 0,
      chunkBytes: 64 << 10,
      onHeader(h) {
        header = h;
        throw seen;
      },
      onRecord() {},
    });
    if (scan.ok && scan.records === 0) throw new UserError(`${pathShown(input)}: the file is empty (no header row)`);
  } catch (e) {
    if (e !== seen) throw e;
  }
  if (header === undefined) {
    // The scanner declined the header: papaparse reads it.
    await readCsv(input, {
      onHeader(h) {
        header = h;
        throw seen;
      },
      onRecord() {},
    }).catch((e) => {
      if (e !== seen) throw e;
    });
  }
  if (header !== undefined) headerIndex(input, header);
}
