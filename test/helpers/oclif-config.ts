import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {Config} from '@oclif/core';

let loaded: Promise<Config> | undefined;

/**
 * The oclif config for in-process command tests. Plugins (only @oclif/plugin-help) are left out: under
 * jest's VM modules oclif cannot load them, and the commands under test do not need them.
 */
export function testConfig(): Promise<Config> {
  if (!loaded) {
    const pjson = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'));
    pjson.oclif = {...pjson.oclif, plugins: []};
    loaded = Config.load({root: process.cwd(), pjson});
  }
  return loaded;
}
