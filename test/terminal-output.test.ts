/**
 * What a person sees in a terminal 72 columns wide (a pseudo-terminal made by `script`, util-linux): lines
 * wrapped to its width at spaces, messages in the order things happen, one number format, relative paths,
 * and no word about the sample input from a stage that does not read it.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {count, formatUsd} from '../src/core/format.js';
import {tempDir} from './helpers/cli.js';
import {describeIfAvailable} from './helpers/requirements.js';

const ROOT = process.cwd();
const hasScript = spawnSync('script', ['--version'], {encoding: 'utf8'}).status === 0;

/** Runs the built CLI in `cwd` under a pseudo-terminal `cols` wide; what the terminal shows, as lines. */
function onTerminal(cwd: string, cols: number, args: string[]): {status: number | null; lines: string[]} {
  const cmd = `stty cols ${cols} rows 50; ${[process.execPath, join(ROOT, 'bin', 'run.js'), ...args].map((a) => `'${a}'`).join(' ')}`;
  // CI=true: plain progress lines instead of a spinner (the same messages, easier to read back).
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: {...process.env, NODE_OPTIONS: '', NODE_ENV: '', CI: 'true', OPENAI_API_KEY: ''},
  });
  const text = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r\n/g, '\n');
  return {status: r.status, lines: text.split('\n').filter((l) => l !== '')};
}

describeIfAvailable(
  hasScript ? undefined : 'no `script` (util-linux) to make a pseudo-terminal: apt-get install util-linux',
  'the terminal output tests',
)('terminal output (built CLI)', () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => (t = tempDir('stedi-gtm-tty-')));
  afterAll(() => t.cleanup());

  it('run: wrapped to the width, in the order things happen, one number format, relative paths', () => {
    const r = onTerminal(t.dir, 72, ['run', '--seed', '42', '--provider', 'rules']);
    expect(r.status).toBe(0);
    const long = r.lines.filter((l) => l.length > 72);
    expect(long).toEqual([]);
    const at = (re: RegExp) => r.lines.findIndex((l) => re.test(l));
    // The shipped sample is announced (the working directory has none), and read.
    expect(r.lines.join(' ').replace(/\s+/g, ' ')).toContain('using the sample input shipped with stedi-gtm');
    // The figures the lines must carry, from the run's own summaries (whatever the sample holds).
    const summary = (name: string) => JSON.parse(readFileSync(join(t.dir, 'data', 'interim', `${name}_summary.json`), 'utf8'));
    const enrich = summary('enrich');
    const deals = summary('deals');
    const unifiedRows = readFileSync(join(t.dir, 'data', 'final', 'unified.csv'), 'utf8')
      .split('\n')
      .filter((l) => /^co_/.test(l)).length;
    const order = [
      // Every row accounted for on the line: companies + rows merged into them + rejected = rows.
      new RegExp(
        `^Scanned ${count(enrich.input_rows)} rows: ${count(enrich.companies_written)} companies \\(${count(enrich.merged_rows)} more rows merged into them`,
      ),
      new RegExp(`^Enriched ${count(enrich.companies_written)} companies with rules`),
      new RegExp(`^Simulated ${count(enrich.companies_written)} companies`),
      /^Wrote \d+ contracts/,
      new RegExp(`^Wrote ${count(unifiedRows)} unified rows`),
      /^Wrote data\/final\/report\.html \(\d+ charts\)/,
    ];
    expect(enrich.companies_written + enrich.merged_rows + enrich.rejected_rows).toBe(enrich.input_rows);
    const positions = order.map(at);
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Money in one style in the stage lines and the table; no ungrouped thousands, no word cut in two.
    const text = r.lines.join('\n');
    const flat = text.replace(/\s+/g, ' ');
    const open = formatUsd(deals.open_pipeline_arr);
    expect(flat).toContain(`open pipeline ${open} (weighted ${formatUsd(deals.weighted_pipeline_arr)})`);
    expect(text).toMatch(new RegExp(`Open pipeline {2}\\${open.replace('.', '\\.')}`));
    expect(flat).not.toMatch(/\$\d{1,3},\d{3}/);
    expect(flat).not.toMatch(/\b1 (rows|companies|deals|contracts|invoices)\b/);
    expect(text).not.toMatch(/build_in_h\n/);
    // A wrapped summary line continues under its value column.
    const loss = at(/^ {2}loss reasons {6}/);
    expect(r.lines[loss + 1]).toMatch(/^ {20}\S/);
    expect(text).toMatch(/\n {2}report {5}data\/final\/report\.html/);
    // The shipped sample is named by its package path, not where the package happens to be installed.
    expect(JSON.parse(readFileSync(join(t.dir, 'data', 'interim', 'enrich_summary.json'), 'utf8')).input_file).toBe(
      '<package>/data/input/companies_clay.csv',
    );
    const page = readFileSync(join(t.dir, 'data', 'final', 'report.html'), 'utf8');
    expect(page).toContain('&lt;package&gt;/data/input/companies_clay.csv');
    expect(page).not.toContain(ROOT);
  });

  it('a mistyped command: the terminal is asked "Did you mean enrich?", and yes runs it', async () => {
    const data = join(t.dir, 'typo');
    const cmd = [process.execPath, join(ROOT, 'bin', 'run.js'), 'enrch', '--provider', 'rules', '--limit', '5', '--quiet', '--data-dir', data]
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {cwd: t.dir, env: {...process.env, NODE_OPTIONS: '', NODE_ENV: ''}});
    let screen = '';
    let answered = false;
    child.stdout.on('data', (d) => {
      screen += String(d);
      if (!answered && /Did you mean .*enrich/.test(screen)) {
        answered = true;
        child.stdin.write('y\r');
      }
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(screen).toMatch(/enrch.* is not a stedi-gtm command/);
    expect(code).toBe(0);
    expect(existsSync(join(data, 'raw', 'companies.csv'))).toBe(true);
  });

  it('deals does not announce the sample input it does not read; a hint repeats --data-dir', () => {
    const r = onTerminal(t.dir, 72, ['deals', '--data-dir', 'elsewhere']);
    expect(r.status).toBe(2);
    expect(r.lines.join('\n')).not.toMatch(/sample input/);
    expect(r.lines.join(' ')).toMatch(/elsewhere\/raw\/companies\.csv not found: run\s+`stedi-gtm enrich\s+--data-dir elsewhere` first/);
  });
});
