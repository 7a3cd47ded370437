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

/** Chooses this process's table format by name (see useFormat), loading a built-in one on demand. */
export async function chooseFormat(name: string): Promise<TableFormat> {
  if (!formats().some((f) => f.name === name)) {
    const load = ON_DEMAND[name];
    if (!load) throw new UserError(`--format ${name}: not a table format; give ${FORMAT_NAMES.join(' or ')}`);
    const m = await load();
    if (!formats().some((f) => f.name === name)) registerFormat(m.default);
  }
  return useFormat(name);
}

export * from './registry.js';
