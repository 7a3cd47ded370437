import {readdirSync, readFileSync} from 'node:fs';
import {SHARD_ENGINES} from '../src/core/shard.js';
import {join} from 'node:path';

/**
 * docs/environment.md lists every environment variable the code reads, in one place: this keeps it true as
 * variables are added (the code is read for `env.NAME`, `env['NAME']` and oclif's `env: 'NAME'`).
 */
const DOC = readFileSync(join(process.cwd(), 'docs', 'environment.md'), 'utf8');
const READ = /\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\]|: '([A-Z][A-Z0-9_]+)')/g;

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(join(process.cwd(), dir), {recursive: true, encoding: 'utf8'})
    .filter((f) => ext.test(f))
    .map((f) => join(process.cwd(), dir, f));
}

function variablesRead(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(READ)) names.add(m[1] ?? m[2] ?? m[3]);
  // `--shard auto` reads the batch engines' variables by name from a table (the environment is passed in).
  if (files.some((f) => f.endsWith('shard.ts')))
    for (const e of SHARD_ENGINES) for (const n of [e.index, e.count, 'min' in e ? e.min : undefined]) if (n) names.add(n);
  return names;
}

const documented = (name: string) => DOC.includes(`\`${name}\``) || DOC.includes(`\`${name}=`);

describe('docs/environment.md', () => {
  it('lists every variable that src/, bin/ and the benchmarks read', () => {
    const read = variablesRead([...filesUnder('src', /\.ts$/), ...filesUnder('bin', /\.js$/), ...filesUnder('bench', /\.mjs$/)]);
    expect(read.size).toBeGreaterThan(8);
    expect([...read].filter((n) => !documented(n))).toEqual([]);
  });

  it("lists the test suite's own variables", () => {
    // (Not ours: HOME and PATH; a test's own: the made-up provider's ECHO_ENRICH, the module trace a test asks of its child.)
    const own = new Set(['HOME', 'PATH', 'ECHO_ENRICH', 'TRACE_MODULES']);
    const tests = filesUnder('test', /\.ts$/).filter((f) => !f.endsWith('environment-docs.test.ts'));
    const read = [...variablesRead(tests)].filter((n) => !own.has(n));
    expect(read.filter((n) => !documented(n))).toEqual([]);
  });

  it("lists no STEDI_GTM_ variable the code no longer reads, and .env.example's variables are in it", () => {
    const read = variablesRead(filesUnder('src', /\.ts$/));
    const listed = [...new Set([...DOC.matchAll(/STEDI_GTM_[A-Z0-9_]+/g)].map((m) => m[0]))];
    expect(listed.filter((n) => !read.has(n))).toEqual([]);
    const example = readFileSync(join(process.cwd(), '.env.example'), 'utf8');
    const inExample = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(inExample.length).toBeGreaterThan(3);
    expect(inExample.filter((n) => !documented(n))).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(process.cwd(), 'README.md'), 'utf8')).toContain('(docs/environment.md)');
  });
});
