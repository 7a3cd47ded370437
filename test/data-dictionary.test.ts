import {readFileSync} from 'node:fs';
import {dataDictionary} from '../src/docs/data-dictionary.js';
import {TABLES} from '../src/schemas/tables.js';

describe('docs/data-dictionary.md', () => {
  it('is what the zod schemas generate (run `npm run build && npm run docs` after changing a schema)', () => {
    expect(readFileSync('docs/data-dictionary.md', 'utf8')).toBe(dataDictionary());
  });

  it('describes every column of every table', () => {
    for (const t of TABLES) {
      for (const [name, type] of Object.entries(t.schema.shape)) {
        expect([t.file, name, (type as {description?: string}).description ?? '']).toEqual([t.file, name, expect.stringMatching(/\w{3,}/)]);
      }
    }
  });
});
