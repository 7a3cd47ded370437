// zod as this tool uses it: every module that uses zod at run time imports it from here, so that its settings
// hold whichever of them loads it first (zod itself is loaded only where it is used: the commands' start needs
// none of it, see io/config.ts and io/table-codec.ts).
import {z} from 'zod';

// Each config file and summary is validated once per run: zod's compiled (JIT) parsers cost more to build than
// they save.
z.config({jitless: true});

export {z};
