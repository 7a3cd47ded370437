// Writes docs/data-dictionary.md from the zod table schemas as built from the shipped config (a step of `npm run
// build`), or prints it.
import {writeGenerated} from './write-generated.js';
import {dataDictionary} from '../docs/data-dictionary.js';
import {tableSchemas} from '../schemas/tables.js';
import {shippedVocabulary} from './precompile-tables.js';

const text = dataDictionary(tableSchemas(await shippedVocabulary()));
if (process.argv.includes('--write')) {
  writeGenerated('docs/data-dictionary.md', text);
} else {
  process.stdout.write(text);
}
