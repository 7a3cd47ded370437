import {Console} from 'node:console';
import {readFileSync} from 'node:fs';
import {assertBuilt, runsBuiltCli} from './helpers/built.js';

// jest decorates console output, which breaks JSON.parse of captured --json output.
globalThis.console = new Console({stdout: process.stdout, stderr: process.stderr});

// Each test file loads its own copy of @oclif/core (jest's module registry is per file), and each copy adds an
// 'error' listener to the one process.stdout the files share: after ten files Node warns of a listener leak
// (MaxListenersExceededWarning). The listeners a file added go with it.
const stdoutErrorListeners = new Set(process.stdout.listeners('error'));
afterAll(() => {
  for (const l of process.stdout.listeners('error')) if (!stdoutErrorListeners.has(l)) process.stdout.off('error', l as (...a: unknown[]) => void);
});

afterEach(() => {
  // error-path tests set process.exitCode; jest would then exit 1 with every test green.
  process.exitCode = undefined;
});

// A test file that runs the built CLI fails at once, saying to build, when dist/ is older than src/ (see helpers/built.ts).
const testFile = expect.getState().testPath;
if (testFile && runsBuiltCli(readFileSync(testFile, 'utf8'))) beforeAll(assertBuilt);
