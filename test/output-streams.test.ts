import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {assertBuilt} from './helpers/built.js';

// stdout and stderr are watched once per process, whatever number of copies of the module it loaded (jest gives each
// test file its own): one 'error' listener each, not one per copy (eleven copies made Node print a
// MaxListenersExceededWarning into a command's stderr).
describe('watchOutputStreams', () => {
  it('adds one error listener to stderr and one exit listener, from any number of copies of the module', () => {
    assertBuilt();
    const url = pathToFileURL(join(process.cwd(), 'dist', 'io', 'streams.js')).href;
    const script = `
      const before = [process.stderr.listenerCount('error'), process.stdout.listenerCount('error'), process.listenerCount('exit')];
      for (let i = 0; i < 12; i++) (await import(${JSON.stringify(url)} + '?copy=' + i)).watchOutputStreams();
      const after = [process.stderr.listenerCount('error'), process.stdout.listenerCount('error'), process.listenerCount('exit')];
      console.log(JSON.stringify(after.map((n, k) => n - before[k])));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'});
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toEqual([1, 1, 1]);
  });
});
