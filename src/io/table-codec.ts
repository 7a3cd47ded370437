import {z} from 'zod';
import {LIST_SEPARATOR} from '../schemas/columns.js';

type Kind = 'string' | 'number' | 'boolean' | 'list';
interface Column {
  name: string;
  kind: Kind;
  nullable: boolean;
}

/** Reads a column's kind off its zod definition, once per table. */
function kindOf(type: z.ZodType): {kind: Kind; nullable: boolean} {
  let def = (type as unknown as {_zod: {def: {type: string; innerType?: z.ZodType}}})._zod.def;
  let nullable = false;
  while (def.type === 'nullable' || def.type === 'optional' || def.type === 'default') {
    nullable = nullable || def.type !== 'default';
    def = (def.innerType as unknown as {_zod: {def: typeof def}})._zod.def;
  }
  switch (def.type) {
    case 'number': return {kind: 'number', nullable};
    case 'boolean': return {kind: 'boolean', nullable};
    case 'array': return {kind: 'list', nullable};
    case 'string': case 'enum': case 'literal': return {kind: 'string', nullable};
    default: throw new Error(`table column type ${def.type} is not supported`);
  }
}

/**
 * Encodes and decodes rows of a table whose zod object schema defines the columns (names, order, kinds).
 * Numbers are written as is (callers round), booleans as true/false, lists joined with " | ", null as ''.
 */
export class TableCodec<T extends Record<string, unknown>> {
  readonly columns: readonly string[];
  private readonly cols: Column[];

  constructor(readonly schema: z.ZodObject) {
    this.cols = Object.entries(schema.shape).map(([name, type]) => ({name, ...kindOf(type as z.ZodType)}));
    this.columns = this.cols.map((c) => c.name);
  }

  encode(row: T): string[] {
    const out = new Array<string>(this.cols.length);
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      const v = row[c.name];
      if (v === null || v === undefined) out[i] = '';
      else if (c.kind === 'list') out[i] = (v as string[]).map((s) => s.replaceAll('|', '/')).join(LIST_SEPARATOR);
      else out[i] = String(v);
    }
    return out;
  }

  /** Decodes one CSV record whose fields are in `this.columns` order (see `indexer` for other orders). */
  decode(fields: readonly string[]): T {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      const s = fields[i] ?? '';
      switch (c.kind) {
        case 'string': row[c.name] = s; break;
        case 'number': row[c.name] = s === '' ? (c.nullable ? null : Number.NaN) : Number(s); break;
        case 'boolean': row[c.name] = s === 'true'; break;
        case 'list': row[c.name] = s === '' ? [] : s.split(LIST_SEPARATOR); break;
      }
    }
    return row as T;
  }

  /** Validates a decoded or produced row against the schema; returns the zod issues (empty when valid). */
  check(row: T): string[] {
    const result = this.schema.safeParse(row);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
}
