import {z} from './zod.js';
import {LIST_SEPARATOR, type ColumnKind, type TableColumn} from '../io/table-codec.js';

/**
 * Column helpers for output tables. Every table is a zod object whose keys, in order, are the CSV columns;
 * `.describe()` on each is the data dictionary text. The CSV codecs (src/io/table-codec.ts) are built from
 * the columns tableColumns reads off the schema (at build time, into src/generated/tables.ts: `npm run
 * tables`, and a test fails when that file is out of date), so the schema is the one source of truth for
 * names, order and types.
 */
export const col = {
  id: (d: string) => z.string().regex(/^[a-z]+_[0-9a-f]{12}$/).describe(d),
  text: (d: string) => z.string().describe(d),
  int: (d: string) => z.number().int().describe(d),
  intOrNull: (d: string) => z.number().int().nullable().describe(d),
  num: (d: string) => z.number().describe(d),
  numOrNull: (d: string) => z.number().nullable().describe(d),
  prob: (d: string) => z.number().min(0).max(1).describe(d),
  bool: (d: string) => z.boolean().describe(d),
  date: (d: string) => z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe(d),
  dateOrEmpty: (d: string) => z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/).describe(d),
  list: (d: string) => z.array(z.string()).describe(`${d} (list, items joined with "${LIST_SEPARATOR}")`),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, d: string) => z.enum(values).describe(d),
};

/** A table's columns (name, kind, nullable), in order, read off its zod object schema. */
export function tableColumns(schema: z.ZodObject): TableColumn[] {
  return Object.entries(schema.shape).map(([name, type]) => ({name, ...kindOf(type as z.ZodType)}));
}

/** Reads a column's kind off its zod definition. */
function kindOf(type: z.ZodType): {kind: ColumnKind; nullable: boolean} {
  let def = (type as unknown as {_zod: {def: {type: string; innerType?: z.ZodType}}})._zod.def;
  let nullable = false;
  while (def.type === 'nullable' || def.type === 'optional' || def.type === 'default') {
    nullable = nullable || def.type !== 'default';
    def = (def.innerType as unknown as {_zod: {def: typeof def}})._zod.def;
  }
  switch (def.type) {
    case 'number': return {kind: 'number', nullable};
    case 'boolean': return {kind: 'boolean', nullable};
    case 'array': return {kind: 'list', nullable};
    case 'string': case 'enum': case 'literal': return {kind: 'string', nullable};
    default: throw new Error(`table column type ${def.type} is not supported`);
  }
}
