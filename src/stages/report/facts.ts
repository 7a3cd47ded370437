import {existsSync, readFileSync} from 'node:fs';
import {displayPath} from '../../core/display-path.js';
import type {RunFacts} from '../../core/report/html.js';
import type {DataPaths} from '../../io/paths.js';
import type {Reporter} from '../../io/reporter.js';
import {z} from '../../schemas/zod.js';

// Run facts: the summaries the stages leave in <data-dir>/interim. Read leniently: the report is still
// useful when one is missing or from an older version (its facts then show as n/a).
const EnrichFacts = z.object({
  input_file: z.string(),
  input_rows: z.number(),
  companies: z.number(),
  merged_rows: z.number(),
  rejected_rows: z.number(),
  skipped_by_limit: z.number().optional(),
  provider: z.string(),
});
const CheckList = z.array(
  z.object({
    metric: z.string(),
    value: z.number().nullable(),
    n: z.number(),
    range: z.tuple([z.number(), z.number()]),
    interval: z.tuple([z.number(), z.number()]).optional(),
    status: z.string(),
  }),
);
const Retention = z.object({customers: z.number(), nrr: z.number().nullable(), grr: z.number().nullable(), logo_churn: z.number().nullable()});
const SimulationFacts = z.object({
  retention: Retention.optional(),
  retention_by_segment: z.record(z.string(), Retention).optional(),
  retention_by_acv: z.object({large: Retention, small: Retention}).optional(),
  large_contract_arr: z.number().optional(),
  retention_base_date: z.string().optional(),
  arr_bridge: z
    .array(
      z.object({
        quarter: z.string(),
        starting_arr: z.number(),
        new: z.number(),
        expansion: z.number(),
        contraction: z.number(),
        churn: z.number(),
        ending_arr: z.number(),
      }),
    )
    .optional(),
  seed: z.number().optional(),
  as_of: z.string().optional(),
  /** deals_summary.json: the companies simulated (fewer than companies.csv's under `deals --limit`). */
  companies: z.number().optional(),
  window: z.object({start: z.string(), end: z.string()}).optional(),
  checks: CheckList.optional(),
});

/** The retention figures and ARR bridge of billing_summary.json, for the report's retention card (null when absent). */
export function retentionFacts(b: z.infer<typeof SimulationFacts> | null): RunFacts['retention'] {
  if (!b?.retention || !b.arr_bridge) return null;
  const rows: Array<[string, z.infer<typeof Retention>]> = [['all customers', b.retention]];
  for (const [k, v] of Object.entries(b.retention_by_segment ?? {})) rows.push([k, v]);
  if (b.retention_by_acv && b.large_contract_arr !== undefined) {
    rows.push(
      [`ARR > $${b.large_contract_arr.toLocaleString('en-US')}`, b.retention_by_acv.large],
      [`ARR <= $${b.large_contract_arr.toLocaleString('en-US')}`, b.retention_by_acv.small],
    );
  }
  return {base_date: b.retention_base_date ?? '', groups: rows.map(([label, r]) => ({label, ...r})), bridge: b.arr_bridge};
}

/** <data-dir>/interim/<stage>_summary.json of the deals and billing stages. */
export function stageSummaryPath(paths: DataPaths, stage: 'deals' | 'billing'): string {
  return stage === 'deals' ? paths.dealsSummary : paths.billingSummary;
}

function readJson<S extends z.ZodType>(file: string, schema: S, reporter: Reporter): z.infer<S> | null {
  if (!existsSync(file)) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
    reporter.warn(
      `${displayPath(file, process.cwd())}: unexpected content, its facts are left out of the report (${parsed.error.issues[0]?.message})`,
    );
  } catch (e) {
    reporter.warn(`${displayPath(file, process.cwd())}: cannot read it, its facts are left out of the report (${(e as Error).message})`);
  }
  return null;
}

export interface RunFactSources {
  enrich: z.infer<typeof EnrichFacts> | null;
  deals: z.infer<typeof SimulationFacts> | null;
  billing: z.infer<typeof SimulationFacts> | null;
}

export function readRunFacts(paths: DataPaths, reporter: Reporter): RunFactSources {
  return {
    enrich: readJson(paths.enrichSummary, EnrichFacts, reporter),
    deals: readJson(stageSummaryPath(paths, 'deals'), SimulationFacts, reporter),
    billing: readJson(stageSummaryPath(paths, 'billing'), SimulationFacts, reporter),
  };
}
