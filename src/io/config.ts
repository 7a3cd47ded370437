import {readFileSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';
import {basename, dirname} from 'node:path';
import type * as Yaml from 'yaml';
import type {z} from 'zod';
import {displayPath} from '../core/display-path.js';
import {sha256} from '../core/hash.js';
import {UserError} from '../errors.js';
import {PRECOMPILED_CONFIGS} from '../generated/configs.js';

/**
 * The shipped config files, parsed and validated ahead of time (src/generated/configs.ts, written by `npm run
 * build`): base name -> SHA-256 of the file's text and the validated data. A file whose text has exactly
 * that hash is that data, so it needs neither the YAML parser nor the schema, nor zod; any other text (an
 * edited file, another config folder) is parsed and validated as usual. It saves about 0.1 s of each command's
 * start (parsing deal_model.yml in cold code, and loading the parser), and the schema's module and zod are
 * loaded only for a file that needs them (about 0.07 s more). A test checks that the generated data is what
 * parsing and validating the shipped files gives.
 */
export type PrecompiledConfigs = Record<string, {sha256: string; data: unknown}>;

/**
 * Where aliases multiply (for the message on a file whose aliases expand too many times): the key path and line
 * of the first alias to an anchor whose value holds aliases itself.
 */
function nestedAlias(doc: Yaml.Document, lines: Yaml.LineCounter): string | undefined {
  const {visit, isPair, isScalar} = yaml();
  let found: string | undefined;
  visit(doc, {
    Alias(_key, node, path) {
      const target = node.resolve(doc);
      let nested = false;
      if (target) visit(target, {Alias: () => ((nested = true), visit.BREAK)});
      if (!nested) return undefined;
      const keys = path.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : '?'));
      const line = node.range ? ` (line ${lines.linePos(node.range[0]).line})` : '';
      found = `${keys.join('.') || '(top level)'}${line}`;
      return visit.BREAK;
    },
  });
  return found;
}

/** Most expansions of YAML aliases in one config file (the yaml package's default is 100). */
const MAX_ALIAS_COUNT = 100;

/** yaml, loaded on the first config that is not precompiled. */
const yaml = (): typeof Yaml => createRequire(import.meta.url)('yaml') as typeof Yaml;

/**
 * Reads a YAML config file and validates it with its zod schema. Every problem is reported with the file,
 * the key path and the line, e.g. `config/icp_rules.yml: tiers.tier_1 (line 58): expected number`.
 * `schema` imports the schema (see CONFIG_SCHEMAS in schemas/config-files.ts); it is called only when the file
 * has to be validated. `precompiled`: see PrecompiledConfigs (an entry must hold what this function returns
 * for that text and the schema its callers pass for that file name).
 */
export async function loadYamlConfig<S extends z.ZodType>(
  file: string,
  schema: () => Promise<S>,
  precompiled: PrecompiledConfigs | null = PRECOMPILED_CONFIGS,
): Promise<z.infer<S>> {
  let text: string;
  // (The file as the user would type it: see core/display-path.ts.)
  const name = displayPath(file, process.cwd());
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadable(file, e as NodeJS.ErrnoException);
  }
  const entry = precompiled?.[basename(file)];
  if (entry && entry.sha256 === sha256(text)) return structuredClone(entry.data) as z.infer<S>;
  const {LineCounter, parseDocument, isNode} = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: true});
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0].line;
    throw new UserError(`${name}${line ? ` (line ${line})` : ''}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    // (An alias expanded more than maxAliasCount times is refused: a "billion laughs" file would take all memory.)
    data = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT});
  } catch (e) {
    const alias = /alias/i.test((e as Error).message);
    const at = alias ? nestedAlias(doc, lines) : undefined;
    throw new UserError(
      `${name}${at ? `: ${at}` : ''}: invalid YAML: ${alias ? `its aliases (*name) expand more than ${MAX_ALIAS_COUNT} times (a YAML "alias bomb"?): write the values out instead` : (e as Error).message.split('\n')[0]}`,
    );
  }
  const result = (await schema()).safeParse(data);
  if (result.success) return result.data;
  const messages = result.error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.map(String);
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n) as Array<string | number>, true);
      if (isNode(node) && node.range) line = lines.linePos(node.range[0]).line;
    }
    const where = path.length ? path.join('.') : '(top level)';
    return `${name}: ${where}${line ? ` (line ${line})` : ''}: ${issue.message}`;
  });
  const more = result.error.issues.length > 10 ? `\n(and ${result.error.issues.length - 10} more)` : '';
  throw new UserError(`invalid config\n${messages.join('\n')}${more}`);
}

/**
 * A config file that cannot be read, said plainly: a config folder (--config-dir) that does not exist or is not a
 * folder, a file missing from it, or why the file cannot be read.
 */
function unreadable(file: string, e: NodeJS.ErrnoException): UserError {
  const cwd = process.cwd();
  const dir = dirname(file);
  let folder: 'missing' | 'file' | 'ok' = 'ok';
  try {
    if (!statSync(dir).isDirectory()) folder = 'file';
  } catch {
    folder = 'missing';
  }
  if (folder !== 'ok')
    return new UserError(
      `--config-dir ${displayPath(dir, cwd)}: ${folder === 'missing' ? 'the config folder does not exist' : 'it is a file, not a folder'} (it holds icp_rules.yml, previous_customers.yml, deal_model.yml, openai.yml and ingest.yml; without --config-dir: ./config, or the config shipped with stedi-gtm)`,
    );
  if (e.code === 'ENOENT')
    return new UserError(`${displayPath(file, cwd)}: no such config file in the config folder ${displayPath(dir, cwd)} (--config-dir)`);
  return new UserError(`${displayPath(file, cwd)}: cannot read config file (${e.code ?? e.message})`);
}
