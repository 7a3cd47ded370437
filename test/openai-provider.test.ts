import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, writeSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import Papa from 'papaparse';
import Enrich from '../src/commands/enrich.js';
import {CLAY_HEADER, clayCsv, runCli, type CliResult} from './helpers/cli.js';
import {clayRows, defaultAnswer, mockKind, type MockOptions, useMockOpenAi} from './helpers/mock-openai.js';
import {COMPANY_KINDS} from '../src/core/vocabulary.js';
import {loadYamlConfig} from '../src/io/config.js';
import {CONFIG_SCHEMAS} from '../src/schemas/config-files.js';

const CONFIG = join(process.cwd(), 'config');
const KEY = 'sk-test-Q7fVbN2xLr9TzK4pWm8YhJc3';
const rules = await loadYamlConfig(join(CONFIG, 'icp_rules.yml'), CONFIG_SCHEMAS['icp_rules.yml']);

const {mock, dir: testDir} = useMockOpenAi({apiKey: KEY, tempPrefix: 'stedi-gtm-openai-'});

function writeInput(n: number, name = 'in.csv'): string {
  const file = join(testDir(), name);
  writeFileSync(file, clayCsv(CLAY_HEADER, clayRows(n)));
  return file;
}

const dataDir = () => join(testDir(), 'data');
const cacheDir = () => join(dataDir(), 'interim', 'enrich_cache');
const companiesFile = () => join(dataDir(), 'raw', 'companies.csv');

function enrich(input: string, ...argv: string[]): Promise<CliResult> {
  const config = argv.includes('--config-dir') ? [] : ['--config-dir', CONFIG];
  const data = argv.includes('--data-dir') ? [] : ['--data-dir', dataDir()];
  return runCli(Enrich, ['--provider', 'openai', ...config, ...data, '--input', input, '--retry-base-ms', '2', '--json', ...argv]);
}

/** A copy of config/ with some files edited. */
function configDir(edit: (name: string, text: string) => string): string {
  const dir = join(testDir(), `config-${readdirSync(testDir()).length}`);
  mkdirSync(dir);
  for (const name of readdirSync(CONFIG)) {
    if (name.endsWith('.yml')) writeFileSync(join(dir, name), edit(name, readFileSync(join(CONFIG, name), 'utf8')));
  }
  return dir;
}

function rows(): Array<Record<string, string>> {
  return Papa.parse<Record<string, string>>(readFileSync(companiesFile(), 'utf8'), {header: true, skipEmptyLines: true}).data;
}

function summary(r: CliResult) {
  expect(r.stdout).not.toBe('');
  return JSON.parse(r.stdout);
}

describe('openai provider against the mock server', () => {
  it('asks once per company with web search and a strict schema, and fills the columns from the answer', async () => {
    const input = writeInput(5);
    const r = await enrich(input);
    expect(r.exitCode).toBe(0);
    const s = summary(r);
    expect(s.provider).toBe('openai');
    expect(s.provider_stats).toMatchObject({companies: 5, cache_hits: 0, api_answers: 5, requests: 5, retries: 0, fallbacks: 0});
    expect(mock.count({path: '/v1/responses'})).toBe(5);
    const req = mock.requests[0];
    expect(req.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toMatchObject({model: 'gpt-4.1-mini', tools: [{type: 'web_search'}], include: ['web_search_call.action.sources']});
    type Obj = {required: string[]; properties: Record<string, Obj & {enum?: string[]}>};
    const format = (req.body.text as {format: {type: string; strict: boolean; schema: Obj}}).format;
    expect(format.type).toBe('json_schema');
    expect(format.strict).toBe(true);
    expect(format.schema.required).toEqual(['company', 'icp', 'techstack']);
    // The kind, its reason, is_competitor and the basis of each flag are asked for (strict: all required).
    const {company, techstack} = format.schema.properties;
    expect(company.required).toEqual(['kind', 'reason', 'is_competitor']);
    expect(company.properties.kind.enum).toEqual([...COMPANY_KINDS]);
    expect(techstack.required).toContain('basis');
    expect(techstack.properties.basis.required).toEqual(['x12', 'clearinghouse', 'fhir', 'hl7']);
    expect(techstack.properties.basis.properties.x12.enum).toEqual(['stated', 'inferred', 'not_set']);
    // The prompt carries every field of the export and the user's ICP rules.
    const input0 = String(req.body.input);
    for (const v of [
      'Mockco 001',
      'mockco001.com',
      'Hospitals and Health Care',
      '51-200 employees',
      'Privately Held',
      'Denver, CO',
      'US',
      'Revenue cycle management',
    ]) {
      expect(input0).toContain(v);
    }
    const instructions = String(req.body.instructions);
    for (const v of ['rcm_billing: +45', 'edi_vendor: clearinghouse, EDI network', '"availity.com"', 'prior authorization', 'tier_1: score >= 65'])
      expect(instructions).toContain(v);

    const out = rows();
    expect(out).toHaveLength(5);
    for (const row of out) {
      expect(row.enrichment_source).toBe('openai');
      expect(row.enrichment_error).toBe('');
      const expected = defaultAnswer({name: row.name, domain: row.domain, description: row.description, industry: row.industry}).answer as {
        icp: {tier: string; score: number};
      };
      expect(row.icp_tier).toBe(expected.icp.tier);
      expect(Number(row.icp_score)).toBe(expected.icp.score);
      expect(row.company_kind).toBe(mockKind({name: row.name, domain: row.domain, description: row.description, industry: row.industry}));
      expect(row.company_kind_reason).toBe(`mock kind for ${row.name}`);
      expect(row.is_competitor).toBe('false');
    }
    const rcm = out.find((x) => x.name === 'Mockco 001')!;
    expect(rcm).toMatchObject({
      company_kind: 'rcm_billing',
      uses_x12: 'true',
      x12_transaction_sets: '835 | 837',
      clearinghouses: 'Availity',
      techstack_basis: 'stated',
    });
    expect(out.find((x) => x.name === 'Mockco 003')).toMatchObject({company_kind: 'provider', uses_x12: 'false', techstack_basis: 'none'});
  });

  it('keeps the columns consistent when the model is not: a competitor is excluded and no clearinghouse user; a listed competitor is edi_vendor', async () => {
    const file = join(testDir(), 'in.csv');
    const row = (name: string, domain: string, description: string) => [
      '',
      name,
      description,
      'Hospitals and Health Care',
      '51-200 employees',
      'Privately Held',
      'Denver, CO',
      'United States',
      domain,
      '',
    ];
    writeFileSync(
      file,
      clayCsv(CLAY_HEADER, [
        row('Clearco', 'clearco.com', 'A healthcare clearinghouse connecting providers to payers.'),
        row('Listed Co', rules.competitors.domains[0], 'Revenue cycle services for hospitals.'),
        row('Basis Co', 'basisco.com', 'Medical billing for physician groups.'),
      ]),
    );
    const marks = {x12: 'stated', clearinghouse: 'stated', fhir: 'not_set', hl7: 'not_set'};
    mock.reset({
      apiKey: KEY,
      answer: (c) => {
        const a = defaultAnswer(c);
        const ans = a.answer as {
          company: {kind: string; reason: string; is_competitor: boolean};
          icp: {tier: string; reason: string};
          techstack: Record<string, unknown>;
        };
        if (c.name === 'Basis Co') {
          // Nothing stated: the flags come from what a billing company is.
          Object.assign(ans.techstack, {uses_x12: true, uses_clearinghouse: true, basis: {...marks, x12: 'inferred', clearinghouse: 'inferred'}});
          return a;
        }
        // The model calls Clearco a competitor but still a tier_1 clearinghouse user, and Listed Co a billing firm.
        ans.company = {kind: c.name === 'Clearco' ? 'edi_vendor' : 'rcm_billing', reason: 'says so', is_competitor: false};
        ans.icp = {...ans.icp, tier: 'tier_1', reason: 'a great fit'};
        Object.assign(ans.techstack, {uses_x12: true, uses_clearinghouse: true, clearinghouses: ['Availity'], basis: marks});
        return a;
      },
    });
    const r = await enrich(file);
    expect(r.exitCode).toBe(0);
    const out = new Map(rows().map((x) => [x.name, x]));
    for (const name of ['Clearco', 'Listed Co']) {
      expect(out.get(name)).toMatchObject({
        enrichment_source: 'openai',
        company_kind: 'edi_vendor',
        is_competitor: 'true',
        icp_tier: 'excluded',
        icp_fit: 'false',
        uses_clearinghouse: 'false',
        clearinghouses: '',
        uses_x12: 'true',
        techstack_basis: 'stated',
      });
      expect(out.get(name)!.icp_reason).toMatch(/^excluded \(score \d+\): competitor \(edi_vendor\); a great fit$/);
    }
    expect(out.get('Listed Co')!.company_kind_reason).toBe(
      `listed competitor (domain ${rules.competitors.domains[0]} in competitors of icp_rules.yml)`,
    );
    expect(out.get('Basis Co')).toMatchObject({
      company_kind: 'rcm_billing',
      is_competitor: 'false',
      uses_x12: 'true',
      uses_clearinghouse: 'true',
      techstack_basis: 'inferred',
    });
  });

  it('gives a company that falls back to rules the same columns the rules provider gives it', async () => {
    const input = writeInput(5);
    mock.reset({apiKey: KEY, faultsFor: {'Mockco 002': [{kind: 'refusal'}], 'Mockco 005': [{kind: 'refusal'}]}});
    const r = await enrich(input);
    expect(summary(r).provider_stats).toMatchObject({fallbacks: 2});
    const openai = rows();
    const viaRules = await runCli(Enrich, ['--provider', 'rules', '--config-dir', CONFIG, '--data-dir', dataDir(), '--input', input, '--json']);
    expect(viaRules.exitCode).toBe(0);
    const byRules = new Map(rows().map((x) => [x.name, x]));
    const fellBack = openai.filter((x) => x.enrichment_source === 'rules_fallback');
    expect(fellBack.map((x) => x.name)).toEqual(['Mockco 002', 'Mockco 005']);
    for (const x of fellBack) {
      expect(x.company_kind_reason).not.toBe('');
      expect(x.enrichment_error).toContain('refused');
      expect({...x, enrichment_source: 'rules', enrichment_error: ''}).toEqual(byRules.get(x.name));
    }
  });

  it('does not serve an answer cached in the old layout (no company kind): it asks again', async () => {
    const input = writeInput(2);
    await enrich(input);
    const first = readFileSync(companiesFile());
    // Rewrite one entry as the provider wrote it before company kind and flag bases.
    const files = readdirSync(cacheDir(), {recursive: true, withFileTypes: true}).filter((d) => d.isFile());
    const victim = join(files[0].parentPath, files[0].name);
    const e = JSON.parse(readFileSync(victim, 'utf8'));
    delete e.answer.company;
    delete e.answer.techstack.basis;
    writeFileSync(victim, JSON.stringify({...e, format: 1, prompt_version: 'enrich-2026-11-23.1'}));
    const r = await enrich(input);
    expect(summary(r).provider_stats).toMatchObject({cache_hits: 1, cache_corrupt: 1, api_answers: 1});
    expect(mock.requests).toHaveLength(3);
    expect(readFileSync(companiesFile()).equals(first)).toBe(true);
    expect(JSON.parse(readFileSync(victim, 'utf8')).answer.company).toBeDefined();
  });

  it('drops URLs the search never returned and counts them; flags without a grounded URL get a lower confidence', async () => {
    const input = writeInput(5);
    const r = await enrich(input);
    const s = summary(r);
    const out = rows();
    const all = readFileSync(companiesFile(), 'utf8');
    expect(all).not.toContain('invented.example.org');
    const answers = out.map((x) => defaultAnswer({name: x.name, domain: x.domain, description: x.description, industry: x.industry}));
    const invented = answers.reduce((n, a) => n + (a.answer as {techstack: {evidence: unknown[]}}).techstack.evidence.length / 2, 0);
    expect(invented).toBeGreaterThan(0);
    expect(s.provider_stats.urls_dropped).toBe(invented);
    expect(s.provider_stats.urls_grounded).toBe(invented);
    for (const row of out) {
      // Every evidence URL is one the search returned (normalised: no www., no utm_source, no trailing slash).
      for (const url of row.techstack_evidence ? row.techstack_evidence.split(' | ') : [])
        expect(url).toMatch(new RegExp(`^https://${row.domain.replace('.', '\\.')}/[a-z0-9]+$`));
    }

    // Now the model cites only URLs of its own: every flag is ungrounded.
    mock.reset({
      apiKey: KEY,
      answer: (c) => {
        const a = defaultAnswer(c);
        const ans = a.answer as {techstack: {evidence: Array<{url: string}>}};
        ans.techstack.evidence = ans.techstack.evidence.filter((e) => e.url.includes('invented'));
        return a;
      },
    });
    const r2 = await enrich(input, '--refresh');
    const out2 = rows();
    expect(summary(r2).provider_stats.urls_grounded).toBe(0);
    for (const row of out2) {
      expect(row.techstack_evidence).toBe('');
      const flagged = ['uses_x12', 'uses_clearinghouse', 'uses_fhir', 'uses_hl7'].some((k) => row[k] === 'true') || row.ehrs !== '';
      if (flagged) expect(Number(row.techstack_confidence)).toBeLessThanOrEqual(0.4);
      else expect(Number(row.techstack_confidence)).toBe(0.85);
    }
  });

  it('answers a second run from the cache: no API call, byte-identical output', async () => {
    const input = writeInput(6);
    await enrich(input);
    const first = readFileSync(companiesFile());
    expect(mock.requests).toHaveLength(6);
    const r = await enrich(input);
    expect(mock.requests).toHaveLength(6);
    expect(summary(r).provider_stats).toMatchObject({cache_hits: 6, api_answers: 0, requests: 0, cost_usd: 0});
    expect(readFileSync(companiesFile()).equals(first)).toBe(true);
    // Cache files are named by hash only and hold the answer, usage, model and time.
    const files = readdirSync(cacheDir(), {recursive: true, withFileTypes: true}).filter((d) => d.isFile());
    expect(files).toHaveLength(6);
    for (const f of files) {
      expect(f.name).toMatch(/^[0-9a-f]{64}\.json$/);
      const e = JSON.parse(readFileSync(join(f.parentPath, f.name), 'utf8'));
      expect(e).toMatchObject({model: 'gpt-4.1-mini', usage: {input_tokens: 1000, cached_input_tokens: 200, output_tokens: 300}});
      expect(typeof e.created_at).toBe('string');
    }
  });

  it('--refresh asks again and replaces the entries', async () => {
    const input = writeInput(3);
    await enrich(input);
    const r = await enrich(input, '--refresh');
    expect(mock.requests).toHaveLength(6);
    expect(summary(r).provider_stats).toMatchObject({cache_hits: 0, api_answers: 3});
  });

  it('detects, reports and recomputes a corrupt entry', async () => {
    const input = writeInput(4);
    await enrich(input);
    const first = readFileSync(companiesFile());
    const files = readdirSync(cacheDir(), {recursive: true, withFileTypes: true}).filter((d) => d.isFile());
    const victim = join(files[0].parentPath, files[0].name);
    const text = readFileSync(victim, 'utf8');
    writeFileSync(victim, text.slice(0, text.length / 2)); // as a crashed machine might leave it
    const victim2 = join(files[1].parentPath, files[1].name);
    writeFileSync(victim2, text.replace('"icp":{', '"icp_":{')); // valid JSON, wrong shape
    const r = await enrich(input);
    expect(r.exitCode).toBe(0);
    expect(summary(r).provider_stats).toMatchObject({cache_hits: 2, cache_corrupt: 2, api_answers: 2});
    expect(r.stderr).toContain('corrupt cache entry');
    expect(r.stderr).toContain(victim);
    expect(mock.requests).toHaveLength(6);
    expect(readFileSync(companiesFile()).equals(first)).toBe(true);
    expect(JSON.parse(readFileSync(victim, 'utf8')).answer).toBeDefined();
  });

  it('never serves an answer to another model or another prompt (changed ICP rules)', async () => {
    const input = writeInput(3);
    await enrich(input);
    await enrich(input, '--model', 'gpt-4o-mini');
    expect(mock.requests).toHaveLength(6);
    expect(mock.requests[5].body.model).toBe('gpt-4o-mini');
    process.env.OPENAI_MODEL = 'gpt-4o-mini';
    await enrich(input);
    expect(mock.requests).toHaveLength(6); // OPENAI_MODEL picks the same cached answers as --model
    const cfg = configDir((name, text) => (name === 'icp_rules.yml' ? text.replace('tier_1: 65', 'tier_1: 70') : text));
    await enrich(input, '--config-dir', cfg);
    expect(mock.requests).toHaveLength(9);
    await enrich(input, '--config-dir', cfg);
    expect(mock.requests).toHaveLength(9);
  });
});

describe('openai provider faults', () => {
  const transient: Array<[string, MockOptions['faultsFor'] extends infer F ? (F extends Record<string, infer L> ? L : never) : never]> = [
    ['429 with retry-after', [{kind: 'rate_limit', retryAfterMs: 20}]],
    ['500', [{kind: 'server_error', status: 500}]],
    ['503', [{kind: 'server_error', status: 503}]],
    ['a hang (timeout)', [{kind: 'hang'}]],
    ['truncated JSON in the answer', [{kind: 'truncated'}]],
    ['a truncated response body', [{kind: 'truncated_body'}]],
    ['a schema-violating answer', [{kind: 'schema'}]],
    ['an incomplete response', [{kind: 'incomplete'}]],
    ['two faults in a row', [{kind: 'server_error', status: 503}, {kind: 'schema'}]],
  ];

  it.each(transient)('retries after %s and then uses the answer', async (_label, faults) => {
    const input = writeInput(3);
    mock.reset({apiKey: KEY, faultsFor: {'Mockco 002': faults}});
    // Short enough for the hang to time out soon, long enough that no sound answer does on a busy machine
    // (the suite runs on two cores next to tests that start worker threads).
    const r = await enrich(input, '--timeout', '2');
    if (process.env.DEBUG_OPENAI) writeSync(2, r.stderr);
    expect(r.exitCode).toBe(0);
    const s = summary(r);
    expect(s.provider_stats).toMatchObject({api_answers: 3, fallbacks: 0, retries: faults.length, requests: 3 + faults.length});
    expect(mock.count({company: 'Mockco 002'})).toBe(faults.length + 1);
    expect(rows().every((x) => x.enrichment_source === 'openai')).toBe(true);
    // The usage of billed-but-unusable answers is counted too.
    const billed = faults.filter((f) => ['truncated', 'schema', 'incomplete'].includes(f.kind)).length;
    expect(s.provider_stats.input_tokens).toBe(1000 * (3 + billed));
  });

  it('falls back to the rules answer for a company that keeps failing, says why, and goes on', async () => {
    const input = writeInput(4);
    const down = Array.from({length: 10}, () => ({kind: 'server_error' as const, status: 503 as const}));
    mock.reset({apiKey: KEY, faultsFor: {'Mockco 003': down}});
    const r = await enrich(input, '--max-retries', '2');
    expect(r.exitCode).toBe(0);
    const s = summary(r);
    expect(s.provider_stats).toMatchObject({api_answers: 3, fallbacks: 1, fallbacks_budget: 0, retries: 2});
    expect(mock.count({company: 'Mockco 003'})).toBe(3);
    const failed = rows().find((x) => x.name === 'Mockco 003')!;
    expect(failed.enrichment_source).toBe('rules_fallback');
    expect(failed.enrichment_error).toMatch(/gave up after 3 attempts: HTTP 503/);
    expect(failed.icp_reason).not.toContain('mock judgement'); // the rules' own judgement
    expect(r.stderr).toContain('Mockco 003');
    // A fallback is not cached: the next run asks again.
    mock.reset({apiKey: KEY});
    const r2 = await enrich(input);
    expect(summary(r2).provider_stats).toMatchObject({cache_hits: 3, api_answers: 1, fallbacks: 0});
  });

  it('stops with exit 1 when retry.max_failed_in_a_row companies in a row get no answer (the API is down)', async () => {
    const input = writeInput(14);
    mock.reset({apiKey: KEY, faultFromCall: {from: 1, fault: {kind: 'server_error', status: 503}}});
    const r = await enrich(input, '--concurrency', '1', '--max-retries', '1');
    expect(r.exitCode).toBe(1);
    const message: string = JSON.parse(r.stdout).error.message;
    expect(message).toMatch(/no answer for 10 companies in a row \(the last: gave up after 2 attempts: HTTP 503/);
    expect(message).toContain('--provider rules');
    expect(mock.requests).toHaveLength(20); // 10 companies, 2 attempts each; none for the other 4
    expect(existsSync(companiesFile())).toBe(false);
    expectNoKey(r);
  });

  it('stops as well when nothing listens at OPENAI_BASE_URL, naming the connection error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    process.env.OPENAI_BASE_URL = `http://127.0.0.1:${port}/v1`;
    const r = await enrich(writeInput(12), '--max-retries', '0');
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).error.message).toMatch(/no answer for 10 companies in a row \(the last: gave up after 1 attempt: connection error/);
    expect(existsSync(companiesFile())).toBe(false);
  });

  it('counts only companies in a row: an answer in between starts the count again; 0 never stops', async () => {
    const threshold = (n: number) =>
      configDir((name, text) => (name === 'openai.yml' ? text.replace(/max_failed_in_a_row: \d+/, `max_failed_in_a_row: ${n}`) : text));
    const refuse = (...ns: number[]) => Object.fromEntries(ns.map((n) => [`Mockco ${String(n).padStart(3, '0')}`, [{kind: 'refusal' as const}]]));
    const input = writeInput(8);
    const three = threshold(3);
    // Two failures, an answer, two failures, an answer, ...: never three in a row.
    mock.reset({apiKey: KEY, faultsFor: refuse(1, 2, 4, 5, 7, 8)});
    const ok = await enrich(input, '--config-dir', three, '--concurrency', '1');
    expect(ok.exitCode).toBe(0);
    expect(summary(ok).provider_stats).toMatchObject({api_answers: 2, fallbacks: 6});
    // Three in a row stop the run at the third.
    mock.reset({apiKey: KEY, faultsFor: refuse(1, 2, 3)});
    const stopped = await enrich(input, '--config-dir', three, '--concurrency', '1', '--refresh');
    expect(stopped.exitCode).toBe(1);
    expect(JSON.parse(stopped.stdout).error.message).toMatch(/no answer for 3 companies in a row \(the last: the model refused/);
    expect(mock.requests).toHaveLength(3);
    // With 0, every company falls back and the run ends as usual.
    mock.reset({apiKey: KEY, faultFromCall: {from: 1, fault: {kind: 'refusal'}}});
    const never = await enrich(writeInput(14, 'more.csv'), '--config-dir', threshold(0), '--concurrency', '1');
    expect(never.exitCode).toBe(0);
    const stats = summary(never).provider_stats;
    // Mockco 003 and 006 are answered from the cache of the first run; the others, more than 10, fall back.
    expect(stats).toMatchObject({api_answers: 0, cache_hits: 2, fallbacks: stats.companies - 2});
    expect(stats.fallbacks).toBeGreaterThan(10);
    expect(rows().filter((x) => x.enrichment_source === 'rules_fallback')).toHaveLength(stats.fallbacks);
  });

  it('does not retry a refusal: the company falls back at once', async () => {
    const input = writeInput(2);
    mock.reset({apiKey: KEY, faultsFor: {'Mockco 001': [{kind: 'refusal'}]}});
    const r = await enrich(input);
    expect(summary(r).provider_stats).toMatchObject({fallbacks: 1, retries: 0});
    expect(mock.count({company: 'Mockco 001'})).toBe(1);
    expect(rows()[0].enrichment_error).toContain('refused');
  });

  it.each([
    ['a bad key (401)', {kind: 'unauthorized'} as const, /rejected the API key/],
    ['no permission (403)', {kind: 'forbidden'} as const, /denied access/],
    ['insufficient_quota', {kind: 'quota'} as const, /quota exhausted/],
  ])('stops at once on %s with exit 1, keeps the cache and never shows the key', async (_label, fault, message) => {
    const input = writeInput(8);
    mock.reset({apiKey: KEY, faultOnCall: {3: fault}});
    const r = await enrich(input, '--concurrency', '1');
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).error.message).toMatch(message);
    expect(mock.requests).toHaveLength(3); // nothing after the fatal answer, no retry
    expect(existsSync(companiesFile())).toBe(false);
    const cached = readdirSync(cacheDir(), {recursive: true, withFileTypes: true}).filter((d) => d.isFile() && d.name.endsWith('.json'));
    expect(cached).toHaveLength(2);
    expectNoKey(r);
    // The rerun picks up where it stopped.
    mock.reset({apiKey: KEY});
    const r2 = await enrich(input, '--concurrency', '1');
    expect(summary(r2).provider_stats).toMatchObject({cache_hits: 2, api_answers: 6});
    expectNoKey(r2);
  });

  it('never shows the key, even when the server echoes a wrong one, nor writes it to any file', async () => {
    const input = writeInput(2);
    mock.reset({apiKey: 'sk-the-server-wants-another-key'});
    const r = await runCli(Enrich, ['--provider', 'openai', '--config-dir', CONFIG, '--data-dir', dataDir(), '--input', input]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('rejected the API key');
    expect(r.stderr).toContain('[redacted]');
    expectNoKey(r);
  });

  it.each([
    ['--timeout', '0'],
    ['--timeout', 'soon'],
    ['--max-cost', '-1'],
    ['--concurrency', '0'],
    ['--api', 'batch'],
  ])('rejects %s %s with exit 2 before calling anything, creating nothing', async (flag, value) => {
    const fresh = join(testDir(), `bad-flag-${flag.slice(2)}-${value}`);
    const r = await enrich(writeInput(1), flag, value, '--data-dir', fresh);
    expect(r.exitCode).toBe(2);
    expect(r.stdout + r.stderr).toContain(flag.slice(2));
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(fresh)).toBe(false);
  });

  it('asks for a key when there is none, creating nothing (not the cache folder either)', async () => {
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    const fresh = join(testDir(), 'no-key');
    const r = await enrich(writeInput(1), '--data-dir', fresh);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('OPENAI_API_KEY');
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(fresh)).toBe(false);
  });
});

/** The key appears nowhere: not on stdout or stderr, not in any file under the test folder. */
function expectNoKey(r: CliResult): void {
  expect(r.stdout).not.toContain(KEY);
  expect(r.stderr).not.toContain(KEY);
  expect(r.stdout + r.stderr).not.toContain(KEY.slice(8));
  for (const f of readdirSync(testDir(), {recursive: true, withFileTypes: true})) {
    if (f.isFile()) expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(KEY.slice(8));
  }
}

describe('openai provider throughput and cost control', () => {
  it('keeps --concurrency requests in flight', async () => {
    const input = writeInput(30);
    // The mock answers nothing until 6 requests are in flight: a client keeping fewer never finishes.
    mock.reset({apiKey: KEY, gate: 6});
    const r = await enrich(input, '--concurrency', '6');
    expect(r.exitCode).toBe(0);
    expect(mock.maxInFlight).toBe(6);
    expect(summary(r).provider_stats.max_in_flight).toBe(6);
  });

  it('--rpm reaches the rate limiter: of 4 requests started together, 3 wait for their turn', async () => {
    // (The spacing itself is tested on a virtual clock in openai-units.test.ts: no timed assertion here.)
    const input = writeInput(4);
    const r = await enrich(input, '--rpm', '6000', '--concurrency', '4');
    expect(r.exitCode).toBe(0);
    expect(mock.requests).toHaveLength(4);
    expect(summary(r).provider_stats).toMatchObject({api_answers: 4, rate_limit_waits: 3});
    const other = join(testDir(), 'other.csv');
    writeFileSync(other, clayCsv(CLAY_HEADER, clayRows(4, 'Otherco')));
    const unlimited = await enrich(other, '--concurrency', '4');
    expect(summary(unlimited).provider_stats).toMatchObject({api_answers: 4, rate_limit_waits: 0});
  });

  it('--max-requests stops calling; the rest get the rules answer; a later run with a higher limit continues', async () => {
    const input = writeInput(7);
    const r = await enrich(input, '--max-requests', '3', '--concurrency', '2');
    expect(r.exitCode).toBe(0);
    expect(mock.requests).toHaveLength(3);
    const s = summary(r);
    expect(s.provider_stats).toMatchObject({api_answers: 3, fallbacks: 4, fallbacks_budget: 4, budget_reached: 1});
    expect(r.stderr).toMatch(/budget reached \(--max-requests 3\)/);
    const out = rows();
    expect(out.filter((x) => x.enrichment_source === 'openai')).toHaveLength(3);
    for (const x of out.filter((y) => y.enrichment_source === 'rules_fallback'))
      expect(x.enrichment_error).toContain('budget reached (--max-requests 3)');
    const r2 = await enrich(input, '--max-requests', '10');
    expect(mock.requests).toHaveLength(7);
    expect(summary(r2).provider_stats).toMatchObject({cache_hits: 3, api_answers: 4, fallbacks: 0, budget_reached: 0});
  });

  it('--max-cost never starts a call that would take the spend over the limit', async () => {
    // Prices chosen so that one mock answer (1000 input of which 200 cached, 300 output, 1 search) costs exactly $0.01.
    const cfg = configDir((name, text) =>
      name === 'openai.yml'
        ? text
            .replace(/gpt-4\.1-mini: \{[^}]*\}/, 'gpt-4.1-mini: {input: 5, cached_input: 0, output: 20}')
            .replace(/web_search_per_1000_calls: [\d.]+/, 'web_search_per_1000_calls: 0')
            .replace(/input_tokens: \d+ /, 'input_tokens: 800 ')
            .replace(/cached_input_tokens: \d+ /, 'cached_input_tokens: 0 ')
            .replace(/output_tokens: \d+/, 'output_tokens: 300')
        : text,
    );
    const input = writeInput(6);
    const r = await enrich(input, '--config-dir', cfg, '--max-cost', '0.035', '--concurrency', '1');
    expect(r.exitCode).toBe(0);
    const s = summary(r);
    expect(s.provider_stats.cost_usd).toBeCloseTo(0.03, 9);
    expect(s.provider_stats).toMatchObject({api_answers: 3, requests: 3, fallbacks_budget: 3, budget_reached: 1});
    expect(mock.requests).toHaveLength(3);
    expect(r.stderr).toMatch(/budget reached \(--max-cost 0.035 USD\)/);

    // --dry-run then says what is left and what it would cost, and calls nothing.
    const d = await enrich(input, '--config-dir', cfg, '--dry-run');
    expect(d.exitCode).toBe(0);
    expect(summary(d).dry_run).toMatchObject({
      companies: 6,
      cache_hits: 3,
      calls_needed: 3,
      estimated_cost_usd: 0.03,
      estimated_cost_per_call_usd: 0.01,
    });
    expect(mock.requests).toHaveLength(3);
  });

  it('--max-cost refuses to run without a price for the model', async () => {
    const r = await enrich(writeInput(1), '--model', 'some-local-model', '--max-cost', '1');
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('some-local-model');
    expect(mock.requests).toHaveLength(0);
  });

  it('--dry-run calls nothing and writes nothing, and works without a key', async () => {
    const input = writeInput(5);
    await enrich(input, '--limit', '2');
    const before = readdirSync(dataDir(), {recursive: true}).sort();
    const companiesBefore = readFileSync(companiesFile());
    mock.reset({apiKey: KEY});
    delete process.env.OPENAI_API_KEY;
    const d = await enrich(input, '--dry-run');
    expect(d.exitCode).toBe(0);
    expect(mock.requests).toHaveLength(0);
    const plan = summary(d).dry_run;
    expect(plan).toMatchObject({provider: 'openai', companies: 5, cache_hits: 2, calls_needed: 3, model: 'gpt-4.1-mini'});
    expect(plan.estimated_cost_usd).toBeGreaterThan(0);
    expect(readdirSync(dataDir(), {recursive: true}).sort()).toEqual(before);
    expect(readFileSync(companiesFile()).equals(companiesBefore)).toBe(true);
    // In a fresh data folder nothing at all is created.
    const fresh = join(testDir(), 'fresh');
    const d2 = await runCli(Enrich, ['--provider', 'openai', '--config-dir', CONFIG, '--data-dir', fresh, '--input', input, '--dry-run']);
    expect(d2.exitCode).toBe(0);
    expect(d2.stderr).toMatch(/Dry run \(openai\): 5 companies, 0 cached, 5 calls needed, estimated cost about \$/);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('openai provider over Chat Completions (--api chat)', () => {
  it('sends a json_schema response format without web search; no URL is grounded', async () => {
    const input = writeInput(3);
    const r = await enrich(input, '--api', 'chat', '--model', 'llama-3.1-8b');
    expect(r.exitCode).toBe(0);
    expect(mock.count({path: '/v1/chat/completions'})).toBe(3);
    expect(mock.count({path: '/v1/responses'})).toBe(0);
    const body = mock.requests[0].body as {
      tools?: unknown;
      response_format: {type: string; json_schema: {strict: boolean; name: string}};
      messages: Array<{role: string; content: string}>;
    };
    expect(body.tools).toBeUndefined();
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema).toMatchObject({strict: true, name: 'company_enrichment'});
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0].content).not.toContain('Use web search');
    const s = summary(r);
    expect(s.provider_stats).toMatchObject({api_answers: 3, urls_grounded: 0, web_search_calls: 0});
    for (const row of rows()) {
      expect(row.enrichment_source).toBe('openai');
      expect(row.techstack_evidence).toBe('');
    }
    // The chat answers are cached apart from Responses answers.
    await enrich(input, '--model', 'llama-3.1-8b');
    expect(mock.count({path: '/v1/responses'})).toBe(3);
  });

  it('retries an answer cut by the token limit (finish_reason length)', async () => {
    const input = writeInput(1);
    mock.reset({apiKey: KEY, faultsFor: {'Mockco 001': [{kind: 'incomplete'}, {kind: 'schema'}]}});
    const r = await enrich(input, '--api', 'chat');
    expect(summary(r).provider_stats).toMatchObject({api_answers: 1, retries: 2});
  });
});
