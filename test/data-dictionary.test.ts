import {readFileSync} from 'node:fs';
import {dataDictionary} from '../src/docs/data-dictionary.js';
import {openVocabulary} from '../src/core/vocabulary.js';
import {tableSchemas} from '../src/schemas/tables.js';
import {shippedConfig} from './helpers/simulation.js';

const shipped = openVocabulary(shippedConfig());

describe('docs/data-dictionary.md', () => {
  it('is what the zod schemas built from the shipped config generate (`npm run build` rewrites it)', () => {
    expect(readFileSync('docs/data-dictionary.md', 'utf8')).toBe(dataDictionary(tableSchemas(shipped)));
  });

  it('describes every column of every table', () => {
    for (const t of tableSchemas(shipped)) {
      for (const [name, type] of Object.entries(t.schema.shape)) {
        expect([t.file, name, (type as {description?: string}).description ?? '']).toEqual([t.file, name, expect.stringMatching(/\w{3,}/)]);
      }
    }
  });

  it('shows the lead sources of the config it is built from (the shipped ones in the file)', () => {
    const doc = dataDictionary(tableSchemas({...shipped, lead_sources: [...shipped.lead_sources, 'trade_shows']}));
    const leadSource = doc.split('\n').filter((l) => l.startsWith('| `lead_source` |'));
    expect(leadSource).toHaveLength(3);
    for (const line of leadSource) expect(line).toContain(`(shipped: ${[...shipped.lead_sources, 'trade_shows'].map((s) => `\`${s}\``).join(', ')})`);
  });
});
