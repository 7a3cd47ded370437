/**
 * The provider registry: a third provider, registered in-process by this test alone (no other file knows of
 * it), is a --provider option with its own flag, is what the enrich stage runs, and its name is a valid
 * enrichment_source of companies.csv.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Flags} from '@oclif/core';
import Papa from 'papaparse';
import {createRulesEnricher} from '../src/core/rules/provider.js';
import {chooseProvider, enrichmentSourceNames, providerChoices, providerFlags, registerProvider} from '../src/providers/index.js';
import type {CompanyBase} from '../src/schemas/companies.js';
import {CLAY_HEADER, clayCsv, runCli, tempDir} from './helpers/cli.js';
import {clayRows} from './helpers/mock-openai.js';

const CONFIG = join(process.cwd(), 'config');
const seen: {flags?: Record<string, unknown>; companies: number} = {companies: 0};

// Registered before the commands and the schemas are loaded (below, with import()), as a built-in provider is.
registerProvider({
  name: 'echo',
  description: 'a test double',
  flags: {'echo-tag': Flags.string({description: 'A tag the echo provider writes into icp_reason.', helpGroup: 'ECHO'})},
  auto: {when: (env) => env.ECHO_ENRICH === '1', because: 'ECHO_ENRICH is 1', otherwise: 'no ECHO_ENRICH'},
  create(ctx) {
    seen.flags = ctx.flags;
    const rules = createRulesEnricher(ctx.rules);
    return {
      name: 'echo',
      concurrency: 2,
      async enrich(company: CompanyBase) {
        seen.companies++;
        return {...rules.enrich(company), enrichment_source: 'echo', icp_reason: `echo ${String(ctx.flags['echo-tag'] ?? '')}`};
      },
      stats: () => ({echoed: seen.companies}),
    };
  },
});

const {default: Enrich} = await import('../src/commands/enrich.js');
const {CompanySchema, EnrichmentSchema} = await import('../src/schemas/companies.js');

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('provider registry', () => {
  it('offers a registered provider as a --provider option, with its flags, and as an enrichment_source', () => {
    expect(providerChoices()).toEqual(['auto', 'rules', 'openai', 'echo']);
    expect((Enrich.baseFlags.provider as {options?: string[]}).options).toContain('echo');
    expect(Object.keys(Enrich.flags)).toContain('echo-tag');
    expect(Object.keys(providerFlags())).toEqual(expect.arrayContaining(['model', 'concurrency', 'echo-tag']));
    expect(enrichmentSourceNames()).toEqual(['rules', 'openai', 'echo', 'rules_fallback']);
    expect(EnrichmentSchema.shape.enrichment_source.safeParse('echo').success).toBe(true);
    expect(EnrichmentSchema.shape.enrichment_source.safeParse('nobody').success).toBe(false);
  });

  it('auto picks a provider by its own condition, in registration order', () => {
    expect(chooseProvider('auto', {ECHO_ENRICH: '1'})).toEqual({name: 'echo', why: ' (auto: ECHO_ENRICH is 1)'});
    expect(chooseProvider('auto', {OPENAI_API_KEY: 'k', ECHO_ENRICH: '1'}).name).toBe('openai');
    expect(chooseProvider('auto', {})).toEqual({name: 'rules', why: ' (auto: no OPENAI_API_KEY set, no ECHO_ENRICH)'});
    expect(chooseProvider('echo', {}).name).toBe('echo');
  });

  it('refuses a second provider of the same name, or a flag defined differently', () => {
    const base = {description: 'x', create: () => ({name: 'x', concurrency: 1, enrich: () => ({}) as never, stats: () => ({})})};
    expect(() => registerProvider({...base, name: 'rules'})).toThrow(/registered already/);
    expect(() => registerProvider({...base, name: 'rules_fallback'})).toThrow(/registered already/);
    expect(() => registerProvider({...base, name: 'other', flags: {concurrency: Flags.integer({description: 'another'})}})).toThrow(
      /--concurrency is defined already/,
    );
  });

  it('enrich --provider echo runs the registered provider and writes rows that match the companies schema', async () => {
    const input = join(t.dir, 'clay.csv');
    writeFileSync(input, clayCsv(CLAY_HEADER, clayRows(5)));
    const r = await runCli(Enrich, [
      '--provider',
      'echo',
      '--echo-tag',
      'hi',
      '--input',
      input,
      '--config-dir',
      CONFIG,
      '--data-dir',
      join(t.dir, 'data'),
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.provider).toBe('echo');
    expect(summary.provider_stats).toEqual({echoed: 5});
    expect(seen.flags?.['echo-tag']).toBe('hi');
    const rows = Papa.parse<Record<string, string>>(readFileSync(summary.output, 'utf8'), {header: true, skipEmptyLines: true}).data;
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row.enrichment_source).toBe('echo');
      expect(row.icp_reason).toBe('echo hi');
    }
    expect(CompanySchema.shape.enrichment_source.options).toContain(rows[0].enrichment_source);
  });

  it('an unknown --provider is a usage error', async () => {
    const r = await runCli(Enrich, ['--provider', 'nobody', '--config-dir', CONFIG, '--data-dir', join(t.dir, 'data')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/auto, rules, openai, echo|auto\|rules\|openai\|echo/);
  });
});
