/**
 * The compact summary table printed at the end of `run` and by `report`. Pure: returns the text.
 */
import type {ReportSummary} from './figures.js';
import {headline} from './html.js';

/** What `report` returns (and prints under --json): the headline figures, the run's facts, the files. */
export interface ReportResult extends ReportSummary {
  as_of: string;
  seed: number | null;
  /** Path of the HTML report (relative to the working directory when below it). */
  report: string;
  /** Every output file of the run, by table name (paths as `report`'s). */
  outputs: Record<string, string>;
}

function table(rows: ReadonlyArray<readonly string[]>, indent: string): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => (indent + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).trimEnd());
}

/** The summary as aligned lines of text (no colours, no trailing spaces), ending with a newline. */
export function formatSummaryTable(r: ReportResult): string {
  const title = `Dataset as of ${r.as_of}${r.seed === null ? '' : ` (seed ${r.seed})`}`;
  const figures = table(
    headline(r).map((h) => [h.label, h.value, h.detail]),
    '  ',
  );
  const files = table(
    Object.entries(r.outputs).map(([name, path]) => [name, path]),
    '  ',
  );
  return [title, ...figures, 'Files', ...files].join('\n') + '\n';
}
