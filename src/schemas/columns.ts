import {z} from './zod.js';
import {LIST_SEPARATOR, isPlainText, type TableColumn} from '../io/table-codec.js';
import type {OpenVocabulary, OpenVocabularyName} from '../core/vocabulary.js';

/**
 * The columns of an open vocabulary (col.open): which vocabulary of the loaded config they take their values
 * from, and the fixed values besides (e.g. '' for "none"). tableColumns marks them so (TableColumn.vocabulary)
 * instead of listing the values: the generated column lists hold no config, a reader fills in the loaded
 * config's values (withVocabulary in io/table-check.ts).
 */
export const OPEN_COLUMNS = z.registry<{vocabulary: OpenVocabularyName; also: readonly string[]}>();

/**
 * The formats of the ID and date columns. Their values need no quotes in a CSV (see csvCell), so their cells are
 * written as they are (TableColumn.plain); a test checks that every string they match is written so.
 */
export const PLAIN_PATTERNS = {
  id: /^[a-z]+_[0-9a-f]{16}$/,
  idOrEmpty: /^([a-z]+_[0-9a-f]{16})?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  dateOrEmpty: /^(\d{4}-\d{2}-\d{2})?$/,
} as const;

/**
 * Column helpers for output tables. Every table is a zod object whose keys, in order, are the CSV columns;
 * `.describe()` on each is the data dictionary text. The CSV codecs (src/io/table-codec.ts) are built from
 * the columns tableColumns reads off the schema (at build time, into src/generated/tables.ts: `npm run
 * build`, and a test fails when that file is out of date), so the schema is the one source of truth for
 * names, order and types.
 */
export const col = {
  id: (d: string) => z.string().regex(PLAIN_PATTERNS.id).describe(d),
  /** An ID of another row, or '' for "none" (e.g. the deal a deal follows): NULL in Parquet and DuckDB, no not_null test in dbt. */
  idOrEmpty: (d: string) => z.string().regex(PLAIN_PATTERNS.idOrEmpty).describe(d),
  text: (d: string) => z.string().describe(d),
  int: (d: string) => z.number().int().describe(d),
  intOrNull: (d: string) => z.number().int().nullable().describe(d),
  num: (d: string) => z.number().describe(d),
  numOrNull: (d: string) => z.number().nullable().describe(d),
  /** An amount of money in currency units, 2 decimals (typed DECIMAL(18,2) in Parquet and DuckDB). */
  money: (d: string) => z.number().multipleOf(0.01).describe(d),
  moneyOrNull: (d: string) => z.number().multipleOf(0.01).nullable().describe(d),
  prob: (d: string) => z.number().min(0).max(1).describe(d),
  bool: (d: string) => z.boolean().describe(d),
  date: (d: string) => z.string().regex(PLAIN_PATTERNS.date).describe(d),
  dateOrEmpty: (d: string) => z.string().regex(PLAIN_PATTERNS.dateOrEmpty).describe(d),
  list: (d: string) => z.array(z.string()).describe(`${d} (list, items joined with "${LIST_SEPARATOR}")`),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, d: string) => z.enum(values).describe(d),
  /** A value of an open vocabulary of the loaded config `v`, or one of `also` (see OPEN_COLUMNS). */
  open: (vocabulary: OpenVocabularyName, v: OpenVocabulary, d: string, also: readonly string[] = []) => {
    const t = z.enum([...v[vocabulary], ...also] as [string, ...string[]]).describe(d);
    OPEN_COLUMNS.add(t, {vocabulary, also});
    return t;
  },
};

/** A table's columns (name, kind, nullable, plain, and what a reader checks), in order, read off its zod object schema. */
export function tableColumns(schema: z.ZodObject): TableColumn[] {
  return Object.entries(schema.shape).map(([name, type]) => ({name, ...kindOf(type as z.ZodType)}));
}

type Kind = Omit<TableColumn, 'name'>;

interface Def {
  type: string;
  innerType?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  checks?: Array<{_zod: {def: {check: string; format?: string; pattern?: RegExp; value?: number; inclusive?: boolean}}}>;
}

/** Reads a column's kind off its zod definition (and what a reader checks its cells against). */
function kindOf(type: z.ZodType): Kind {
  const open = OPEN_COLUMNS.get(type);
  // (Its values are names of the vocabulary, VOCABULARY_NAME: plain.)
  if (open)
    return {
      kind: 'string',
      nullable: false,
      plain: open.also.every(isPlainText),
      vocabulary: open.vocabulary,
      ...(open.also.length ? {values: [...open.also]} : {}),
    };
  let def = (type as unknown as {_zod: {def: Def}})._zod.def;
  let nullable = false;
  while (def.type === 'nullable' || def.type === 'optional' || def.type === 'default') {
    nullable = nullable || def.type !== 'default';
    def = (def.innerType as unknown as {_zod: {def: Def}})._zod.def;
  }
  switch (def.type) {
    case 'number':
      return {kind: 'number', nullable, plain: false, ...numberChecks(def)};
    case 'boolean':
      return {kind: 'boolean', nullable, plain: false};
    case 'array':
      return {kind: 'list', nullable, plain: false};
    case 'string': {
      const format = plainFormat(def);
      return {kind: 'string', nullable, plain: format !== undefined, ...(format ? {format} : {})};
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      return {kind: 'string', nullable, plain: values.every(isPlainText), values};
    }
    case 'literal':
      return {
        kind: 'string',
        nullable,
        plain: (def.values ?? []).every((v) => typeof v === 'string' && isPlainText(v)),
        values: (def.values ?? []).map(String),
      };
    default:
      throw new Error(`table column type ${def.type} is not supported`);
  }
}

/** A number column's checks: whole number, bounds, decimals (a multiple of 0.01: 2). */
function numberChecks(def: Def): Pick<Kind, 'int' | 'min' | 'max' | 'scale'> {
  const out: {int?: boolean; min?: number; max?: number; scale?: number} = {};
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'number_format' && (d.format === 'safeint' || d.format === 'int32')) out.int = true;
    if (d.check === 'greater_than' && d.inclusive && typeof d.value === 'number') out.min = d.value;
    if (d.check === 'less_than' && d.inclusive && typeof d.value === 'number') out.max = d.value;
    if (d.check === 'multiple_of' && typeof d.value === 'number' && d.value < 1) out.scale = Math.round(-Math.log10(d.value));
  }
  return out;
}

/** Which of PLAIN_PATTERNS a string column is checked against, if any. */
function plainFormat(def: Def): TableColumn['format'] {
  for (const c of def.checks ?? []) {
    if (c._zod.def.format !== 'regex' || c._zod.def.pattern === undefined) continue;
    for (const [name, pattern] of Object.entries(PLAIN_PATTERNS)) if (pattern === c._zod.def.pattern) return name as TableColumn['format'];
  }
  return undefined;
}
