import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {loadYamlConfig} from '../src/io/config.js';
import {PRECOMPILED_CONFIGS} from '../src/generated/configs.js';
import {sha256} from '../src/core/hash.js';
import {configsModule} from '../src/scripts/precompile-config.js';
import {CONFIG_FILES, CONFIG_SCHEMAS} from '../src/schemas/config-files.js';
import {UserError} from '../src/errors.js';
import {tempDir} from './helpers/cli.js';

const shipped = readFileSync(join('config', 'icp_rules.yml'), 'utf8');
const icpRules = CONFIG_SCHEMAS['icp_rules.yml'];
const previousCustomers = CONFIG_SCHEMAS['previous_customers.yml'];

async function loadEdited(edit: (text: string) => string): Promise<Error> {
  const t = tempDir();
  try {
    const file = join(t.dir, 'icp_rules.yml');
    writeFileSync(file, edit(shipped));
    try {
      await loadYamlConfig(file, icpRules);
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected the config to be rejected');
  } finally {
    t.cleanup();
  }
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('config loading', () => {
  it('accepts the shipped config files', async () => {
    await expect(loadYamlConfig(join('config', 'icp_rules.yml'), icpRules)).resolves.toBeDefined();
    await expect(loadYamlConfig(join('config', 'previous_customers.yml'), previousCustomers)).resolves.toBeDefined();
  });

  it('names the file, the key path and the line of a wrong value', async () => {
    const e = await loadEdited((t) => t.replace(/tier_1: 65/, 'tier_1: high'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain('icp_rules.yml: tiers.tier_1');
    expect(e.message).toContain(`(line ${lineOf(shipped, 'tier_1: 65')})`);
  });

  it('names an unknown key and a bad regular expression', async () => {
    const unknown = await loadEdited((t) => t.replace('unknown_allowed: true', 'unknown_allowed: true\n  typo_key: 1'));
    expect(unknown.message).toMatch(/countries.*typo_key|typo_key/);
    const regex = await loadEdited((t) => t.replace("fhir: ['FHIR',", "fhir: ['FHIR((',"));
    expect(regex.message).toMatch(/techstack\.fhir\.0 \(line \d+\): not a valid regular expression/);
  });

  it('reports invalid YAML with its line, and a missing file', async () => {
    const bad = await loadEdited((t) => t.replace('version: 2', 'version: [1'));
    expect(bad).toBeInstanceOf(UserError);
    expect(bad.message).toMatch(/invalid YAML/);
    const t = tempDir();
    try {
      await expect(loadYamlConfig(join(t.dir, 'icp_rules.yml'), icpRules)).rejects.toThrow(
        `${join(t.dir, 'icp_rules.yml')}: no such config file in the config folder ${t.dir} (--config-dir)`,
      );
    } finally {
      t.cleanup();
    }
  });

  it('says that a config folder (--config-dir) does not exist, or is a file, rather than that a file of it cannot be read', async () => {
    await expect(loadYamlConfig('/nonexistent/icp_rules.yml', icpRules)).rejects.toThrow(
      /^--config-dir \/nonexistent: the config folder does not exist \(it holds icp_rules\.yml, .*\)$/,
    );
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'conf'), '');
      await expect(loadYamlConfig(join(t.dir, 'conf', 'icp_rules.yml'), icpRules)).rejects.toThrow(
        `--config-dir ${join(t.dir, 'conf')}: it is a file, not a folder`,
      );
    } finally {
      t.cleanup();
    }
  });
});

describe('precompiled config files (src/generated/configs.ts)', () => {
  it('are what parsing and validating the shipped files gives (`npm run build` rewrites them after an edit of config/ or a schema)', async () => {
    expect(readFileSync(join('src', 'generated', 'configs.ts'), 'utf8')).toBe(await configsModule('config'));
    for (const [name, schema] of CONFIG_FILES) {
      const file = join('config', name);
      expect(PRECOMPILED_CONFIGS[name].sha256).toBe(sha256(readFileSync(file, 'utf8')));
      expect(await loadYamlConfig(file, schema)).toEqual(await loadYamlConfig(file, schema, null));
    }
  });

  it('are used only for the exact text: an edited file is parsed and validated', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'icp_rules.yml');
      // The same data with a comment more: another text, so parsed; the same result.
      writeFileSync(file, `# edited\n${shipped}`);
      expect(await loadYamlConfig(file, icpRules)).toEqual(PRECOMPILED_CONFIGS['icp_rules.yml'].data);
      // An entry whose hash matches is used as it is (here: a stand-in), so the lookup is really taken.
      const text = readFileSync(file, 'utf8');
      const standIn = {'icp_rules.yml': {sha256: sha256(text), data: {stand_in: true}}};
      expect(await loadYamlConfig(file, icpRules, standIn)).toEqual({stand_in: true});
      writeFileSync(file, shipped.replace(/tier_1: 65/, 'tier_1: high'));
      await expect(loadYamlConfig(file, icpRules, standIn)).rejects.toThrow(/tiers\.tier_1/);
    } finally {
      t.cleanup();
    }
  });

  it('need no schema: it is imported only for a file that must be validated', async () => {
    let imports = 0;
    const counted = () => {
      imports++;
      return icpRules();
    };
    await loadYamlConfig(join('config', 'icp_rules.yml'), counted);
    expect(imports).toBe(0);
    const t = tempDir();
    try {
      const file = join(t.dir, 'icp_rules.yml');
      writeFileSync(file, `# edited\n${shipped}`);
      expect(await loadYamlConfig(file, counted)).toEqual(PRECOMPILED_CONFIGS['icp_rules.yml'].data);
      expect(imports).toBe(1);
    } finally {
      t.cleanup();
    }
  });

  it('hand out a copy: a caller that changes its config does not change the next one', async () => {
    const file = join('config', 'previous_customers.yml');
    const first = await loadYamlConfig(file, previousCustomers);
    first.customers.length = 0;
    expect((await loadYamlConfig(file, previousCustomers)).customers.length).toBeGreaterThan(0);
  });
});
