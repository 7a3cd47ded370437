/**
 * Paid calls never come by surprise: above confirm_above_usd (openai.yml) a terminal is asked before the first
 * OpenAI call, and a run nobody can answer stops (exit 2) unless --max-cost or --yes is given. Against the mock
 * server; the terminal is a pseudo-terminal made by `script` (util-linux).
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Enrich from '../src/commands/enrich.js';
import {CLAY_HEADER, clayCsv, runCli} from './helpers/cli.js';
import {clayRows, useMockOpenAi} from './helpers/mock-openai.js';
import {describeIfAvailable} from './helpers/requirements.js';

const ROOT = process.cwd();
const KEY = 'sk-test-paid-calls-3c4d5e6f7a8b';

const {mock, dir: testDir} = useMockOpenAi({apiKey: KEY, tempPrefix: 'stedi-gtm-paid-'});

/** A copy of config/ whose openai.yml says confirm_above_usd: `usd`. */
function configWithThreshold(usd: number): string {
  const dir = join(testDir(), 'config');
  mkdirSync(dir, {recursive: true});
  for (const name of readdirSync(join(ROOT, 'config'))) {
    const text = readFileSync(join(ROOT, 'config', name), 'utf8');
    writeFileSync(join(dir, name), name === 'openai.yml' ? text.replace(/^confirm_above_usd: .*$/m, `confirm_above_usd: ${usd}`) : text);
  }
  return dir;
}

function input(n: number): string {
  const file = join(testDir(), 'in.csv');
  writeFileSync(file, clayCsv(CLAY_HEADER, clayRows(n, 'Paidco')));
  return file;
}

const data = () => join(testDir(), 'data');
/** enrich with --provider auto (OPENAI_API_KEY is set), as the quick start runs it. */
const enrich = (config: string, ...argv: string[]) =>
  runCli(Enrich, ['--input', input(4), '--config-dir', config, '--data-dir', data(), '--retry-base-ms', '2', ...argv]);

describe('paid calls (not a terminal)', () => {
  it('below confirm_above_usd (the shipped $5): goes ahead and prints the estimate', async () => {
    const r = await enrich(join(ROOT, 'config'));
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/Provider: openai \(auto: OPENAI_API_KEY is set\)/);
    expect(r.stderr).toMatch(/4 OpenAI calls needed for 4 companies \(0 cached\), estimated cost \$0\.\d\d\n/);
    expect(mock.requests).toHaveLength(4);
  });

  it('above it: exit 2 before any call, saying to pass --max-cost or --yes; nothing is written', async () => {
    const r = await enrich(configWithThreshold(0.01));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /4 OpenAI calls needed .*estimated cost \$0\.\d\d, above confirm_above_usd \(\$0\.01, in openai\.yml\)\. Pass --max-cost <USD> to cap the spend or --yes to go ahead/,
    );
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(join(data(), 'raw', 'companies.csv'))).toBe(false);
    const json = await enrich(configWithThreshold(0.01), '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({exit: 2, message: expect.stringContaining('--yes')});
  });

  it.each([['--yes'], ['-y'], ['--max-cost', '1']])('above it with %s: goes ahead', async (...flags) => {
    const r = await enrich(configWithThreshold(0.01), ...flags);
    expect(r.exitCode).toBe(0);
    expect(mock.requests).toHaveLength(4);
  });

  it('nothing to ask when every answer is cached', async () => {
    expect((await enrich(configWithThreshold(0.01), '--yes')).exitCode).toBe(0);
    const again = await enrich(configWithThreshold(0.01));
    expect(again.exitCode).toBe(0);
    expect(mock.requests).toHaveLength(4);
  });
});

const hasScript = spawnSync('script', ['--version'], {encoding: 'utf8'}).status === 0;

describeIfAvailable(
  hasScript ? undefined : 'no `script` (util-linux) to make a pseudo-terminal: apt-get install util-linux',
  'the pseudo-terminal tests of the paid-calls question',
)('paid calls (a terminal, built CLI)', () => {
  /** Runs enrich under a pseudo-terminal, answers the question with `answer` once it is asked; the exit code and the screen. */
  function onTerminal(answer: string): Promise<{code: number | null; screen: string}> {
    const cmd = [
      process.execPath,
      join(ROOT, 'bin', 'run.js'),
      'enrich',
      '--input',
      input(4),
      '--config-dir',
      configWithThreshold(0.01),
      '--data-dir',
      data(),
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {env: {...process.env, NODE_OPTIONS: '', NODE_ENV: '', CI: ''}});
    let screen = '';
    let asked = false;
    child.stdout.on('data', (d) => {
      screen += String(d);
      if (!asked && screen.includes('Make these calls? [y/N]')) {
        asked = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({code, screen})));
  }

  it('asks before the first call; "n" stops with exit 2 and no call', async () => {
    const r = await onTerminal('n');
    expect(r.screen).toMatch(/4 OpenAI calls needed for 4 companies \(0 cached\), estimated cost \$0\.\d\d, above confirm_above_usd/);
    expect(r.screen).toContain('Stopped before the first OpenAI call');
    expect(r.code).toBe(2);
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(join(data(), 'raw', 'companies.csv'))).toBe(false);
  });

  it('"y" makes the calls', async () => {
    const r = await onTerminal('y');
    expect(r.code).toBe(0);
    expect(mock.requests).toHaveLength(4);
    expect(existsSync(join(data(), 'raw', 'companies.csv'))).toBe(true);
  });
});
