import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Dbt from '../src/commands/dbt.js';
import Enrich from '../src/commands/enrich.js';
import Export from '../src/commands/export.js';
import Run from '../src/commands/run.js';
import {CLAY_HEADER, clayCsv, runCli, tempDir} from './helpers/cli.js';
import {testConfig} from './helpers/oclif-config.js';

/*
 * Paths shown in the terminal are relative to the working directory when below it (README; core/display-path.ts):
 * the errors on a bad --input or --data-dir, and what export and dbt say they wrote (and their --json "output"),
 * as run shows its outputs.
 */

const CONFIG = join(process.cwd(), 'config');
const row = (name: string) => [
  '',
  name,
  'A clinic',
  'Hospitals',
  '11-50',
  'Privately Held',
  'Austin, TX',
  'United States',
  `${name.toLowerCase()}.com`,
  '',
];

describe('paths in messages are relative to the working directory', () => {
  let t: ReturnType<typeof tempDir>;
  const cwd = process.cwd();
  beforeAll(async () => {
    // (oclif's config is read from the package, before leaving its folder.)
    await testConfig();
    t = tempDir();
    process.chdir(t.dir);
  });
  afterAll(() => {
    process.chdir(cwd);
    t.cleanup();
  });

  it('bad --input and --data-dir: the error names them as given, with no absolute path', async () => {
    mkdirSync('in');
    writeFileSync('in/header.csv', 'a,b\n1,2\n');
    writeFileSync('in/semicolons.csv', clayCsv(CLAY_HEADER, [row('Acme')]).replaceAll('","', '";"'));
    writeFileSync(
      'in/latin1.csv',
      Buffer.concat([
        Buffer.from(clayCsv(CLAY_HEADER, [row('Acme')])),
        Buffer.from(clayCsv(CLAY_HEADER.slice(0, 1), [['Caf\xe9']]).split('\r\n')[1] + '\r\n', 'latin1'),
      ]),
    );
    mkdirSync('in/folder');
    writeFileSync('afile', '');
    const cases: Array<[string[], string | RegExp]> = [
      [['--input', 'in/nope.csv'], 'Error: in/nope.csv: cannot read input file (no such file)'],
      [['--input', 'in/header.csv'], /^Error: in\/header\.csv: missing required column\(s\)/],
      [['--input', 'in/semicolons.csv'], /^Error: in\/semicolons\.csv: missing required column\(s\)[^]*separates its fields with semicolons/],
      [
        ['--input', 'in/latin1.csv'],
        /^Error: in\/latin1\.csv: not UTF-8 text: line 3 [^]*iconv -f WINDOWS-1252 -t UTF-8 in\/latin1\.csv > converted\.csv$/,
      ],
      [['--input', 'in/folder'], 'Error: --input in/folder is a folder, not a file: give the path of the export (a .csv file)'],
      [['--data-dir', 'afile'], 'Error: --data-dir afile is a file, not a folder'],
    ];
    for (const [args, expected] of cases) {
      const r = await runCli(Enrich, [
        '--config-dir',
        CONFIG,
        '--provider',
        'rules',
        '--quiet',
        ...(args[0] === '--data-dir' ? [] : ['--data-dir', 'd']),
        ...args,
      ]);
      expect([args, r.exitCode]).toEqual([args, 2]);
      if (typeof expected === 'string') expect(r.stderr.trim()).toBe(expected);
      else expect(r.stderr.trim()).toMatch(expected);
      expect([args, r.stderr.includes(t.dir)]).toEqual([args, false]);
    }
  });

  it("export and dbt name what they wrote as run names its outputs (the terminal's line and --json's output)", async () => {
    const ran = await runCli(Run, ['--config-dir', CONFIG, '--provider', 'rules', '--limit', '40', '--data-dir', 'ds', '--no-report', '--json']);
    expect(ran.exitCode).toBe(0);
    expect((JSON.parse(ran.stdout) as {enrich: {output: string}}).enrich.output).toBe('ds/raw/companies.csv');
    const e = await runCli(Export, ['--config-dir', CONFIG, '--data-dir', 'ds', '--duckdb', 'out/gtm.duckdb', '--parquet', 'out/pq']);
    expect(e.exitCode).toBe(0);
    expect(e.stderr).toMatch(/^Wrote 11 Parquet files to out\/pq$/m);
    expect(e.stderr).toMatch(/^Wrote out\/gtm\.duckdb: companies \d+/m);
    const ej = await runCli(Export, ['--config-dir', CONFIG, '--data-dir', 'ds', '--duckdb', 'out/gtm.duckdb', '--parquet', 'out/pq', '--json']);
    const out = JSON.parse(ej.stdout) as {duckdb: {output: string}; parquet: {output: string}};
    expect([out.duckdb.output, out.parquet.output]).toEqual(['out/gtm.duckdb', 'out/pq']);
    const d = await runCli(Dbt, ['--config-dir', CONFIG, '--out', 'models/sources.yml']);
    expect(d.stderr).toMatch(/^Wrote models\/sources\.yml: 11 tables, \d+ tests$/m);
    const dj = await runCli(Dbt, ['--config-dir', CONFIG, '--out', 'models/sources.yml', '--json']);
    expect((JSON.parse(dj.stdout) as {output: string}).output).toBe('models/sources.yml');
    for (const r of [e, ej, d, dj]) expect(r.stdout.includes(t.dir) || r.stderr.includes(t.dir)).toBe(false);
  }, 120_000);
});
