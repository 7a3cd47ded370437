import {csvFormat} from './csv.js';
import {registerFormat} from './registry.js';

// The built-in table formats, in order (the first is the default). A format not built in registers itself in
// its own module (see TableFormat.module).
registerFormat(csvFormat);

export * from './registry.js';
