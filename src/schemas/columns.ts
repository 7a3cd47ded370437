import {z} from 'zod';
import {LIST_SEPARATOR} from '../io/table-codec.js';

/**
 * Column helpers for output tables. Every table is a zod object whose keys, in order, are the CSV columns;
 * `.describe()` on each is the data dictionary text. The CSV codec (src/io/table-codec.ts) reads the kind
 * of each column from the schema, so the schema is the one source of truth for names, order and types.
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
