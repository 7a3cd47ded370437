import {Console} from 'node:console';

// jest decorates console output, which breaks JSON.parse of captured --json output.
globalThis.console = new Console({stdout: process.stdout, stderr: process.stderr});

afterEach(() => {
  // error-path tests set process.exitCode; jest would then exit 1 with every test green.
  process.exitCode = undefined;
});
