import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {leftovers} from '../src/io/interrupt.js';
import {hiddenFiles, tempDir} from './helpers/cli.js';

const CONFIG = join(process.cwd(), 'config');
const FOLDERS = ['raw', 'interim', 'final'];
const TABLES = ['raw/companies.csv', 'raw/deals.csv', 'final/unified.csv'];

/** Resolves `seen` when a file whose name passes `test` is created in `dir` (watched, not polled). */
function appears(dir: string, test: (name: string) => boolean): {seen: Promise<void>; close: () => void} {
  let close = () => {};
  const seen = new Promise<void>((resolve) => {
    const watcher = watch(dir, (_event, name) => {
      if (name && test(name)) resolve();
    });
    close = () => watcher.close();
    if (readdirSync(dir).some(test)) resolve();
  });
  return {seen, close};
}

describe('interrupted runs', () => {
  it('leftovers are the hidden temporary files of this process and the .part files, nothing else', () => {
    const t = tempDir();
    try {
      const pid = 4242;
      const mine = [`.companies.csv.${pid}.0.tmp`, `.rejects.csv.part.${pid}.3.tmp`, `.report.html.${pid}.tmp`, '.rejects.csv.part'];
      const others = [
        `.companies.csv.${pid + 1}.0.tmp`,
        `.companies.csv.1${pid}.0.tmp`,
        'companies.csv',
        `companies.csv.${pid}.0.tmp`,
        '.keep',
        `.x.${pid}.tmp.bak`,
      ];
      for (const n of [...mine, ...others]) writeFileSync(join(t.dir, n), '');
      expect(leftovers(t.dir, pid).sort()).toEqual(mine.map((n) => join(t.dir, n)).sort());
      expect(leftovers(join(t.dir, 'missing'), pid)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s while the tables are being written: exit %i, no temporary file left, the tables in place untouched (built CLI, worker threads)',
    async (signal, code) => {
      const t = tempDir();
      try {
        const input = join(t.dir, 'clay.csv');
        const synth = spawnSync(process.execPath, ['bench/synth.mjs', '--rows', '80000', '--out', input], {encoding: 'utf8'});
        expect(synth.status).toBe(0);
        const data = join(t.dir, 'data');
        for (const f of FOLDERS) mkdirSync(join(data, f), {recursive: true});
        for (const table of TABLES) writeFileSync(join(data, table), `the ${table} of an earlier run\n`);
        // As soon as a table's temporary file appears (the second pass has started), interrupt.
        const writing = appears(join(data, 'raw'), (n) => n.endsWith('.tmp'));
        const child = spawn(
          process.execPath,
          ['bin/run.js', 'run', '--input', input, '--config-dir', CONFIG, '--provider', 'rules', '--data-dir', data, '--quiet'],
          {env: {...process.env, NODE_OPTIONS: ''}},
        );
        const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
        const first = await Promise.race([writing.seen.then(() => 'writing'), exited.then(() => 'exited')]);
        writing.close();
        expect(first).toBe('writing');
        child.kill(signal);
        expect(await exited).toBe(code);
        expect(hiddenFiles(data, FOLDERS)).toEqual([]);
        for (const table of TABLES) expect(readFileSync(join(data, table), 'utf8')).toBe(`the ${table} of an earlier run\n`);
        expect(existsSync(join(data, 'final', 'report.html'))).toBe(false);
      } finally {
        t.cleanup();
      }
    },
  );
});
