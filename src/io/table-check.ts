import {IdSet} from '../core/id-set.js';
import {excerpt} from '../core/strings.js';
import {UserError} from '../errors.js';
import {VOCABULARY_NAME, type OpenVocabulary} from '../core/vocabulary.js';
import type {TableColumn} from './table-codec.js';
import {displayPath} from '../core/display-path.js';

/*
 * What a reader checks in the cells of a table it reads (our own tables: companies.csv, leads.csv, deals.csv,
 * ...): each typed cell against its column in the zod schema (src/generated/tables.ts): an enum's values, an ID's
 * or a date's format, a number (whole, within bounds), true/false; and the table's own IDs unique. A cell that
 * fails stops the command (exit 2) with the file, the row, the column, the value and the command to run again.
 * The checks read the cells' text (the fields the scanner decodes anyway): nothing is parsed twice.
 */

const PATTERNS = {
  id: /^[a-z]+_[0-9a-f]{16}$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  dateOrEmpty: /^(\d{4}-\d{2}-\d{2})?$/,
} as const;

/**
 * The columns with the values of the loaded config's open vocabularies filled in (see TableColumn.vocabulary):
 * what a reader that has the config checks against. A column left without them is checked against the form of
 * a vocabulary name (VOCABULARY_NAME) only.
 */
export function withVocabulary(columns: readonly TableColumn[], v: OpenVocabulary): TableColumn[] {
  return columns.map(({vocabulary, ...c}) => (vocabulary === undefined ? c : {...c, values: [...v[vocabulary], ...(c.values ?? [])]}));
}

/** Whether a YYYY-MM-DD text is a real calendar date. */
function realDate(s: string): boolean {
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const days = m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
  return d <= days;
}

/** Whether a column has anything to check (text and list columns have not). */
export const isChecked = (c: TableColumn): boolean =>
  c.values !== undefined || c.vocabulary !== undefined || c.format !== undefined || c.kind === 'number' || c.kind === 'boolean';

/** What a cell of the column must be, in words (for the message). */
function expected(c: TableColumn): string {
  if (c.vocabulary) return `a name of deal_model.yml ${c.vocabulary} (lower-case letters, digits, _)${c.values?.includes('') ? ' or empty' : ''}`;
  if (c.values) return `one of ${c.values.map((v) => (v === '' ? '(empty)' : v)).join(', ')}`;
  if (c.format === 'id' || c.format === 'idOrEmpty') return `an ID (a prefix, _ and 16 hex digits)${c.format === 'idOrEmpty' ? ' or empty' : ''}`;
  if (c.format) return `a date (YYYY-MM-DD)${c.format === 'dateOrEmpty' ? ' or empty' : ''}`;
  if (c.kind === 'boolean') return 'true or false';
  return `${c.int ? 'a whole number' : 'a number'}${c.min !== undefined && c.max !== undefined ? ` from ${c.min} to ${c.max}` : ''}${c.nullable ? ' or empty' : ''}`;
}

/** Whether a number cell's text is a number (whole: `int`) within [min, max]. */
function numberOk(s: string, int: boolean, min: number, max: number): boolean {
  const n = Number(s);
  return Number.isFinite(n) && s.trim() === s && (!int || Number.isInteger(n)) && n >= min && n <= max;
}

/** The expression that is true when the cell text `s` is good for the column. */
function condition(c: TableColumn): string {
  if (c.vocabulary) return [...(c.values ?? []).map((v) => `s === ${JSON.stringify(v)}`), 'NAME.test(s)'].join(' || ');
  if (c.values) return c.values.map((v) => `s === ${JSON.stringify(v)}`).join(' || ') || 'false';
  if (c.format === 'id') return 'ID.test(s)';
  if (c.format === 'idOrEmpty') return "s === '' || ID.test(s)";
  if (c.format === 'date') return 'DATE.test(s) && realDate(s)';
  if (c.format === 'dateOrEmpty') return "s === '' || (DATE.test(s) && realDate(s))";
  if (c.kind === 'boolean') return "s === 'true' || s === 'false'";
  const num = `numberOk(s, ${c.int === true}, ${c.min ?? -Infinity}, ${c.max ?? Infinity})`;
  return c.nullable ? `s === '' || ${num}` : `s !== '' && ${num}`;
}

/**
 * `(cells) => index of the first bad cell, or -1`, compiled for the columns (a function of their literal checks,
 * which V8 runs several times faster than a loop over closures: every row of companies.csv goes through it).
 */
function compileCheck(columns: readonly TableColumn[]): (cells: readonly string[]) => number {
  const body = columns.map((c, i) => `  s = cells[${i}];\n  if (!(${condition(c)})) return ${i};`).join('\n');
  return new Function('ID', 'DATE', 'NAME', 'realDate', 'numberOk', `return function check(cells) {\n  let s;\n${body}\n  return -1;\n};`)(
    PATTERNS.id,
    PATTERNS.date,
    VOCABULARY_NAME,
    realDate,
    numberOk,
  ) as (cells: readonly string[]) => number;
}

/**
 * Checks the cells of a table's rows, given the text of the checked columns (in `columns` order, see
 * RowChecker.columns). `unique`: the column whose values must be unique in the table (an ID).
 */
export class RowChecker {
  /** The columns checked, in the order check() takes their cells. */
  readonly columns: readonly TableColumn[];
  private readonly firstBad: (cells: readonly string[]) => number;
  private readonly uniqueAt: number;
  private readonly ids_ = new IdSet();

  constructor(
    private readonly file: string,
    columns: readonly TableColumn[],
    /** The command that writes the table (named in the message). */
    private readonly producedBy: string,
    unique?: string,
  ) {
    this.columns = columns.filter(isChecked);
    this.firstBad = compileCheck(this.columns);
    this.uniqueAt = unique === undefined ? -1 : this.columns.findIndex((c) => c.name === unique);
    if (unique !== undefined && this.uniqueAt === -1) throw new Error(`RowChecker: ${unique} is not a checked column`);
  }

  /** Throws the UserError for the first bad cell of row `row` (header = row 1). */
  check(cells: readonly string[], row: number): void {
    const bad = this.firstBad(cells);
    if (bad >= 0) this.fail(row, this.columns[bad].name, `${JSON.stringify(excerpt(cells[bad], 40))} is not ${expected(this.columns[bad])}`);
    if (this.uniqueAt >= 0 && !this.ids_.add(cells[this.uniqueAt])) {
      this.fail(row, this.columns[this.uniqueAt].name, `${cells[this.uniqueAt]} is on an earlier row too (IDs are unique)`);
    }
  }

  /** The unique column's values seen so far (see IdSet.values), for a check across parts read apart. */
  ids(): BigUint64Array {
    return this.ids_.values();
  }

  private fail(row: number, column: string, what: string): never {
    throw new UserError(
      `${displayPath(this.file, process.cwd())} row ${row}, column ${column}: ${what}: fix the file, or run \`stedi-gtm ${this.producedBy}\` again`,
    );
  }
}
