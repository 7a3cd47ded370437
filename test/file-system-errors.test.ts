import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Enrich from '../src/commands/enrich.js';
import Run from '../src/commands/run.js';
import {FatalError, fileSystemError, UserError} from '../src/errors.js';
import {runBuilt, runCli, tempDir} from './helpers/cli.js';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');

/** A Node file-system error as fs throws it. */
const fsError = (code: string, syscall: string, path: string, dest?: string) =>
  Object.assign(new Error(`${code}: ${syscall} '${path}'`), {code, syscall, path, ...(dest ? {dest} : {})});

describe('file-system errors', () => {
  it('words the ones a user can fix, with the path: exit 2, or 1 for a full disk; others are left alone', () => {
    const cases: Array<[Error, string, number]> = [
      [fsError('ENOTDIR', 'mkdir', '/d/interim'), '/d/interim: cannot create the folder: a part of the path is a file, not a folder', 2],
      [fsError('EEXIST', 'mkdir', '/d/raw'), '/d/raw: cannot create the folder: a file of that name is in the way', 2],
      [fsError('EACCES', 'open', '/d/raw/.companies.csv.tmp'), '/d/raw/.companies.csv.tmp: cannot open: permission denied', 2],
      [fsError('EROFS', 'rename', '/d/a.tmp', '/d/a.csv'), '/d/a.tmp -> /d/a.csv: cannot rename into place: read-only file system', 2],
      [fsError('ENOSPC', 'write', '/d/raw/x.csv'), '/d/raw/x.csv: cannot write: no space left on the device', 1],
    ];
    for (const [e, message, exit] of cases) {
      const got = fileSystemError(e);
      expect([got?.message, got?.exitCode]).toEqual([message, exit]);
      expect(got).toBeInstanceOf(exit === 2 ? UserError : FatalError);
    }
    // Not the user's to fix, or no path to name: as they are.
    for (const e of [
      fsError('ENOENT', 'open', '/x'),
      fsError('EEXIST', 'open', '/x'),
      Object.assign(new Error('EACCES'), {code: 'EACCES'}),
      new Error('boom'),
      undefined,
    ]) {
      expect(fileSystemError(e)).toBeUndefined();
    }
  });

  it('a --data-dir that is a file, or has a file where a folder goes: exit 2 with the path, before any work', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'a-file');
      writeFileSync(file, '');
      const base = ['--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--quiet'];
      let r = await runCli(Enrich, [...base, '--data-dir', file]);
      expect([r.exitCode, r.stderr.trim()]).toEqual([2, `Error: --data-dir ${file} is a file, not a folder`]);
      r = await runCli(Enrich, [...base, '--data-dir', join(file, 'sub')]);
      // (The first folder made is the data folder's own state folder, for its lock.)
      expect([r.exitCode, r.stderr.trim()]).toEqual([
        2,
        `Error: ${join(file, 'sub', '.stedi-gtm')}: cannot create the folder: a part of the path is a file, not a folder`,
      ]);
      const dir = join(t.dir, 'data');
      mkdirSync(dir);
      writeFileSync(join(dir, 'raw'), '');
      r = await runCli(Run, [...base, '--data-dir', dir, '--no-report', '--json']);
      expect([r.exitCode, JSON.parse(r.stdout)]).toEqual([
        2,
        {error: {message: `${join(dir, 'raw')}: cannot create the folder: a file of that name is in the way`, exit: 2}},
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('with worker threads, the process exits (exit 2) when the first pass fails on its folders, and its workers are stopped (built CLI)', () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'interim'), '');
      const r = runBuilt(
        ['bin/run.js', 'run', '--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--data-dir', t.dir, '--quiet'],
        {STEDI_GTM_WORKERS: '2'},
        60_000,
      );
      expect([r.status, r.signal, r.stderr.trim()]).toEqual([
        2,
        null,
        `Error: ${join(t.dir, 'interim')}: cannot create the folder: a file of that name is in the way`,
      ]);
    } finally {
      t.cleanup();
    }
  });
});
