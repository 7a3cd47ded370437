import {readFileSync} from 'node:fs';
import {LineCounter, parseDocument, isNode} from 'yaml';
import {z} from 'zod';
import {UserError} from '../errors.js';

// Each config file is validated once per run: zod's compiled (JIT) parsers cost more to build than they save.
z.config({jitless: true});

/**
 * Reads a YAML config file and validates it with its zod schema. Every problem is reported with the file,
 * the key path and the line, e.g. `config/icp_rules.yml: tiers.tier_1 (line 58): expected number`.
 */
export function loadYamlConfig<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: true});
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0].line;
    throw new UserError(`${file}${line ? ` (line ${line})` : ''}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const messages = result.error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.map(String);
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n) as Array<string | number>, true);
      if (isNode(node) && node.range) line = lines.linePos(node.range[0]).line;
    }
    const where = path.length ? path.join('.') : '(top level)';
    return `${file}: ${where}${line ? ` (line ${line})` : ''}: ${issue.message}`;
  });
  const more = result.error.issues.length > 10 ? `\n(and ${result.error.issues.length - 10} more)` : '';
  throw new UserError(`invalid config\n${messages.join('\n')}${more}`);
}
