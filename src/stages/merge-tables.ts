/*
 * The tables of the shards merged record by record into the dataset's (see the top of merge.ts): companies.csv
 * and the tables that follow it, rejects.csv, reps.csv.
 */
import {readFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {countCompany, type CompanyCounts} from '../core/accounts.js';
import {plural} from '../core/format.js';
import {lastSourceRow, nextShard} from '../core/merge-order.js';
import {UserError} from '../errors.js';
import {CsvRecordReader, parseRecord, StagedFileWriter} from '../io/csv-records.js';
import type {Reporter} from '../io/reporter.js';
import type {Company} from '../schemas/companies.js';

/** The tables whose rows follow the companies: by company_id, or by the deal_id of the company's deals. */
const COMPANY_TABLES = [
  {file: 'raw/leads.csv', by: 'company_id'},
  {file: 'raw/deals.csv', by: 'company_id', deals: true},
  {file: 'raw/opportunity_history.csv', by: 'deal_id'},
  {file: 'raw/pipeline_snapshots.csv', by: 'deal_id'},
  {file: 'raw/billing.csv', by: 'company_id'},
  {file: 'raw/invoices.csv', by: 'company_id'},
  {file: 'final/arr_movements.csv', by: 'company_id'},
  {file: 'final/unified.csv', by: 'company_id'},
] as const;

/** One table of every shard, read record by record. */
export class ShardTables {
  readonly readers: CsvRecordReader[];
  constructor(
    readonly file: string,
    dirs: readonly string[],
  ) {
    this.readers = dirs.map((d) => new CsvRecordReader(join(resolve(d), file)));
    const header = this.readers[0].headerBytes;
    for (const [k, r] of this.readers.entries()) {
      if (!r.headerBytes.equals(header))
        throw new UserError(`${r.path}: its header differs from shard 1's ${file} (shard ${k + 1}): the shards come from different versions`);
    }
  }
  close(): void {
    for (const r of this.readers) r.close();
  }
}

/** The head record of one shard's table, with its cells and key cell. */
class Head {
  rec: Buffer | undefined;
  cells: string[] = [];
  key = '';
  constructor(
    private readonly reader: CsvRecordReader,
    private readonly column: number,
  ) {
    this.advance();
  }
  advance(): void {
    this.rec = this.reader.next();
    this.cells = this.rec ? parseRecord(this.rec) : [];
    this.key = this.cells[this.column] ?? '';
  }
  get path(): string {
    return this.reader.path;
  }
  get row(): number {
    return this.reader.rows;
  }
}

/** The shards' folders and tables, and the merged files being written (see mergeShards). */
export interface MergeIo {
  dirs: readonly string[];
  files: ReadonlySet<string>;
  /** Rows written, by file. */
  rows: Record<string, number>;
  /** A merged file of the dataset, staged. */
  open(file: string): StagedFileWriter;
  /** One table of every shard. */
  read(file: string): ShardTables;
}

/** companies.csv, in the order of the export, and the tables that follow it; counts its companies into `counts`. */
export function mergeCompanies(io: MergeIo, reporter: Reporter, counts: CompanyCounts): void {
  const {dirs, rows, open, read} = io;
  const n = dirs.length;
  reporter.start(`Merging ${plural(n, 'shard')}`);
  const companies = read('raw/companies.csv');
  const companiesOut = open('raw/companies.csv');
  companiesOut.writeBytes(companies.readers[0].headerBytes);
  const cols = companies.readers[0].columns;
  const col = (name: string) => {
    const i = cols.indexOf(name);
    if (i === -1) throw new UserError(`${companies.readers[0].path}: no column ${name}`);
    return i;
  };
  const idCol = col('company_id');
  const rowsCol = col('source_rows');
  const countCols = {
    icp_fit: col('icp_fit'),
    icp_tier: col('icp_tier'),
    uses_x12: col('uses_x12'),
    uses_clearinghouse: col('uses_clearinghouse'),
    uses_fhir: col('uses_fhir'),
    uses_hl7: col('uses_hl7'),
    is_previous_customer: col('is_previous_customer'),
    domain_status: col('domain_status'),
    size_band: col('size_band'),
    enrichment_source: col('enrichment_source'),
  };
  const followers = openFollowers(io);
  // Each shard's next company: its record, cells and key (last input row).
  const next = companies.readers.map((r) => ({
    reader: r,
    rec: undefined as Buffer | undefined,
    cells: [] as string[],
    key: undefined as number | undefined,
    last: -1,
  }));
  const load = (k: number) => {
    const h = next[k];
    h.rec = h.reader.next();
    if (!h.rec) {
      h.key = undefined;
      return;
    }
    h.cells = parseRecord(h.rec);
    const key = lastSourceRow(h.cells[rowsCol] ?? '');
    if (!Number.isFinite(key) || key <= h.last) {
      throw new UserError(
        `${h.reader.path}, row ${h.reader.rows + 1}: source_rows ${JSON.stringify(h.cells[rowsCol])} is ${Number.isFinite(key) ? 'out of the order of the export' : 'not a list of row numbers'}: not a companies.csv written by \`stedi-gtm run --shard\` (edited since?)`,
      );
    }
    h.key = h.last = key;
  };
  for (let k = 0; k < n; k++) load(k);
  const keys: Array<number | undefined> = next.map((h) => h.key);
  let merged = 0;
  for (;;) {
    const k = nextShard(keys);
    if (k === -1) break;
    const h = next[k];
    companiesOut.writeRecord(h.rec!);
    const c = h.cells;
    const bool = (i: number) => c[i] === 'true';
    countCompany(counts, {
      icp_fit: bool(countCols.icp_fit),
      icp_tier: c[countCols.icp_tier],
      uses_x12: bool(countCols.uses_x12),
      uses_clearinghouse: bool(countCols.uses_clearinghouse),
      uses_fhir: bool(countCols.uses_fhir),
      uses_hl7: bool(countCols.uses_hl7),
      is_previous_customer: bool(countCols.is_previous_customer),
      domain_status: c[countCols.domain_status],
      size_band: c[countCols.size_band],
      enrichment_source: c[countCols.enrichment_source],
    } as unknown as Company);
    // The company's rows of the other tables: at the head of each of its shard's tables.
    const id = c[idCol];
    const deals = new Set<string>();
    for (const t of followers) {
      const head = t.heads[k];
      const mine = t.by === 'company_id' ? (key: string) => key === id : (key: string) => deals.has(key);
      while (head.rec && mine(head.key)) {
        t.out.writeRecord(head.rec);
        if (t.dealId !== -1) deals.add(head.cells[t.dealId]);
        head.advance();
      }
    }
    load(k);
    keys[k] = h.key;
    if ((++merged & 4095) === 0) reporter.progress(merged);
  }
  // Every row of the other tables belongs to a company, in its order.
  for (const t of followers) {
    for (const head of t.heads) {
      if (head.rec)
        throw new UserError(
          `${head.path}, row ${head.row}: ${t.by} ${head.key} is out of the order of its shard's companies.csv, or of no company in it: the shard's tables do not belong together; run the shard again`,
        );
    }
    rows[t.file] = t.out.rows;
  }
  rows['raw/companies.csv'] = companiesOut.rows;
}

/** rejects.csv, by input row. */
export function mergeRejects(io: MergeIo): void {
  const {rows, open, read} = io;
  const rejects = read('interim/rejects.csv');
  const out = open('interim/rejects.csv');
  out.writeBytes(rejects.readers[0].headerBytes);
  const heads = rejects.readers.map((r) => new Head(r, r.column('row')));
  const key = (h: Head) => (h.rec ? Number(h.key) : undefined);
  const rk = heads.map(key);
  for (let k = nextShard(rk); k !== -1; k = nextShard(rk)) {
    out.writeRecord(heads[k].rec!);
    heads[k].advance();
    rk[k] = key(heads[k]);
  }
  rows['interim/rejects.csv'] = out.rows;
}

/** reps.csv: the configured team, the same in every shard. */
export function copyReps(io: MergeIo): void {
  const {dirs, rows, open, read} = io;
  const bytes = dirs.map((d) => readFileSync(join(resolve(d), 'raw/reps.csv')));
  for (const [k, b] of bytes.entries())
    if (!b.equals(bytes[0]))
      throw new UserError(`${join(dirs[k], 'raw/reps.csv')} differs from shard 1's: the shards were made with different teams (deal_model.yml)`);
  const reps = read('raw/reps.csv').readers[0];
  const out = open('raw/reps.csv');
  out.writeBytes(reps.headerBytes);
  for (let rec = reps.next(); rec; rec = reps.next()) out.writeRecord(rec);
  rows['raw/reps.csv'] = out.rows;
}

/** The tables that follow companies.csv (those the shards have), their merged files opened, each shard's at its first row. */
function openFollowers(io: MergeIo) {
  const {files, open, read} = io;
  return COMPANY_TABLES.filter((t) => files.has(t.file)).map((t) => {
    const shardTables = read(t.file);
    const out = open(t.file);
    out.writeBytes(shardTables.readers[0].headerBytes);
    const heads = shardTables.readers.map((r) => new Head(r, r.column(t.by)));
    // deals.csv: its deal_id, for the rows of the tables keyed by deal.
    const dealId = 'deals' in t ? shardTables.readers[0].column('deal_id') : -1;
    return {...t, heads, out, dealId};
  });
}
