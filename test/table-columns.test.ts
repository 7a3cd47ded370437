import {readFileSync} from 'node:fs';
import {z} from 'zod';
import {pickColumns} from '../src/io/table-codec.js';
import {tableColumns} from '../src/schemas/columns.js';
import {CompanySchema, RejectSchema} from '../src/schemas/companies.js';
import {ContractSchema, DealSchema, InvoiceSchema, LeadSchema, UnifiedCompanySchema, UnifiedSalesSchema, UnifiedSchema} from '../src/schemas/deals.js';
import {TABLES} from '../src/schemas/tables.js';
import {TABLE_SCHEMAS, tablesModule} from '../src/scripts/precompile-tables.js';
import {contractCodec, invoiceCodec} from '../src/stages/billing.js';
import {companyCodec, rejectCodec} from '../src/stages/codecs.js';
import {dealCodec, leadCodec} from '../src/stages/deals.js';
import {unifiedCodec, unifiedCompanyCodec, unifiedSalesCodec} from '../src/stages/unify.js';

describe('the generated column lists (src/generated/tables.ts)', () => {
  it('are what the zod table schemas give (run `npm run build && npm run tables` after changing a table schema)', () => {
    expect(readFileSync('src/generated/tables.ts', 'utf8')).toBe(tablesModule());
  });

  it('cover every table of the data dictionary', () => {
    const generated = Object.values(TABLE_SCHEMAS).map((t) => t.schema);
    for (const t of TABLES) expect([t.file, generated.includes(t.schema)]).toEqual([t.file, true]);
  });

  it('are the columns of the stages\' codecs, in the schemas\' order', () => {
    const codecs = [
      [companyCodec, CompanySchema], [rejectCodec, RejectSchema], [leadCodec, LeadSchema], [dealCodec, DealSchema],
      [contractCodec, ContractSchema], [invoiceCodec, InvoiceSchema], [unifiedCodec, UnifiedSchema],
      [unifiedCompanyCodec, UnifiedCompanySchema], [unifiedSalesCodec, UnifiedSalesSchema],
    ] as const;
    for (const [codec, schema] of codecs) expect(codec.columns).toEqual(Object.keys(schema.shape));
  });
});

describe('tableColumns', () => {
  it('reads each column\'s kind and nullability off the zod definition', () => {
    const schema = z.object({
      s: z.string().regex(/x/), e: z.enum(['a', 'b']), l: z.literal('x'), n: z.number().int(), nn: z.number().nullable(),
      on: z.number().optional(), dn: z.number().default(1), b: z.boolean(), list: z.array(z.string()),
    });
    expect(tableColumns(schema)).toEqual([
      {name: 's', kind: 'string', nullable: false},
      {name: 'e', kind: 'string', nullable: false},
      {name: 'l', kind: 'string', nullable: false},
      {name: 'n', kind: 'number', nullable: false},
      {name: 'nn', kind: 'number', nullable: true},
      {name: 'on', kind: 'number', nullable: true},
      {name: 'dn', kind: 'number', nullable: false},
      {name: 'b', kind: 'boolean', nullable: false},
      {name: 'list', kind: 'list', nullable: false},
    ]);
    expect(() => tableColumns(z.object({o: z.object({})}))).toThrow(/column type object is not supported/);
  });
});

describe('pickColumns', () => {
  it('gives the columns in the order of the keys, as zod\'s pick does, and throws on a key that is not a column', () => {
    const keys = {icp_tier: true, company_id: true, employees_min: true} as const;
    const picked = pickColumns(tableColumns(CompanySchema), keys);
    expect(picked).toEqual(tableColumns(CompanySchema.pick(keys)));
    expect(picked.map((c) => c.name)).toEqual(['icp_tier', 'company_id', 'employees_min']);
    expect(() => pickColumns(tableColumns(CompanySchema), {nope: true})).toThrow(/Unrecognized key: "nope"/);
  });
});
