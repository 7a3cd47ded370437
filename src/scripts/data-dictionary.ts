// Writes docs/data-dictionary.md from the zod table schemas as built from the shipped config (a step of `npm run
// build`), or prints it.
import {writeFileSync} from 'node:fs';
import {dataDictionary} from '../docs/data-dictionary.js';
import {tableSchemas} from '../schemas/tables.js';
import {shippedVocabulary} from './precompile-tables.js';

const text = dataDictionary(tableSchemas(await shippedVocabulary()));
if (process.argv.includes('--write')) {
  writeFileSync('docs/data-dictionary.md', text);
  process.stdout.write('wrote docs/data-dictionary.md\n');
} else {
  process.stdout.write(text);
}
