/**
 * The enrichment quality measure (`npm run eval`, not part of the CLI): runs the rules enrichment on a labelled
 * Clay export (in a temporary data dir, removed afterwards) and prints precision, recall and F1 of each label
 * against the labels (scoring in src/core/quality.ts). Usage, after `npm run build`:
 *   npm run eval [-- --input export.csv] [--labels labels.csv] [--companies companies.csv] [--json] [--errors]
 * --companies: score an already enriched companies.csv (e.g. made by the OpenAI provider) instead of running the
 *   rules enrichment. Defaults: ../shared/eval/enrichment-dev.csv and ../shared/eval/enrichment-dev-labels.csv,
 *   relative to the project root. Exit 0 whatever the figures (a measure, not a gate); 2 on bad input or usage.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {CliError, EXIT, UserError} from '../errors.js';
import {readCsv} from '../io/csv.js';
import {
  BINARY_LABELS,
  evaluate,
  formatFigure,
  LABEL_COLUMNS,
  labelProblems,
  REQUIRED_OUTPUT_COLUMNS,
  STATED_LABELS,
  TARGETS,
  type Figure,
  type LabelRow,
  type Mistake,
  type OutputRow,
  type QualityReport,
} from '../core/quality.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_INPUT = '../shared/eval/enrichment-dev.csv';
const DEFAULT_LABELS = '../shared/eval/enrichment-dev-labels.csv';
/** Mistakes listed per label without --errors. */
const MISTAKES_SHOWN = 5;
/** Confusions of the company kind listed. */
const CONFUSIONS_SHOWN = 8;

const USAGE = `usage: npm run eval -- [--input export.csv] [--labels labels.csv] [--companies companies.csv] [--json] [--errors]
  --input      Clay export to enrich with the rules provider (default ${DEFAULT_INPUT}, from the project root)
  --labels     labels of its companies (default ${DEFAULT_LABELS})
  --companies  score this enriched companies.csv instead of running the enrichment (not with --input)
  --json       print the figures as one JSON object
  --errors     list every mistake (default: the first ${MISTAKES_SHOWN} per label)`;

interface Options {
  /** The Clay export to enrich (undefined under --companies), and whether it is the default. */
  input?: {path: string; isDefault: boolean};
  labels: {path: string; isDefault: boolean};
  companies?: string;
  json: boolean;
  errors: boolean;
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({values} = parseArgs({
      args: argv,
      options: {
        input: {type: 'string'},
        labels: {type: 'string'},
        companies: {type: 'string'},
        json: {type: 'boolean', default: false},
        errors: {type: 'boolean', default: false},
        help: {type: 'boolean', short: 'h', default: false},
      },
    }));
  } catch (e) {
    throw new UserError((e as Error).message, {suggestions: [USAGE]});
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.input !== undefined && values.companies !== undefined)
    throw new UserError('--input and --companies exclude each other: --companies scores a companies.csv without enriching', {suggestions: [USAGE]});
  return {
    input: values.companies === undefined ? {path: values.input ?? DEFAULT_INPUT, isDefault: values.input === undefined} : undefined,
    labels: {path: values.labels ?? DEFAULT_LABELS, isDefault: values.labels === undefined},
    companies: values.companies,
    json: values.json!,
    errors: values.errors!,
  };
}

/**
 * A path given on the command line is read from the folder the command was typed in (npm run moves to the project
 * root and says where it came from in INIT_CWD); a default from the project root.
 */
function located(path: string, isDefault: boolean, what: string): string {
  const file = isDefault ? resolve(ROOT, path) : resolve(process.env.INIT_CWD ?? process.cwd(), path);
  if (!existsSync(file)) {
    const hint = isDefault ? `: the default, read from the project root (${ROOT}); pass --input and --labels to score another labelled export` : '';
    throw new UserError(`${path}: no such file (the ${what})${hint}`);
  }
  if (!statSync(file).isFile()) throw new UserError(`${path}: not a file (the ${what})`);
  return file;
}

/** Reads a CSV into records by column name; the header must have `required`. */
async function readRecords(
  file: string,
  shown: string,
  required: readonly string[],
  lowerHeader: boolean,
): Promise<{columns: string[]; rows: Array<{row: number; record: Record<string, string>}>}> {
  let columns: string[] = [];
  const rows: Array<{row: number; record: Record<string, string>}> = [];
  await readCsv(file, {
    onHeader(header) {
      columns = header.map((h) => (lowerHeader ? h.trim().toLowerCase() : h.trim()));
      const missing = required.filter((c) => !columns.includes(c));
      if (missing.length) throw new UserError(`${shown}: missing column(s) ${missing.join(', ')} (found: ${columns.join(', ')})`);
    },
    onRecord(r) {
      const record: Record<string, string> = {};
      columns.forEach((c, i) => (record[c] = r.fields[i] ?? ''));
      rows.push({row: r.row, record});
    },
    onMalformed(r, message) {
      throw new UserError(`${shown}: row ${r.row} (line ${r.line}) cannot be read: ${message}`);
    },
  });
  return {columns, rows};
}

async function readLabels(file: string, shown: string): Promise<LabelRow[]> {
  const {rows} = await readRecords(file, shown, LABEL_COLUMNS, true);
  const labels = rows.map(({row, record}): LabelRow => ({row, name: record.name, domain: record.domain, values: record}));
  const problems = labelProblems(labels);
  if (problems.length) {
    const listed = problems
      .slice(0, 10)
      .map((p) => `  row ${p.row}, ${p.field}: "${p.value}"`)
      .join('\n');
    throw new UserError(
      `${shown}: ${problems.length} label value(s) not allowed (kind: a company kind, unknown or unsure; the others: yes, likely, no, unknown or unsure):\n${listed}${problems.length > 10 ? '\n  ...' : ''}`,
    );
  }
  return labels;
}

/** Runs the rules enrichment of `input` into a fresh temporary data dir; returns its companies (the dir is removed). */
async function enrichWithRules(input: string, shown: string): Promise<{columns: string[]; rows: OutputRow[]}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stedi-gtm-eval-'));
  try {
    const args = [
      join(ROOT, 'bin', 'run.js'),
      'enrich',
      '--provider',
      'rules',
      '--input',
      input,
      '--data-dir',
      dataDir,
      '--config-dir',
      join(ROOT, 'config'),
      '--quiet',
    ];
    const run = spawnSync(process.execPath, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
    if (run.status !== 0) {
      const why = run.stderr.trim() || run.error?.message || `signal ${run.signal}`;
      if (run.status === 2) throw new UserError(`${shown}: the enrichment refused it: ${why}`);
      throw new Error(`the rules enrichment of ${shown} failed (exit ${run.status}): ${why}`);
    }
    const {columns, rows} = await readRecords(join(dataDir, 'raw', 'companies.csv'), 'companies.csv', REQUIRED_OUTPUT_COLUMNS, false);
    return {columns, rows: rows.map((r) => r.record)};
  } finally {
    rmSync(dataDir, {recursive: true, force: true});
  }
}

function table(rows: readonly string[][], indent = '  '): string {
  const widths: number[] = [];
  // A row's last cell is not padded, so it may run across the columns after it (e.g. "column missing").
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, i === r.length - 1 ? 0 : c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The three figures, or one n/a (the row's last cell) when all three are n/a for the same reason. */
function prf(p: Figure, r: Figure, f: Figure): string[] {
  if ('na' in p && 'na' in r && 'na' in f && p.na === r.na && r.na === f.na) return [formatFigure(p)];
  return [formatFigure(p), formatFigure(r), formatFigure(f)];
}

const MARK = {pass: 'pass', fail: 'FAIL', 'n/a': 'n/a', 'column missing': 'column missing'} as const;

function render(r: QualityReport, source: string, labelsShown: string, allErrors: boolean): string {
  const out: string[] = [];
  out.push('Enrichment quality (npm run eval)');
  out.push(`  companies: ${source}: ${r.outputs} companies`);
  out.push(
    `  labels:    ${labelsShown}: ${r.labels} rows, ${r.joined} joined (${r.joinedByDomain} by domain, ${r.joinedByName} by name), ${r.unjoined.length} unjoined`,
  );
  for (const u of r.unjoined) out.push(`    unjoined: row ${u.row} ${u.name}${u.domain ? ` (${u.domain})` : ''}: ${u.reason}`);

  out.push('', 'Labels (positive = yes or likely, negative = no; unknown and unsure left out)');
  const rows = [['label', 'scored', 'pos', 'neg', 'left out', 'tp', 'fp', 'fn', 'tn', 'precision', 'recall', 'F1']];
  for (const b of BINARY_LABELS) {
    const s = r.binary[b];
    if ('missing' in s) rows.push([b, 'column missing']);
    else
      rows.push([
        b,
        ...[s.scored, s.positives, s.negatives, s.ignored + s.outOfScope, s.tp, s.fp, s.fn, s.tn].map(String),
        ...prf(s.precision, s.recall, s.f1),
      ]);
  }
  out.push(table(rows));
  const icp = r.binary.icp_fit;
  if (!('missing' in icp))
    out.push(
      `  icp_fit is judged only on companies in the US or of unknown country whose size band is not 1: ${icp.outOfScope} labelled companies out of scope (in "left out").`,
    );

  out.push('', 'Recall of stated mentions ("yes" labels alone)');
  out.push(
    table(
      STATED_LABELS.map((b) => {
        const s = r.stated[b];
        return 'missing' in s ? [b, 'column missing'] : [b, `${s.found} of ${s.positives} found`, formatFigure(s.recall)];
      }),
    ),
  );

  out.push('', 'Company kind (kind against company_kind)');
  const k = r.kind;
  if ('missing' in k) out.push(`  column missing (${k.missing})`);
  else {
    out.push(`  accuracy ${formatFigure(k.accuracy)} (${k.correct} of ${k.scored} right; ${k.ignored} left out)`);
    out.push(
      table([
        ['kind', 'labelled', 'output', 'right', 'precision', 'recall', 'F1'],
        ...k.perKind.map((f) => [f.kind, String(f.positives), String(f.flagged), String(f.tp), ...prf(f.precision, f.recall, f.f1)]),
      ]),
    );
    if (k.confusions.length) {
      out.push('  most frequent mistakes (label -> output):');
      out.push(
        table(
          k.confusions.slice(0, CONFUSIONS_SHOWN).map((c) => [`${c.label} -> ${c.output || '(empty)'}`, String(c.count)]),
          '    ',
        ),
      );
    }
  }

  out.push('', 'Competitors');
  const c = r.competitors;
  out.push(
    `  labelled is_competitor=yes: ${c.labelled}; of those flagged is_competitor: ${c.labelledFlagged === null ? 'column missing' : c.labelledFlagged}`,
  );
  out.push(
    `  competitors (labelled, or flagged in the output) flagged as clearinghouse users: ${
      c.asClearinghouseUsers === null
        ? 'column missing'
        : `${c.asClearinghouseUsers.length}${c.asClearinghouseUsers.length ? ` (${c.asClearinghouseUsers.map((u) => u.name).join(', ')})` : ''}`
    }`,
  );

  out.push('', 'Targets');
  out.push(table(r.targets.map((t) => [t.target, t.actual, MARK[t.status]])));
  const tally = (s: string) => r.targets.filter((t) => t.status === s).length;
  out.push(`  ${tally('pass')} pass, ${tally('fail')} fail, ${tally('n/a')} n/a, ${tally('column missing')} column missing`);

  out.push('', `Mistakes (${allErrors ? 'all' : `first ${MISTAKES_SHOWN} per label; --errors lists all`})`);
  const lists: Array<[string, Mistake[]]> = [];
  for (const b of BINARY_LABELS) {
    const s = r.binary[b];
    if (!('missing' in s)) lists.push([b, s.mistakes]);
  }
  for (const b of STATED_LABELS) {
    const s = r.stated[b];
    if (!('missing' in s)) lists.push([`${b} (stated "yes" missed)`, s.mistakes]);
  }
  if (!('missing' in k)) lists.push(['kind', k.mistakes]);
  for (const [name, mistakes] of lists) {
    if (!mistakes.length) continue;
    out.push(`  ${name}: ${mistakes.length}`);
    for (const m of allErrors ? mistakes : mistakes.slice(0, MISTAKES_SHOWN)) {
      out.push(
        `    ${m.name}${m.domain ? ` (${m.domain})` : ''}: label ${m.label}, output ${m.output || '(empty)'}${m.reason ? `; ${m.reason.replace(/\s+/g, ' ')}` : ''}`,
      );
    }
    if (!allErrors && mistakes.length > MISTAKES_SHOWN) out.push(`    ... ${mistakes.length - MISTAKES_SHOWN} more`);
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const labelsFile = located(opts.labels.path, opts.labels.isDefault, 'labels');
  const labels = await readLabels(labelsFile, opts.labels.path);
  let source: string;
  let companies: {columns: string[]; rows: OutputRow[]};
  if (opts.companies !== undefined) {
    const file = located(opts.companies, false, 'enriched companies.csv');
    const {columns, rows} = await readRecords(file, opts.companies, REQUIRED_OUTPUT_COLUMNS, false);
    companies = {columns, rows: rows.map((x) => x.record)};
    source = opts.companies;
  } else {
    const input = opts.input!;
    const file = located(input.path, input.isDefault, 'Clay export');
    companies = await enrichWithRules(file, input.path);
    source = `rules enrichment of ${input.path}`;
  }
  const report = evaluate(labels, companies.rows, companies.columns);
  if (opts.json) {
    process.stdout.write(JSON.stringify({companies: source, labels_file: opts.labels.path, targets_min: TARGETS, ...report}, null, 2) + '\n');
  } else {
    process.stdout.write(render(report, source, opts.labels.path, opts.errors));
  }
}

// A reader that stops early (`npm run eval | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

try {
  await main();
} catch (e) {
  if (e instanceof CliError) {
    process.stderr.write(`Error: ${e.message}\n${(e.suggestions ?? []).map((s) => `${s}\n`).join('')}`);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`Error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = EXIT.failure;
  }
}
