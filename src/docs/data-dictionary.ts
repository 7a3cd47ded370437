import type {z} from 'zod';
import {LIST_SEPARATOR} from '../io/table-codec.js';
import {OPEN_COLUMNS} from '../schemas/columns.js';
import type {TableDoc} from '../schemas/tables.js';

type Def = {type: string; innerType?: z.ZodType; entries?: Record<string, string>; element?: z.ZodType};
const defOf = (t: z.ZodType) => (t as unknown as {_zod: {def: Def}})._zod.def;

const value = (v: string) => (v === '' ? '(empty)' : `\`${v}\``);

function typeName(t: z.ZodType): string {
  const open = OPEN_COLUMNS.get(t);
  if (open) {
    const values = Object.values(defOf(t).entries ?? {});
    const shipped = values.slice(0, values.length - open.also.length);
    return `one of deal_model.yml ${open.vocabulary} (shipped: ${shipped.map(value).join(', ')})${open.also.map((v) => `, ${value(v)}`).join('')}`;
  }
  let def = defOf(t);
  let suffix = '';
  while (def.type === 'nullable' || def.type === 'optional') {
    suffix = ', may be empty';
    def = defOf(def.innerType!);
  }
  const base = (() => {
    switch (def.type) {
      case 'enum':
        return `one of ${Object.values(def.entries ?? {})
          .map(value)
          .join(', ')}`;
      case 'number':
        return 'number';
      case 'boolean':
        return '`true` / `false`';
      case 'array':
        return 'list';
      default:
        return 'text';
    }
  })();
  return base + suffix;
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * docs/data-dictionary.md, generated from the zod table schemas (src/schemas/tables.ts) as built from the shipped
 * config (`tables`: tableSchemas of its open vocabularies): a column of an open vocabulary shows the shipped values.
 */
export function dataDictionary(tables: readonly TableDoc[]): string {
  const out: string[] = [
    '# Data dictionary',
    '',
    '<!-- Generated from the zod schemas in src/schemas/ by `npm run build`; a test fails when it is out of date. -->',
    '',
    `Every table is UTF-8 CSV with a header row, fields quoted only where needed, LF line endings. Booleans are \`true\`/\`false\`; list columns join their items with \`${LIST_SEPARATOR}\`; an empty field means unknown or none. Dates are \`YYYY-MM-DD\`. In Parquet and DuckDB (\`--format parquet\`, \`stedi-gtm export\`) the columns are typed, and an empty date, enum value or ID of another row (\`previous_deal_id\`, ...) is NULL.`,
    '',
  ];
  for (const t of tables) {
    out.push(`## ${t.file}`, '', `Written by \`stedi-gtm ${t.stage}\`: ${t.grain}.`, '', '| column | type | meaning |', '|---|---|---|');
    for (const [name, type] of Object.entries(t.schema.shape)) {
      out.push(`| \`${name}\` | ${cell(typeName(type as z.ZodType))} | ${cell((type as z.ZodType).description ?? '')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
