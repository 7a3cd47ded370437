// Writes docs/data-dictionary.md from the zod table schemas (`npm run docs`), or prints it.
import {writeFileSync} from 'node:fs';
import {dataDictionary} from '../docs/data-dictionary.js';

if (process.argv.includes('--write')) {
  writeFileSync('docs/data-dictionary.md', dataDictionary());
  process.stdout.write('wrote docs/data-dictionary.md\n');
} else {
  process.stdout.write(dataDictionary());
}
