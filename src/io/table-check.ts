import {IdSet} from '../core/id-set.js';
import {excerpt} from '../core/strings.js';
import {UserError} from '../errors.js';
import type {TableColumn} from './table-codec.js';

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
  c.values !== undefined || c.format !== undefined || c.kind === 'number' || c.kind === 'boolean';

/** A check of one cell's text; undefined when the cell is good, else what was expected. */
type CellCheck = (s: string) => string | undefined;

function cellCheck(c: TableColumn): CellCheck {
  if (c.values) {
    const set = new Set(c.values);
    const expected = `one of ${c.values.map((v) => (v === '' ? '(empty)' : v)).join(', ')}`;
    return (s) => (set.has(s) ? undefined : expected);
  }
  if (c.format) {
    const re = PATTERNS[c.format];
    const expected = c.format === 'id' ? 'an ID (a prefix, _ and 16 hex digits)' : `a date (YYYY-MM-DD)${c.format === 'dateOrEmpty' ? ' or empty' : ''}`;
    if (c.format === 'id') return (s) => (re.test(s) ? undefined : expected);
    return (s) => (re.test(s) && (s === '' || realDate(s)) ? undefined : expected);
  }
  if (c.kind === 'boolean') return (s) => (s === 'true' || s === 'false' ? undefined : 'true or false');
  if (c.kind === 'number') {
    const what = `${c.int ? 'a whole number' : 'a number'}${c.min !== undefined && c.max !== undefined ? ` from ${c.min} to ${c.max}` : ''}${c.nullable ? ' or empty' : ''}`;
    return (s) => {
      if (s === '') return c.nullable ? undefined : what;
      const n = Number(s);
      if (!Number.isFinite(n) || s.trim() !== s) return what;
      if (c.int && !Number.isInteger(n)) return what;
      if ((c.min !== undefined && n < c.min) || (c.max !== undefined && n > c.max)) return what;
      return undefined;
    };
  }
  return () => undefined;
}

/**
 * Checks the cells of a table's rows, given the text of the checked columns (in `columns` order, see
 * RowChecker.columns). `unique`: the column whose values must be unique in the table (an ID).
 */
export class RowChecker {
  /** The columns checked, in the order check() takes their cells. */
  readonly columns: readonly TableColumn[];
  private readonly checks: CellCheck[];
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
    this.checks = this.columns.map(cellCheck);
    this.uniqueAt = unique === undefined ? -1 : this.columns.findIndex((c) => c.name === unique);
    if (unique !== undefined && this.uniqueAt === -1) throw new Error(`RowChecker: ${unique} is not a checked column`);
  }

  /** Throws the UserError for the first bad cell of row `row` (header = row 1). */
  check(cells: readonly string[], row: number): void {
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) {
      const s = cells[i];
      const expected = checks[i](s);
      if (expected !== undefined) this.fail(row, this.columns[i].name, `${JSON.stringify(excerpt(s, 40))} is not ${expected}`);
    }
    if (this.uniqueAt >= 0 && !this.ids_.add(cells[this.uniqueAt])) {
      this.fail(row, this.columns[this.uniqueAt].name, `${cells[this.uniqueAt]} is on an earlier row too (IDs are unique)`);
    }
  }

  /** The unique column's values seen so far (see IdSet.values), for a check across parts read apart. */
  ids(): BigUint64Array {
    return this.ids_.values();
  }

  private fail(row: number, column: string, what: string): never {
    throw new UserError(`${this.file} row ${row}, column ${column}: ${what}: fix the file, or run \`stedi-gtm ${this.producedBy}\` again`);
  }
}
