import {spawnSync} from 'node:child_process';
import {cpSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {filesUnder, tempDir} from './helpers/cli.js';

const BIN = join(process.cwd(), 'bin', 'run.js');

describe('the same command line in two different folders', () => {
  it('writes the same bytes in every file: tables, summaries and the report (built CLI)', () => {
    const roots = [tempDir('stedi-a-'), tempDir('stedi-bb-')];
    try {
      for (const r of roots) {
        cpSync(join(process.cwd(), 'config'), join(r.dir, 'config'), {recursive: true});
        cpSync(join(process.cwd(), 'data', 'input', 'companies_clay.csv'), join(r.dir, 'clay.csv'));
        const run = spawnSync(
          process.execPath,
          [BIN, 'run', '--input', 'clay.csv', '--config-dir', 'config', '--data-dir', 'out', '--provider', 'rules', '--quiet'],
          {cwd: r.dir, encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}},
        );
        expect([run.status, run.stderr]).toEqual([0, '']);
      }
      const [a, b] = roots.map((r) => join(r.dir, 'out'));
      // (.stedi-gtm/ is the folder's own state, not the dataset: its cache of file facts holds inodes and times.)
      const files = filesUnder(a).filter((f) => !f.startsWith('.stedi-gtm/'));
      expect(files).toEqual(filesUnder(b).filter((f) => !f.startsWith('.stedi-gtm/')));
      expect(files).toEqual(
        expect.arrayContaining([
          'final/report.html',
          'interim/enrich_summary.json',
          'interim/deals_summary.json',
          'raw/companies.csv',
          'manifest.json',
        ]),
      );
      for (const f of files) expect([f, readFileSync(join(b, f)).equals(readFileSync(join(a, f)))]).toEqual([f, true]);
      // The paths in them are as given.
      expect(JSON.parse(readFileSync(join(a, 'interim', 'enrich_summary.json'), 'utf8'))).toMatchObject({
        input_file: 'clay.csv',
        output: join('out', 'raw', 'companies.csv'),
      });
    } finally {
      for (const r of roots) r.cleanup();
    }
  });
});
