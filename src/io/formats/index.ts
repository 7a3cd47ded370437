import {UserError} from '../../errors.js';
import {csvFormat} from './csv.js';
import {formats, registerFormat, useFormat, type TableFormat} from './registry.js';

// The built-in table formats, in order (the first is the default). A format not built in registers itself in
// its own module (see TableFormat.module).
registerFormat(csvFormat);

/** Built-in formats loaded only when chosen (their libraries stay unloaded otherwise): name -> module. */
const ON_DEMAND: Record<string, () => Promise<{default: TableFormat}>> = {
  parquet: () => import('./parquet.js'),
};

/** The names `--format` takes. */
export const FORMAT_NAMES: readonly string[] = ['csv', ...Object.keys(ON_DEMAND)];

/** The extensions of the tables' files in every format this process knows (a data folder may hold any). */
export const knownExtensions = (): string[] => [...new Set([...formats().map((f) => f.extension), '.parquet'])];

/**
 * Chooses this process's table formats (see useFormat) from `--format`'s value: one name, or several joined by
 * commas (csv,parquet: each table in both; the later stages read the Parquet), loading built-in ones on demand.
 */
export async function chooseFormat(value: string): Promise<TableFormat> {
  const names = value.split(',').map((n) => n.trim().toLowerCase());
  for (const name of names) {
    if (names.indexOf(name) !== names.lastIndexOf(name)) throw new UserError(`--format ${value}: ${name} is given twice`);
    if (formats().some((f) => f.name === name)) continue;
    const load = ON_DEMAND[name];
    if (!load) throw new UserError(`--format ${value}: "${name}" is not a table format; give csv, parquet or csv,parquet`);
    const m = await load();
    if (!formats().some((f) => f.name === name)) registerFormat(m.default);
  }
  // Several: the tables are read back in the typed one (Parquet) when it is among them, else in the first.
  const read = names.includes('parquet') ? 'parquet' : names[0];
  return useFormat(read, names);
}

export * from './registry.js';
