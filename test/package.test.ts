/** What `npm pack` ships: what a user runs, its licence and docs, nothing for developers only. */
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

interface Packed {
  files: Array<{path: string; size: number}>;
}

describe('the package', () => {
  // --ignore-scripts: the list, without rebuilding dist/ (which other tests run) through `prepare`.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}});
  const packed = (JSON.parse(r.stdout) as Packed[])[0];
  const paths = packed.files.map((f) => f.path);

  it('ships the licence package.json names, the CLI, its config, sample and docs', () => {
    expect(r.status).toBe(0);
    const pjson = JSON.parse(readFileSync('package.json', 'utf8')) as {license: string};
    expect(pjson.license).toBe('MIT');
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'bin/run.js',
        'dist/commands/run.js',
        'dist/help.js',
        'dist/hooks/command-not-found.js',
        'config/openai.yml',
        'data/input/companies_clay.csv',
        'oclif.manifest.json',
        'README.md',
      ]),
    );
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n/);
  });

  it('ships nothing a user cannot run: no bin/dev.js, no dev scripts, no tests, no sources', () => {
    expect(
      paths.filter(
        (p) => p === 'bin/dev.js' || p.startsWith('dist/scripts/') || p.startsWith('src/') || p.startsWith('test/') || p.startsWith('bench/'),
      ),
    ).toEqual([]);
  });

  it('keeps the screenshot small (it is most of the tarball otherwise)', () => {
    const shot = packed.files.find((f) => f.path === 'docs/report-screenshot.png');
    // (Quantized by pngquant, see test/report-browser.test.ts: about 50 bytes per pixel row of the 1366-wide page;
    // the page grew to 5,200 rows with the retention, ARR bridge, quota and coverage tables.)
    expect(shot?.size).toBeLessThan(300_000);
  });

  it('builds without oclif asking to be updated (its environment switch is set)', () => {
    const {scripts} = JSON.parse(readFileSync('package.json', 'utf8')) as {scripts: Record<string, string>};
    expect(scripts.build).toMatch(/OCLIF_SKIP_NEW_VERSION_CHECK=true oclif manifest/);
  });
});
