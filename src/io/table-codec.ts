import {csvCell, encodeCsvRow} from './csv.js';
import {newTextCellStats, safeText, unguardText, type TextCellStats} from '../core/text-cells.js';
import type {OpenVocabularyName} from '../core/vocabulary.js';

/** What joins the items of a list cell (a "|" inside an item is written as "/"). */
export const LIST_SEPARATOR = ' | ';

/** How a column's cells are written and read: text, a number, true/false, or a list of texts. */
export type ColumnKind = 'string' | 'number' | 'boolean' | 'list';

/**
 * One column of a table. `nullable`: an empty number cell reads as null (else NaN). `plain`: a text column whose
 * every value needs no quotes (an enum of such values, an ID, a date), written without csvCell's look at each
 * character (the writers' hot path). The tables' columns are
 * read off their zod schemas (tableColumns in src/schemas/columns.ts) at build time, into
 * src/generated/tables.ts: a command builds its codecs without loading zod.
 */
export interface TableColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly plain: boolean;
  /** What a reader checks a cell against (see io/table-check.ts): the values of an enum, */
  readonly values?: readonly string[];
  /**
   * the open vocabulary of the config a column's values come from (lead sources): `values` are then only the
   * fixed values besides (e.g. ''), until withVocabulary (io/table-check.ts) adds the loaded config's,
   */
  readonly vocabulary?: OpenVocabularyName;
  /** the format of an ID or date column (PLAIN_PATTERNS in schemas/columns.ts), */
  readonly format?: 'id' | 'idOrEmpty' | 'date' | 'dateOrEmpty';
  /** a whole number, and the bounds of a number. */
  readonly int?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Digits after the point of a number column of money (its values are multiples of 10^-scale): typed DECIMAL in Parquet. */
  readonly scale?: number;
}

/** A text csvCell writes as it is (no quotes): every value of a plain column must be such a text. */
export const isPlainText = (s: string): boolean => csvCell(s) === s;

/**
 * Some columns of a table, in the order of `keys` (as zod's `.pick` orders them); a key that is not a column
 * throws. The stages decode only the columns they read.
 */
export function pickColumns<K extends string>(columns: readonly TableColumn[], keys: Record<K, true>): TableColumn[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  return Object.keys(keys).map((k) => {
    const c = byName.get(k);
    if (c === undefined) throw new Error(`Unrecognized key: "${k}"`);
    return c;
  });
}

/** A list cell: items joined with " | ", a "|" inside an item written as "/". */
function listCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (!Array.isArray(v)) return (v as string[]).map((s) => s.replaceAll('|', '/')).join(LIST_SEPARATOR);
  const n = v.length;
  if (n === 0) return '';
  let out = listItem(v[0]);
  for (let i = 1; i < n; i++) out += LIST_SEPARATOR + listItem(v[i]);
  return out;
}
const listItem = (s: string): string => (s.includes('|') ? s.replaceAll('|', '/') : s);
const textCell = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
/**
 * Whether the text cells of codecs made with `safeText` get the formula guard (see core/text-cells.ts): on by
 * default; `--no-formula-guard` turns it off for the process (and the worker threads it starts).
 */
let formulaGuard = true;
export function setFormulaGuard(on: boolean): void {
  formulaGuard = on;
}
export const formulaGuardOn = (): boolean => formulaGuard;

/** Options of a codec. */
export interface CodecOptions {
  /**
   * The table holds text from outside (the export, a model's answers): its text and list columns (not the plain
   * ones, not numbers or booleans) are written by safeText (control characters removed, the formula guard) and
   * read back with the guard undone (see core/text-cells.ts); what was found is counted in `textStats`.
   */
  safeText?: boolean;
}

/** Cells of a line (see TableCodec.line): what csvCell makes of what encode gives, with shortcuts by kind. */
const lineCells = {
  string: (v: unknown): string => csvCell(textCell(v)),
  // A plain column's values need no quotes (see TableColumn).
  plain: textCell,
  // A number's text never needs quotes.
  number: (v: unknown): string => (typeof v === 'number' ? `${v}` : csvCell(textCell(v))),
  boolean: (v: unknown): string => (v === true ? 'true' : v === false ? 'false' : csvCell(textCell(v))),
  list: (v: unknown): string => csvCell(listCell(v)),
};

/**
 * Encodes and decodes rows of a table given its columns (names, order, kinds; see TableColumn).
 * Numbers are written as is (callers round), booleans as true/false, lists joined with " | ", null as ''.
 * Each table compiles its own encoder and decoder once (a function reading and building the row's properties
 * by their literal names), which V8 runs far faster than a loop of property lookups by computed name.
 */
export class TableCodec<T extends Record<string, unknown>> {
  readonly columns: readonly string[];
  private readonly cols: readonly TableColumn[];
  /** The columns, with their kinds and rules (what a format other than CSV encodes by). */
  get table(): readonly TableColumn[] {
    return this.cols;
  }
  /** Encodes one row (see encode). */
  readonly encode: (row: T) => string[];
  /** Decodes one CSV record (see decode). */
  readonly decode: (fields: readonly string[]) => T;
  /**
   * One row as a CSV record with its newline: byte for byte `encodeCsvRow(encode(row)) + '\n'`, without the
   * array of cells (the writers' hot path; property-tested against that).
   */
  readonly line: (row: T) => string;
  /** The same record without the newline (cells to write before or after others on a line). */
  readonly record: (row: T) => string;
  /** See CodecOptions.safeText. */
  readonly safe: boolean;
  /** What the text cells written by this codec (in this thread) held: see CodecOptions.safeText. */
  readonly textStats: TextCellStats = newTextCellStats();
  private readonly fns: CellFns;

  constructor(columns: readonly TableColumn[], options: CodecOptions = {}) {
    this.cols = columns;
    this.columns = this.cols.map((c) => c.name);
    this.safe = options.safeText === true;
    this.fns = cellFns(this.textStats);
    const compilable = !this.cols.some((c) => c.name === '__proto__');
    this.encode = compilable ? compileEncoder(this.cols, this.safe, this.fns) : (row) => this.encodeSlow(row);
    this.decode = compilable ? compileDecoder(this.cols, this.safe) : (fields) => this.decodeSlow(fields);
    this.line = compilable ? compileLine(this.cols, '\n', this.safe, this.fns) : (row) => `${encodeCsvRow(this.encodeSlow(row))}\n`;
    this.record = compilable ? compileLine(this.cols, '', this.safe, this.fns) : (row) => encodeCsvRow(this.encodeSlow(row));
  }

  /** Whether a column's cells are written by safeText. */
  private isSafe(c: TableColumn): boolean {
    return this.safe && (c.kind === 'list' || (c.kind === 'string' && !c.plain));
  }

  /**
   * `(row) => [line, record]`: the row's line of this table (as `line` writes it) and its record of `pick`'s
   * table (as `pick.record` writes it), each cell made once for both (`run` writes a company's line of
   * companies.csv and its cells of unified.csv). `pick`'s columns must be columns of this table, as here.
   */
  lineAndPick<P extends Record<string, unknown>>(pick: TableCodec<P>): (row: T) => [string, string] {
    // One compiled function per pair, whoever asks (each writer of a table asks again: its code stays warm).
    let f = this.picks.get(pick) as ((row: T) => [string, string]) | undefined;
    if (!f) this.picks.set(pick, (f = this.compileLineAndPick(pick)));
    return f;
  }

  private readonly picks = new Map<object, unknown>();

  private compileLineAndPick<P extends Record<string, unknown>>(pick: TableCodec<P>): (row: T) => [string, string] {
    const index = new Map(this.cols.map((c, i) => [c.name, i]));
    const at = pick.cols.map((c) => {
      const i = index.get(c.name);
      if (i === undefined || JSON.stringify(this.cols[i]) !== JSON.stringify(c))
        throw new Error(`lineAndPick: column ${c.name} is not a column of this table as it is there`);
      return i;
    });
    if (pick.safe !== this.safe) throw new Error('lineAndPick: both codecs must write text cells the same way (safeText)');
    if (this.cols.some((c) => c.name === '__proto__')) return (row) => [this.line(row), pick.record(row as unknown as P)];
    return compileLineAndPick(this.cols, at, this.safe, this.fns);
  }

  /** The reference encoder (compileEncoder gives the same strings). */
  encodeSlow(row: T): string[] {
    const out = new Array<string>(this.cols.length);
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      const v = row[c.name];
      if (v === null || v === undefined) out[i] = '';
      else if (c.kind === 'list') out[i] = (v as string[]).map((s) => s.replaceAll('|', '/')).join(LIST_SEPARATOR);
      else out[i] = String(v);
      if (this.isSafe(c)) out[i] = safeText(out[i], formulaGuard, this.textStats);
    }
    return out;
  }

  /** The reference decoder: one CSV record whose fields are in `this.columns` order (compileDecoder gives the same rows). */
  decodeSlow(fields: readonly string[]): T {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      const s = this.isSafe(c) ? unguardText(fields[i] ?? '') : (fields[i] ?? '');
      switch (c.kind) {
        case 'string':
          row[c.name] = s;
          break;
        case 'number':
          row[c.name] = s === '' ? (c.nullable ? null : Number.NaN) : Number(s);
          break;
        case 'boolean':
          row[c.name] = s === 'true';
          break;
        case 'list':
          row[c.name] = s === '' ? [] : s.split(LIST_SEPARATOR);
          break;
      }
    }
    return row as T;
  }
}

/** The cell functions of a codec whose text cells go through safeText (counted into `stats`). */
interface CellFns {
  safeString: (v: unknown) => string;
  safeList: (v: unknown) => string;
  safeTextOf: (v: unknown) => string;
  safeListText: (v: unknown) => string;
}
function cellFns(stats: TextCellStats): CellFns {
  const safeTextOf = (v: unknown): string => safeText(textCell(v), formulaGuard, stats);
  const safeListText = (v: unknown): string => safeText(listCell(v), formulaGuard, stats);
  return {safeString: (v) => csvCell(safeTextOf(v)), safeList: (v) => csvCell(safeListText(v)), safeTextOf, safeListText};
}

/** Whether a column of a codec with safeText writes its cells by safeText (text and list columns, not plain ones). */
const safeColumn = (c: TableColumn, safe: boolean): boolean => safe && (c.kind === 'list' || (c.kind === 'string' && !c.plain));

/** `(row) => [cell0, cell1, ...]` with each property read by its literal name. */
function compileEncoder<T>(cols: readonly TableColumn[], safe: boolean, fns: CellFns): (row: T) => string[] {
  const cells = cols.map(
    (c) =>
      `${c.kind === 'list' ? (safeColumn(c, safe) ? 'safeList' : 'list') : safeColumn(c, safe) ? 'safeText' : 'text'}(row[${JSON.stringify(c.name)}])`,
  );
  return new Function(
    'text',
    'list',
    'safeText',
    'safeList',
    `return function encode(row) {\n  return [${cells.map((c) => `\n    ${c},`).join('')}\n  ];\n};`,
  )(textCell, listCell, fns.safeTextOf, fns.safeListText) as (row: T) => string[];
}

/** The expression of a column's cell in a compiled line: the cell function of its kind on the row's property. */
const cellOf = (c: TableColumn, safe: boolean): string =>
  `${safeColumn(c, safe) ? (c.kind === 'list' ? 'safeList' : 'safeString') : c.kind === 'string' && c.plain ? 'plain' : c.kind}(row[${JSON.stringify(c.name)}])`;
/** Cells joined by commas, then `end`, as one expression. */
const joined = (cells: readonly string[], end: string): string =>
  [...(cells.length ? [cells.join(" + ',' + ")] : []), ...(end ? [JSON.stringify(end)] : [])].join(' + ') || "''";
/** Makes a compiled line function from its source, given the cell functions. */
const compiled = <F>(source: string, fns: CellFns): F =>
  new Function('string', 'plain', 'number', 'boolean', 'list', 'safeString', 'safeList', source)(
    lineCells.string,
    lineCells.plain,
    lineCells.number,
    lineCells.boolean,
    lineCells.list,
    fns.safeString,
    fns.safeList,
  ) as F;

/** `(row) => cell0 + ',' + cell1 + ... + end` with each property read by its literal name. */
function compileLine<T>(cols: readonly TableColumn[], end: string, safe: boolean, fns: CellFns): (row: T) => string {
  return compiled(
    `return function line(row) {\n  return ${joined(
      cols.map((c) => cellOf(c, safe)),
      end,
    )};\n};`,
    fns,
  );
}

/** `(row) => [line, record of the columns at \`at\`]`, each cell computed once (see TableCodec.lineAndPick). */
function compileLineAndPick<T>(cols: readonly TableColumn[], at: readonly number[], safe: boolean, fns: CellFns): (row: T) => [string, string] {
  const cells = cols.map((c, i) => `  const c${i} = ${cellOf(c, safe)};`);
  const line = joined(
    cols.map((_, i) => `c${i}`),
    '\n',
  );
  const record = joined(
    at.map((i) => `c${i}`),
    '',
  );
  return compiled(`return function lineAndPick(row) {\n${cells.join('\n')}\n  return [${line}, ${record}];\n};`, fns);
}

/** `(fields) => ({name0: ..., name1: ...})`: one object literal of a fixed shape, columns in order. */
function compileDecoder<T>(cols: readonly TableColumn[], safe: boolean): (fields: readonly string[]) => T {
  const props = cols.map((c, i) => {
    const s = safeColumn(c, safe) ? `ug(f(fields[${i}]))` : `f(fields[${i}])`;
    let value: string;
    switch (c.kind) {
      case 'string':
        value = s;
        break;
      case 'number':
        value = `num(${s}, ${c.nullable})`;
        break;
      case 'boolean':
        value = `${s} === 'true'`;
        break;
      case 'list':
        value = `list(${s})`;
        break;
    }
    return `${JSON.stringify(c.name)}: ${value}`;
  });
  const f = (s: string | undefined): string => s ?? '';
  const num = (s: string, nullable: boolean): number | null => (s === '' ? (nullable ? null : Number.NaN) : Number(s));
  const list = (s: string): string[] => (s === '' ? [] : s.split(LIST_SEPARATOR));
  return new Function('f', 'num', 'list', 'ug', `return function decode(fields) {\n  return {${props.map((p) => `\n    ${p},`).join('')}\n  };\n};`)(
    f,
    num,
    list,
    unguardText,
  ) as (fields: readonly string[]) => T;
}
