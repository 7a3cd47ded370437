/** Help as a user reads it: flags grouped and described without boilerplate, wrapped by oclif, with examples. */
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Enrich from '../src/commands/enrich.js';
import Report from '../src/commands/report.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {runBuilt, tempDir} from './helpers/cli.js';

const COMMANDS = {billing: Billing, deals: Deals, enrich: Enrich, report: Report, run: Run, unify: Unify};
type FlagDef = {description?: string; helpGroup?: string; hidden?: boolean};
const flagsOf = (Cmd: unknown) => ({...(Cmd as {baseFlags: Record<string, FlagDef>}).baseFlags, ...(Cmd as {flags: Record<string, FlagDef>}).flags});
/**
 * The built CLI at a width of 120 columns, as a user runs it (jest's NODE_ENV=test would make oclif warn about
 * commands whose flags failed to parse).
 */
const help = (...args: string[]) => runBuilt(['bin/run.js', ...args], {OCLIF_COLUMNS: '120', NODE_ENV: ''});

describe('flags', () => {
  it.each(Object.entries(COMMANDS))('%s: every flag, --json included, has a description, and none carries an "Example:"', (_name, Cmd) => {
    const flags = flagsOf(Cmd);
    expect(Object.keys(flags)).toContain('json');
    expect(
      Object.entries(flags)
        .filter(([, f]) => !f.description?.trim())
        .map(([k]) => k),
    ).toEqual([]);
    expect(
      Object.entries(flags)
        .filter(([, f]) => /Example:/.test(f.description ?? ''))
        .map(([k]) => k),
    ).toEqual([]);
  });

  it('the OpenAI flags are a group of their own', () => {
    const groups = Object.entries(flagsOf(Run)).filter(([, f]) => !f.hidden);
    const openai = groups.filter(([, f]) => f.helpGroup === 'OPENAI').map(([k]) => k);
    expect(openai).toEqual(expect.arrayContaining(['model', 'api', 'concurrency', 'rpm', 'tpm', 'max-cost', 'max-requests', 'dry-run']));
    expect(openai).not.toContain('seed');
  });
});

describe('--help (built CLI)', () => {
  it.each(Object.keys(COMMANDS))('%s: a short usage line, text wrapped by oclif (no line of one word), no "Example:"', (name) => {
    const r = help(name, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`$ stedi-gtm ${name} [FLAGS]\n`);
    expect(r.stdout).not.toContain('Example:');
    const lonely = r.stdout.split('\n').filter((l) => /^\s+\S+$/.test(l) && !/^\s+(\$|<options|[A-Z]+$)/.test(l));
    expect(lonely).toEqual([]);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('run --help groups its flags and stays short', () => {
    const r = help('run', '--help');
    expect(r.stdout).toMatch(/\nOPENAI FLAGS\n[\s\S]*--max-cost=<value>/);
    expect(r.stdout).toMatch(/--\[no-\]report\s+Write <data-dir>\/final\/report.html/);
    expect(r.stdout).toMatch(/--from=<option>\s+\[default: enrich\] Start at this stage/);
    expect(r.stdout.split('\n').length).toBeLessThan(100);
  });

  it("README names --help's flag groups as --help does, and the outputs of run and billing are in their help", () => {
    const readme = readFileSync('README.md', 'utf8');
    const groups = new Set(
      ['merge', ...Object.keys(COMMANDS)].flatMap((c) => [...help(c, '--help').stdout.matchAll(/^([A-Z]+ )?FLAGS$/gm)].map((m) => m[0])),
    );
    expect([...groups].sort()).toEqual(['ENRICHMENT FLAGS', 'FLAGS', 'GLOBAL FLAGS', 'OPENAI FLAGS', 'SIMULATION FLAGS']);
    const commands = readme.slice(readme.indexOf('## Commands'), readme.indexOf('### Global flags'));
    for (const g of groups) expect([g, commands.includes(g)]).toEqual([g, true]);
    // Every file a stage writes, in its one-line summary (the commands' list) or its description.
    const oneLine = help('--help').stdout.replace(/\s+/g, ' ');
    expect(oneLine).toContain('raw/deals.csv -> raw/billing.csv, raw/invoices.csv, final/arr_movements.csv');
    expect(oneLine).toMatch(/run Run the whole pipeline: enrich, deals, billing, unify, then the report\./);
    expect(help('run', '--help').stdout.replace(/\s+/g, ' ')).toContain('<data-dir>/final/report.html');
  });

  it('-h, --help and help print the top-level help, with examples of the common tasks', () => {
    for (const args of [['-h'], ['--help'], ['help']]) {
      const r = help(...args);
      expect([args, r.status]).toEqual([args, 0]);
      expect(r.stdout).toMatch(/\nCOMMANDS\n[\s\S]*\n {2}run {2,}Run the whole pipeline/);
      expect(r.stdout).toMatch(/\nEXAMPLES\n[\s\S]*\$ stedi-gtm run --seed 42 --provider rules\n/);
      expect(r.stdout).toContain('$ stedi-gtm autocomplete');
    }
  });

  it('-v, --version and version print the version', () => {
    const {version} = JSON.parse(readFileSync('package.json', 'utf8')) as {version: string};
    for (const args of [['-v'], ['--version'], ['version']]) {
      const r = help(...args);
      expect([args, r.status, r.stdout]).toEqual([args, 0, expect.stringContaining(`stedi-gtm/${version} `)]);
    }
  });

  it('a mistyped command or flag gets the closest one suggested; parse errors are one clean line, in --json too', () => {
    const cmd = help('enrch');
    expect([cmd.status, cmd.stderr]).toEqual([127, 'Error: enrch is not a stedi-gtm command. Did you mean enrich?\nSee: stedi-gtm --help\n']);
    for (const typo of [
      ['enrch', '--help'],
      ['help', 'enrch'],
    ]) {
      const h = help(...typo);
      expect([typo, h.status, h.stderr]).toEqual([
        typo,
        127,
        'Error: enrch is not a stedi-gtm command. Did you mean enrich?\nSee: stedi-gtm --help\n',
      ]);
    }
    const args = help('enrich', 'extra');
    expect([args.status, args.stderr]).toEqual([
      2,
      'Error: stedi-gtm enrich takes no arguments, only flags (got "extra")\nSee: stedi-gtm enrich --help\n',
    ]);
    const flag = help('deals', '--sed', '7');
    expect([flag.status, flag.stderr]).toEqual([2, 'Error: Nonexistent flag: --sed. Did you mean --seed?\nSee: stedi-gtm deals --help\n']);
    const json = help('enrich', '--limit', 'x', '--json');
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({error: {message: 'Parsing --limit: Expected an integer but received: x', exit: 2}});
  });

  it('a missing argument is named as the usage names it, with its description, in one line', () => {
    const t = tempDir();
    try {
      const r = help('merge', '--data-dir', join(t.dir, 'all'));
      expect(help('merge', '--help').stdout).toContain('$ stedi-gtm merge SHARDS... --data-dir DIR [FLAGS]');
      expect([r.status, r.stderr]).toEqual([
        2,
        'Error: Missing SHARDS: the N shard folders (each the --data-dir of a `run --shard K/N`), in any order\nSee: stedi-gtm merge --help\n',
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('completion: autocomplete sets up bash completion of the commands and their flags', () => {
    const t = tempDir();
    try {
      const r = runBuilt(['bin/run.js', 'autocomplete', 'bash'], {XDG_CACHE_HOME: t.dir, NODE_ENV: ''});
      expect(r.status).toBe(0);
      const functions = readFileSync(join(t.dir, 'stedi-gtm', 'autocomplete', 'functions', 'bash', 'stedi-gtm.bash'), 'utf8');
      expect(functions).toMatch(/\benrich\b/);
      expect(functions).toMatch(/--seed/);
      expect(functions).toMatch(/--max-cost/);
    } finally {
      t.cleanup();
    }
  });
});

describe('--format: the help, the errors and the hints agree (built CLI)', () => {
  /** The `--format` values a command's --help lists (its helpValue, e.g. csv|parquet). */
  const listed = (cmd: string) =>
    help(cmd, '--help')
      .stdout.match(/--format=(\S+)/)![1]
      .split('|');
  /** Every `stedi-gtm <cmd> ... --format X` a message suggests, as [cmd, X]. */
  const suggested = (message: string) => [...message.matchAll(/`stedi-gtm (\w+)[^`]*--format (\S+?)[ `]/g)].map((m) => [m[1], m[2]]);

  it('report reads one format: csv|parquet in its help and its errors; the writing stages take csv, parquet or csv,parquet', () => {
    const t = tempDir();
    try {
      expect(listed('report')).toEqual(['csv', 'parquet']);
      for (const cmd of ['enrich', 'deals', 'billing', 'unify', 'run']) expect([cmd, listed(cmd)]).toEqual([cmd, ['csv', 'parquet', 'csv,parquet']]);
      const err = (cmd: string, value: string) => {
        const r = help(cmd, '--format', value, '--data-dir', t.dir);
        return [r.status, r.stderr.split('\n')[0]];
      };
      expect(err('report', 'xml')).toEqual([2, 'Error: --format xml: "xml" is not a table format; give csv or parquet']);
      expect(err('report', 'csv,parquet')).toEqual([
        2,
        'Error: --format csv,parquet: report reads the tables in one format; give csv or parquet (a folder that holds both is read in either)',
      ]);
      expect(err('deals', 'xml')).toEqual([2, 'Error: --format xml: "xml" is not a table format; give csv, parquet or csv,parquet']);
    } finally {
      t.cleanup();
    }
  });

  it('a hint repeats the format as the command it names takes it (csv,parquet in the order of --help, whatever the order given)', () => {
    const t = tempDir();
    try {
      const hints: string[] = [];
      for (const [cmd, value] of [
        ['deals', 'parquet,csv'],
        ['deals', 'csv,parquet'],
        ['unify', 'parquet,csv'],
        ['report', 'parquet'],
      ]) {
        const r = help(cmd, '--format', value, '--data-dir', t.dir);
        expect([cmd, value, r.status]).toEqual([cmd, value, 2]);
        hints.push(r.stderr);
      }
      const all = hints.flatMap(suggested);
      expect(all).toEqual(
        expect.arrayContaining([
          ['enrich', 'csv,parquet'],
          ['report', 'parquet'],
        ]),
      );
      for (const [cmd, value] of all) expect([cmd, listed(cmd)]).toEqual([cmd, expect.arrayContaining([value])]);
    } finally {
      t.cleanup();
    }
  });
});
