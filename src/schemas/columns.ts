import {z} from './zod.js';
import {LIST_SEPARATOR, isPlainText, type ColumnKind, type TableColumn} from '../io/table-codec.js';

/**
 * The formats of the ID and date columns. Their values need no quotes in a CSV (see csvCell), so their cells are
 * written as they are (TableColumn.plain); a test checks that every string they match is written so.
 */
export const PLAIN_PATTERNS = {
  id: /^[a-z]+_[0-9a-f]{16}$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  dateOrEmpty: /^(\d{4}-\d{2}-\d{2})?$/,
} as const;

/**
 * Column helpers for output tables. Every table is a zod object whose keys, in order, are the CSV columns;
 * `.describe()` on each is the data dictionary text. The CSV codecs (src/io/table-codec.ts) are built from
 * the columns tableColumns reads off the schema (at build time, into src/generated/tables.ts: `npm run
 * tables`, and a test fails when that file is out of date), so the schema is the one source of truth for
 * names, order and types.
 */
export const col = {
  id: (d: string) => z.string().regex(PLAIN_PATTERNS.id).describe(d),
  text: (d: string) => z.string().describe(d),
  int: (d: string) => z.number().int().describe(d),
  intOrNull: (d: string) => z.number().int().nullable().describe(d),
  num: (d: string) => z.number().describe(d),
  numOrNull: (d: string) => z.number().nullable().describe(d),
  prob: (d: string) => z.number().min(0).max(1).describe(d),
  bool: (d: string) => z.boolean().describe(d),
  date: (d: string) => z.string().regex(PLAIN_PATTERNS.date).describe(d),
  dateOrEmpty: (d: string) => z.string().regex(PLAIN_PATTERNS.dateOrEmpty).describe(d),
  list: (d: string) => z.array(z.string()).describe(`${d} (list, items joined with "${LIST_SEPARATOR}")`),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, d: string) => z.enum(values).describe(d),
};

/** A table's columns (name, kind, nullable, plain), in order, read off its zod object schema. */
export function tableColumns(schema: z.ZodObject): TableColumn[] {
  return Object.entries(schema.shape).map(([name, type]) => ({name, ...kindOf(type as z.ZodType)}));
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  checks?: Array<{_zod: {def: {check: string; format?: string; pattern?: RegExp}}}>;
}

/** Reads a column's kind off its zod definition. */
function kindOf(type: z.ZodType): {kind: ColumnKind; nullable: boolean; plain: boolean} {
  let def = (type as unknown as {_zod: {def: Def}})._zod.def;
  let nullable = false;
  while (def.type === 'nullable' || def.type === 'optional' || def.type === 'default') {
    nullable = nullable || def.type !== 'default';
    def = (def.innerType as unknown as {_zod: {def: Def}})._zod.def;
  }
  switch (def.type) {
    case 'number': return {kind: 'number', nullable, plain: false};
    case 'boolean': return {kind: 'boolean', nullable, plain: false};
    case 'array': return {kind: 'list', nullable, plain: false};
    case 'string': return {kind: 'string', nullable, plain: hasPlainFormat(def)};
    case 'enum': return {kind: 'string', nullable, plain: Object.values(def.entries ?? {}).every(isPlainText)};
    case 'literal': return {kind: 'string', nullable, plain: (def.values ?? []).every((v) => typeof v === 'string' && isPlainText(v))};
    default: throw new Error(`table column type ${def.type} is not supported`);
  }
}

/** Whether a string column is checked against one of PLAIN_PATTERNS. */
function hasPlainFormat(def: Def): boolean {
  const patterns: readonly RegExp[] = Object.values(PLAIN_PATTERNS);
  return (def.checks ?? []).some((c) => c._zod.def.format === 'regex' && c._zod.def.pattern !== undefined && patterns.includes(c._zod.def.pattern));
}
