/** Every flag of every command explains itself with an example (the README's promise, and `--help`'s). */
import Billing from '../src/commands/billing.js';
import Deals from '../src/commands/deals.js';
import Enrich from '../src/commands/enrich.js';
import Report from '../src/commands/report.js';
import Run from '../src/commands/run.js';
import Unify from '../src/commands/unify.js';
import {spawnSync} from 'node:child_process';

const COMMANDS = {billing: Billing, deals: Deals, enrich: Enrich, report: Report, run: Run, unify: Unify};

describe('flags', () => {
  it.each(Object.entries(COMMANDS))('%s: every flag, --json included, has a description with an example', (_name, Cmd) => {
    const flags = {...(Cmd as unknown as {baseFlags: Record<string, {description?: string}>}).baseFlags, ...Cmd.flags} as Record<string, {description?: string}>;
    expect(Object.keys(flags)).toContain('json');
    const without = Object.entries(flags).filter(([, f]) => !/Example: -/.test(f.description ?? '')).map(([k]) => k);
    expect(without).toEqual([]);
  });

  it('--help shows them (built CLI)', () => {
    const r = spawnSync(process.execPath, ['bin/run.js', 'run', '--help'], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}});
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--json\s+Print one JSON object/);
    expect(r.stdout).toMatch(/--from=<option>\s+\[default: enrich\] Start at this stage/);
  });
});
