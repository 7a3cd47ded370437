import type {z} from 'zod';
import {LIST_SEPARATOR} from '../io/table-codec.js';
import {TABLES} from '../schemas/tables.js';

type Def = {type: string; innerType?: z.ZodType; entries?: Record<string, string>; element?: z.ZodType};
const defOf = (t: z.ZodType) => (t as unknown as {_zod: {def: Def}})._zod.def;

function typeName(t: z.ZodType): string {
  let def = defOf(t);
  let suffix = '';
  while (def.type === 'nullable' || def.type === 'optional') {
    suffix = ', may be empty';
    def = defOf(def.innerType!);
  }
  const base = (() => {
    switch (def.type) {
      case 'enum': return `one of ${Object.values(def.entries ?? {}).map((v) => (v === '' ? '(empty)' : `\`${v}\``)).join(', ')}`;
      case 'number': return 'number';
      case 'boolean': return '`true` / `false`';
      case 'array': return 'list';
      default: return 'text';
    }
  })();
  return base + suffix;
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** docs/data-dictionary.md, generated from the zod table schemas (src/schemas/tables.ts). */
export function dataDictionary(): string {
  const out: string[] = [
    '# Data dictionary',
    '',
    '<!-- Generated from the zod schemas in src/schemas/ by `npm run docs`; a test fails when it is out of date. -->',
    '',
    `Every table is UTF-8 CSV with a header row, fields quoted only where needed, LF line endings. Booleans are \`true\`/\`false\`; list columns join their items with \`${LIST_SEPARATOR}\`; an empty field means unknown or none. Dates are \`YYYY-MM-DD\`.`,
    '',
  ];
  for (const t of TABLES) {
    out.push(`## ${t.file}`, '', `Written by \`stedi-gtm ${t.stage}\`: ${t.grain}.`, '', '| column | type | meaning |', '|---|---|---|');
    for (const [name, type] of Object.entries(t.schema.shape)) {
      out.push(`| \`${name}\` | ${cell(typeName(type as z.ZodType))} | ${cell((type as z.ZodType).description ?? '')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
