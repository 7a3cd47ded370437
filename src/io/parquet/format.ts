import {UserError} from '../../errors.js';

/** The formats a command can write its tables in (`--format`): CSV (the default), Parquet, or both. */
export const TABLE_FORMATS = ['csv', 'parquet'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** The help text of `--format`. */
export const FORMAT_FLAG_DESCRIPTION =
  'Table format(s) to write: csv, parquet, or csv,parquet (Parquet: typed from the schemas, beside each CSV as <table>.parquet).';

/**
 * `--format`'s value as the set of formats: "csv", "parquet", "csv,parquet" (any order, spaces ignored). Anything
 * else (an unknown or repeated format, an empty list) is a UserError saying what is accepted.
 */
export function parseTableFormats(value: string): ReadonlySet<TableFormat> {
  const items = value.split(',').map((s) => s.trim().toLowerCase());
  const out = new Set<TableFormat>();
  for (const item of items) {
    if (!(TABLE_FORMATS as readonly string[]).includes(item))
      throw new UserError(`--format ${value}: "${item}" is not a table format; give csv, parquet or csv,parquet`);
    if (out.has(item as TableFormat)) throw new UserError(`--format ${value}: ${item} is given twice`);
    out.add(item as TableFormat);
  }
  return out;
}
