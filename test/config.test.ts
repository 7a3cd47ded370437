import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {loadYamlConfig} from '../src/io/config.js';
import {IcpRulesSchema, PreviousCustomersSchema} from '../src/schemas/icp-rules.js';
import {UserError} from '../src/errors.js';
import {tempDir} from './helpers/cli.js';

const shipped = readFileSync(join('config', 'icp_rules.yml'), 'utf8');

function loadEdited(edit: (text: string) => string): Error {
  const t = tempDir();
  try {
    const file = join(t.dir, 'icp_rules.yml');
    writeFileSync(file, edit(shipped));
    try {
      loadYamlConfig(file, IcpRulesSchema);
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
  it('accepts the shipped config files', () => {
    expect(() => loadYamlConfig(join('config', 'icp_rules.yml'), IcpRulesSchema)).not.toThrow();
    expect(() => loadYamlConfig(join('config', 'previous_customers.yml'), PreviousCustomersSchema)).not.toThrow();
  });

  it('names the file, the key path and the line of a wrong value', () => {
    const e = loadEdited((t) => t.replace(/tier_1: 65/, 'tier_1: high'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain('icp_rules.yml: tiers.tier_1');
    expect(e.message).toContain(`(line ${lineOf(shipped, 'tier_1: 65')})`);
  });

  it('names an unknown key and a bad regular expression', () => {
    const unknown = loadEdited((t) => t.replace('unknown_allowed: true', 'unknown_allowed: true\n  typo_key: 1'));
    expect(unknown.message).toMatch(/countries.*typo_key|typo_key/);
    const regex = loadEdited((t) => t.replace("fhir: ['FHIR',", "fhir: ['FHIR((',"));
    expect(regex.message).toMatch(/techstack\.fhir\.0 \(line \d+\): not a valid regular expression/);
  });

  it('reports invalid YAML with its line, and a missing file', () => {
    const bad = loadEdited((t) => t.replace('version: 1', 'version: [1'));
    expect(bad).toBeInstanceOf(UserError);
    expect(bad.message).toMatch(/invalid YAML/);
    expect(() => loadYamlConfig('/nonexistent/icp_rules.yml', IcpRulesSchema)).toThrow(/\/nonexistent\/icp_rules.yml: cannot read config file/);
  });
});
