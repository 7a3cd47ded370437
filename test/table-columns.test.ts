import {readFileSync} from 'node:fs';
import {z} from 'zod';
import fc from 'fast-check';
import {isPlainText, pickColumns} from '../src/io/table-codec.js';
import {PLAIN_PATTERNS, col, tableColumns} from '../src/schemas/columns.js';
import {CompanySchema, RejectSchema} from '../src/schemas/companies.js';
import {VOCABULARY_NAME, openVocabulary} from '../src/core/vocabulary.js';
import {withVocabulary} from '../src/io/table-check.js';
import {
  contractSchema,
  InvoiceSchema,
  UnifiedCompanySchema,
  dealSchema,
  leadSchema,
  unifiedSalesSchema,
  unifiedSchema,
} from '../src/schemas/deals.js';
import {tableSchemas} from '../src/schemas/tables.js';
import {tableSchemasByName, tablesModule} from '../src/scripts/precompile-tables.js';
import {contractCodec, invoiceCodec} from '../src/stages/billing.js';
import {companyCodec, rejectCodec} from '../src/stages/codecs.js';
import {dealCodec, leadCodec} from '../src/stages/deals.js';
import {unifiedCodec, unifiedCompanyCodec, unifiedSalesCodec} from '../src/stages/unify.js';
import {LEAD_TABLE} from '../src/generated/tables.js';
import {shippedConfig} from './helpers/simulation.js';

const shipped = openVocabulary(shippedConfig());

describe('the generated column lists (src/generated/tables.ts)', () => {
  it('are what the zod table schemas give (`npm run build` rewrites them)', () => {
    expect(readFileSync('src/generated/tables.ts', 'utf8')).toBe(tablesModule(shipped));
  });

  it('hold no config: the columns of an open vocabulary name it, whatever its values', () => {
    expect(tablesModule({lead_sources: ['x', 'trade_shows'], segments: ['y', 'strategic']})).toBe(tablesModule(shipped));
    expect(LEAD_TABLE.find((c) => c.name === 'lead_source')).toEqual({
      name: 'lead_source',
      kind: 'string',
      nullable: false,
      plain: true,
      vocabulary: 'lead_sources',
      values: [''],
    });
    // A reader with the config checks against its values (and '' where the schema allows it).
    const resolved = withVocabulary(LEAD_TABLE, {lead_sources: ['a', 'b_2'], segments: ['s']}).find((c) => c.name === 'lead_source');
    expect(resolved).toEqual({name: 'lead_source', kind: 'string', nullable: false, plain: true, values: ['a', 'b_2', '']});
    expect(tableColumns(leadSchema({lead_sources: ['a', 'b_2'], segments: ['s']})).find((c) => c.name === 'lead_source')).toEqual(
      LEAD_TABLE.find((c) => c.name === 'lead_source'),
    );
  });

  it('cover every table of the data dictionary', () => {
    const generated = Object.values(tableSchemasByName(shipped)).map((t) => JSON.stringify(tableColumns(t.schema)));
    for (const t of tableSchemas(shipped)) expect([t.file, generated.includes(JSON.stringify(tableColumns(t.schema)))]).toEqual([t.file, true]);
  });

  it("are the columns of the stages' codecs, in the schemas' order", () => {
    const [LeadSchema, DealSchema, UnifiedSchema, UnifiedSalesSchema] = [
      leadSchema(shipped),
      dealSchema(shipped),
      unifiedSchema(shipped),
      unifiedSalesSchema(shipped),
    ];
    const codecs = [
      [companyCodec, CompanySchema],
      [rejectCodec, RejectSchema],
      [leadCodec, LeadSchema],
      [dealCodec, DealSchema],
      [contractCodec, contractSchema(shipped)],
      [invoiceCodec, InvoiceSchema],
      [unifiedCodec, UnifiedSchema],
      [unifiedCompanyCodec, UnifiedCompanySchema],
      [unifiedSalesCodec, UnifiedSalesSchema],
    ] as const;
    for (const [codec, schema] of codecs) expect(codec.columns).toEqual(Object.keys(schema.shape));
  });
});

describe('tableColumns', () => {
  it("reads each column's kind and nullability off the zod definition, and what a reader checks", () => {
    const schema = z.object({
      s: z.string().regex(/x/),
      e: z.enum(['a', 'b']),
      l: z.literal('x'),
      n: z.number().int(),
      nn: z.number().nullable(),
      on: z.number().optional(),
      dn: z.number().default(1),
      b: z.boolean(),
      list: z.array(z.string()),
      p: z.number().min(0).max(1),
      id: z.string().regex(PLAIN_PATTERNS.id),
      oid: z.string().regex(PLAIN_PATTERNS.idOrEmpty),
      d: z.string().regex(PLAIN_PATTERNS.dateOrEmpty),
    });
    expect(tableColumns(schema)).toEqual([
      {name: 's', kind: 'string', nullable: false, plain: false},
      {name: 'e', kind: 'string', nullable: false, plain: true, values: ['a', 'b']},
      {name: 'l', kind: 'string', nullable: false, plain: true, values: ['x']},
      {name: 'n', kind: 'number', nullable: false, plain: false, int: true},
      {name: 'nn', kind: 'number', nullable: true, plain: false},
      {name: 'on', kind: 'number', nullable: true, plain: false},
      {name: 'dn', kind: 'number', nullable: false, plain: false},
      {name: 'b', kind: 'boolean', nullable: false, plain: false},
      {name: 'list', kind: 'list', nullable: false, plain: false},
      {name: 'p', kind: 'number', nullable: false, plain: false, min: 0, max: 1},
      {name: 'id', kind: 'string', nullable: false, plain: true, format: 'id'},
      {name: 'oid', kind: 'string', nullable: false, plain: true, format: 'idOrEmpty'},
      {name: 'd', kind: 'string', nullable: false, plain: true, format: 'dateOrEmpty'},
    ]);
    expect(() => tableColumns(z.object({o: z.object({})}))).toThrow(/column type object is not supported/);
  });
});

describe('plain columns (written without a look for characters that need quotes)', () => {
  it('are the enums and literals of texts that need no quotes, and the strings checked against an ID or date format', () => {
    const plain = (type: z.ZodType) => tableColumns(z.object({c: type}))[0].plain;
    expect([plain(z.enum(['a', 'b_c', '10001+', 'x y'])), plain(z.enum(['a', ''])), plain(z.literal('ok'))]).toEqual([true, true, true]);
    // One option that would need quotes makes the column a text column like any other.
    for (const odd of ['a,b', 'say "x"', ' lead', 'trail ', 'x\ny', '\r', '\uFEFF']) expect([odd, plain(z.enum(['a', odd]))]).toEqual([odd, false]);
    expect([plain(col.id('')), plain(col.idOrEmpty('')), plain(col.date('')), plain(col.dateOrEmpty('')), plain(col.date('').nullable())]).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    // Another format, or none, is not trusted.
    expect([plain(z.string().regex(/^[a-z]+$/)), plain(col.text('')), plain(z.string())]).toEqual([false, false, false]);
  });

  it('hold only texts that need no quotes: every string the ID and date formats and a vocabulary name accept (property)', () => {
    for (const pattern of [...Object.values(PLAIN_PATTERNS), VOCABULARY_NAME]) {
      fc.assert(
        fc.property(fc.stringMatching(pattern), (s) => expect([s, isPlainText(s)]).toEqual([s, true])),
        {numRuns: 500},
      );
    }
  });
});

describe('pickColumns', () => {
  it("gives the columns in the order of the keys, as zod's pick does, and throws on a key that is not a column", () => {
    const keys = {icp_tier: true, company_id: true, employees_min: true} as const;
    const picked = pickColumns(tableColumns(CompanySchema), keys);
    expect(picked).toEqual(tableColumns(CompanySchema.pick(keys)));
    expect(picked.map((c) => c.name)).toEqual(['icp_tier', 'company_id', 'employees_min']);
    expect(() => pickColumns(tableColumns(CompanySchema), {nope: true})).toThrow(/Unrecognized key: "nope"/);
  });
});
