import {Command, Errors, Flags, Interfaces} from '@oclif/core';
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, rmdirSync, statSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {config as loadDotenv} from 'dotenv';
import {displayPath} from './core/display-path.js';
import {valueColumn, wrapText} from './core/format.js';
import {closestMatch, shellWord} from './core/strings.js';
import {CliError, EXIT, fileSystemError, UserError} from './errors.js';
import {confirmPaidCalls} from './io/confirm.js';
import {Dataset} from './io/dataset.js';
import {cleanUpOnSignals} from './io/interrupt.js';
import {hashFile, type Manifest, type ManifestRun} from './io/manifest.js';
import {brokenStream, watchOutputStreams, writeError} from './io/streams.js';
import {providerChoices, providerFlagDescription} from './providers/index.js';
import type {EnrichPlan} from './providers/types.js';
import {createReporter, reporterMode, type Reporter} from './io/reporter.js';
import {FLAG_DEFAULTS} from './defaults.js';
import {dataPaths, foundFormat, resolveWithFallback, type DataPaths} from './io/paths.js';
import {chooseFormat, FORMAT_NAMES, formatFlagValue, formats, tableFormat} from './io/formats/index.js';

/** The commands that take --format (a hint naming one repeats the format). */
const FORMAT_COMMANDS = new Set(['enrich', 'deals', 'billing', 'unify', 'run', 'report']);

/** Whether this process's table format was chosen by a command's --format (or found in its data folder). */
let formatFromFlag = false;

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/** Where a command's files are, after defaults and packaged fallbacks are applied. */
export interface Setup {
  paths: DataPaths;
  configDir: string;
  input: string;
  /** How summaries and the report name the input (see Resolved.name); undefined: by its path. */
  inputName?: string;
  cacheDir: string;
  seed: number;
  /** Whether --seed was given (a stage that extends tables takes their seed otherwise). */
  seedGiven: boolean;
  limit?: number;
  reporter: Reporter;
}

/**
 * The flags every stage shares, .env loading, progress reporting and exit codes:
 * 0 success, 2 bad input / usage / config, 1 unexpected failure (or a fatal provider error).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true;

  /** The flags are listed under FLAGS below; the usage line need not repeat them all. */
  static usage = '<%= command.id %> [FLAGS]';

  static baseFlags = {
    // oclif's own --json flag, described like every other flag (this definition replaces it).
    json: Flags.boolean({
      description: "Print the command's result as one JSON object on stdout and nothing else (an error as {error: {message, exit}}).",
      helpGroup: 'GLOBAL',
    }),
    seed: Flags.integer({
      description: 'Random seed: the same seed gives byte-identical outputs.',
      default: FLAG_DEFAULTS.seed,
      min: 0,
      max: 2 ** 32 - 1,
      helpGroup: 'GLOBAL',
    }),
    input: Flags.string({
      description: 'The Clay company export (CSV, UTF-8). When the default is absent, the sample shipped with stedi-gtm.',
      default: FLAG_DEFAULTS.input,
      helpGroup: 'GLOBAL',
    }),
    'data-dir': Flags.string({
      description: 'Root of the outputs: its raw/, interim/ and final/ folders.',
      default: FLAG_DEFAULTS.dataDir,
      helpGroup: 'GLOBAL',
    }),
    'config-dir': Flags.string({
      description:
        'Folder with icp_rules.yml, previous_customers.yml, deal_model.yml, openai.yml and ingest.yml. When the default is absent, the config shipped with stedi-gtm.',
      default: FLAG_DEFAULTS.configDir,
      helpGroup: 'GLOBAL',
    }),
    'cache-dir': Flags.string({
      description: 'Enrichment cache (OpenAI answers). [default: <data-dir>/interim/enrich_cache]',
      helpGroup: 'GLOBAL',
    }),
    limit: Flags.integer({
      description: 'Only the first N companies after cleaning and merging.',
      min: 1,
      helpGroup: 'GLOBAL',
    }),
    provider: Flags.string({
      description: providerFlagDescription(),
      options: providerChoices(),
      default: FLAG_DEFAULTS.provider,
      helpGroup: 'GLOBAL',
    }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'Print nothing but errors (and the result under --json).',
      default: false,
      helpGroup: 'GLOBAL',
    }),
  };

  /**
   * Shared flags that mean nothing to this command, with why: given explicitly, they are refused (exit 2)
   * rather than silently ignored (`report --seed 9`, `deals --provider openai`).
   */
  static notApplicable: Readonly<Record<string, string>> = {};

  /**
   * The tables' format when a command with --format (formatFlags) is not given one: csv, or `found`, the format of
   * the tables already in --data-dir (a command that only reads them).
   */
  static formatDefault: 'csv' | 'found' = 'csv';

  protected flags!: BaseFlags<T>;
  /** The data folders that did not exist when the command started (deepest first). */
  private newFolders: string[] = [];
  protected reporter?: Reporter;
  /** The data folder this command writes into: locked, and committed whole by commitDataset (see io/dataset.ts). */
  private dataset?: Dataset;
  private datasetRun?: {input?: string; inputName?: string; inputHash?: Promise<string | undefined>; configDir: string; stop: AbortController};

  public async init(): Promise<void> {
    // A closed stdout or stderr (EPIPE: `run 2>&1 >/dev/null | head -1`) must not end the run; see io/streams.ts.
    watchOutputStreams();
    await super.init();
    loadDotenv({quiet: true});
    const {flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
  }

  /** Whether this run reads the Clay export (--input): only then is the shipped sample's use announced. */
  protected readsInput(): boolean {
    return false;
  }

  /**
   * A message with every suggested command line (`stedi-gtm <command> ...` in backquotes) given the user's
   * --data-dir, when it is not the default, so that the hint can be run as it is.
   */
  protected withDataDir(message: string): string {
    const dir = (this.flags as BaseFlags<typeof BaseCommand> | undefined)?.['data-dir'];
    // The tables' format too, when it is not CSV, for the commands that take --format.
    // (report reads one format: the one read back, Parquet when both are written.)
    const value = (cmd: string) => (cmd === 'report' ? tableFormat().name : formatFlagValue());
    const format = (cmd: string, rest: string) =>
      value(cmd) !== 'csv' && FORMAT_COMMANDS.has(cmd) && !rest.includes('--format') ? ` --format ${value(cmd)}` : '';
    const arg = dir === undefined || dir === FLAG_DEFAULTS.dataDir ? undefined : shellWord(dir);
    return message.replace(/`stedi-gtm ([a-z]+)([^`]*)`/g, (all, cmd: string, rest: string) => {
      const more = `${format(cmd, rest)}${arg === undefined || rest.includes('--data-dir') ? '' : ` --data-dir ${arg}`}`;
      return more === '' ? all : `\`stedi-gtm ${cmd}${rest}${more}\``;
    });
  }

  /** Asks (or refuses, when nobody can answer) before paid calls above confirm_above_usd: see confirmPaidCalls. */
  protected confirmer(reporter: Reporter): (plan: EnrichPlan) => Promise<void> {
    const f = this.flags as Record<string, unknown>;
    return (plan) =>
      confirmPaidCalls(plan, {
        yes: f.yes === true,
        maxCost: typeof f['max-cost'] === 'number' ? f['max-cost'] : undefined,
        reporter,
        interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
      });
  }

  /**
   * Resolves paths (with packaged fallbacks), creates the progress reporter and, unless `writes` is false
   * (--dry-run), takes the data folder's lock and opens its dataset: the files the command writes there are
   * put in place together by commitDataset. When the command reads the Clay export (readsInput), its SHA-256
   * goes into the manifest (hashed while the command runs).
   */
  protected async setup(opts: {writes?: boolean} = {}): Promise<Setup> {
    const f = this.flags as BaseFlags<typeof BaseCommand>;
    const reporter = withHints(await createReporter(reporterMode({json: this.jsonEnabled(), quiet: f.quiet})), (m) => this.withDataDir(m));
    this.reporter = reporter;
    const explicit = (name: string) => this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    for (const [flag, why] of Object.entries((this.ctor as typeof BaseCommand).notApplicable)) {
      if (explicit(flag)) throw new UserError(`--${flag} does not apply to ${this.id ?? this.constructor.name.toLowerCase()}: ${why}; leave it out`);
    }
    const config = resolveWithFallback(f['config-dir'], FLAG_DEFAULTS.configDir, explicit('config-dir'), 'config');
    const input = this.readsInput() ? resolveWithFallback(f.input, FLAG_DEFAULTS.input, explicit('input'), 'sample input') : {path: resolve(f.input)};
    const width = process.stderr.isTTY ? process.stderr.columns : undefined;
    for (const r of [config, input]) if (r.fallback && !f.quiet) process.stderr.write(`${wrapText(r.fallback, width)}\n`);
    // The tables' format, before any path is made (paths take its extension).
    await this.chooseTableFormat((this.flags as {format?: string}).format, f['data-dir']);
    const paths = dataPaths(f['data-dir']);
    // Before any work: a --data-dir that is a file would fail only when the first table is written.
    if (existsSync(paths.root) && !statSync(paths.root).isDirectory()) throw new UserError(`--data-dir ${f['data-dir']} is a file, not a folder`);
    cleanUpOnSignals(
      [paths.raw, paths.interim, paths.final],
      () => reporter.stop(),
      () => this.dataset?.discard(),
    );
    // Folders a failed command made and left empty are removed (see catch): bad input leaves nothing behind.
    this.newFolders = [paths.raw, paths.interim, paths.final, join(paths.root, '.stedi-gtm'), paths.root].filter((d) => !existsSync(d));
    if (opts.writes !== false) {
      this.dataset = Dataset.open(paths.root, {
        command: [this.id ?? '', ...this.argv].join(' '),
        warn: (m) => reporter.warn(m),
        info: (m) => reporter.info(m),
        what: `--data-dir ${f['data-dir']}`,
      });
      const stop = new AbortController();
      const inputHash = this.readsInput() && isFile(input.path) ? hashFile(input.path, stop.signal).catch(() => undefined) : undefined;
      this.datasetRun = {input: this.readsInput() ? input.path : undefined, inputName: input.name, inputHash, configDir: config.path, stop};
    }
    return {
      paths,
      configDir: config.path,
      input: input.path,
      inputName: input.name,
      cacheDir: f['cache-dir'] ?? paths.defaultCache,
      seed: f.seed,
      seedGiven: explicit('seed'),
      limit: f.limit,
      reporter,
    };
  }

  /**
   * Chooses the tables' format (see formatDefault). Without --format the process's format stays as it is (CSV,
   * unless a caller registered and chose another in-process, as test/table-format.test.ts does), except that a
   * format an earlier command of the same process took from its flag is not carried over.
   */
  private async chooseTableFormat(flag: string | undefined, dataDir: string): Promise<void> {
    let name = flag;
    const readsOnly = (this.ctor as typeof BaseCommand).formatDefault === 'found';
    // A command that only reads (report) reads one format: its --help says csv|parquet, and so do its errors.
    if (name !== undefined && readsOnly) {
      const one = name.trim().toLowerCase();
      if (one.includes(','))
        throw new UserError(
          `--format ${name}: ${this.id} reads the tables in one format; give csv or parquet (a folder that holds both is read in either)`,
        );
      if (!FORMAT_NAMES.includes(one) && !formats().some((f) => f.name === one))
        throw new UserError(`--format ${name}: "${one}" is not a table format; give csv or parquet`);
    }
    if (name === undefined && readsOnly) {
      const found = foundFormat(dataDir, tableFormat().extension);
      // The folder's tables are in this process's format already: it stays.
      if (found === 'current') return;
      name = found;
    }
    name ??= formatFromFlag ? 'csv' : undefined;
    formatFromFlag = name !== undefined && name !== 'csv';
    if (name !== undefined) await chooseFormat(name);
  }

  /**
   * Puts every file the command wrote into the data folder in place at once, with the manifest (see
   * io/dataset.ts). `reads`: the dataset files the command read (paths relative to the data folder).
   */
  protected async commitDataset(run: {
    as_of: string | null;
    reads: readonly string[];
    from?: string | null;
    record?: Partial<Pick<ManifestRun, 'seed' | 'input' | 'config' | 'shard' | 'merged' | 'exported'>>;
  }): Promise<Manifest | undefined> {
    const d = this.dataset;
    const r = this.datasetRun;
    if (!d || !r) return undefined;
    const sha = await r.inputHash;
    const f = this.flags as BaseFlags<typeof BaseCommand>;
    return d.commit({
      command: this.id ?? '',
      from: run.from ?? null,
      // (A command that refuses --seed draws nothing: its run has no seed.)
      seed: 'seed' in (this.ctor as typeof BaseCommand).notApplicable ? null : f.seed,
      as_of: run.as_of,
      version: this.config.version,
      // (The shipped sample by its package path, as in the summaries: the same bytes wherever npx unpacked it.)
      input: r.input && sha ? {path: r.inputName ?? displayPath(r.input, process.cwd()), sha256: sha} : null,
      config: configHashes(r.configDir),
      reads: run.reads,
      // (What the command says of itself beyond the flags: a shard's K/N, what merge combined.)
      ...run.record,
    });
  }

  /** Not committed (a failure, or nothing to commit): the folder keeps its dataset; the lock is given up. */
  private releaseDataset(): void {
    this.datasetRun?.stop.abort();
    this.dataset?.discard();
    this.dataset = undefined;
  }

  protected async finally(err: Error | undefined): Promise<unknown> {
    this.releaseDataset();
    return super.finally(err);
  }

  protected async catch(thrown: Error): Promise<void> {
    this.reporter?.stop();
    // The dataset first (its lock goes), so that the folders it alone made are empty and go too.
    this.releaseDataset();
    removeEmptyFolders(this.newFolders);
    if (thrown instanceof Errors.ExitError) throw thrown;
    const err = this.reported(fileSystemError(thrown) ?? thrown);
    const exit = err instanceof CliError ? err.exitCode : EXIT.failure;
    process.exitCode = exit;
    if (this.jsonEnabled()) {
      // (The suggestions are for a reader at a terminal: the JSON error keeps its shape.)
      this.logJson({error: {message: err.message, exit}});
      if (!(err instanceof CliError) && process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
      return;
    }
    if (err instanceof CliError) {
      // (On stdout when stderr is closed: a failure is never silent.)
      writeError(`Error: ${err.message}\n${(err.suggestions ?? []).map((s) => `${s}\n`).join('')}`);
      return;
    }
    if (brokenStream(process.stderr)) {
      writeError(`Error: ${err.message}\n`);
      return;
    }
    throw err;
  }

  /**
   * An error as this command reports it: ours (CliError) with the --data-dir the user gave in its hints;
   * oclif's parse errors (a CLIError, or an error with the exit code of package.json's oclif.exitCodes, e.g.
   * a --seed that is not an integer) as one clean line with the closest flag and where to read about them;
   * anything else as it is (unexpected: exit 1).
   */
  private reported(err: Error): Error {
    if (err instanceof CliError) {
      return new CliError(this.withDataDir(err.message), {exit: err.exitCode, suggestions: err.suggestions?.map((s) => this.withDataDir(s))});
    }
    const exit = (err as Partial<Errors.CLIError>).oclif?.exit;
    if (!(err instanceof Errors.CLIError) && exit === undefined) return err;
    const code = exit ?? EXIT.usage;
    return new CliError(parseErrorMessage(err, this.flagNames()), {
      exit: code,
      suggestions: code === EXIT.usage && this.id ? [`See: ${this.config.bin} ${this.id} --help`] : undefined,
    });
  }

  /**
   * Prints a stage's summary on stdout (not under --json): on a terminal, wrapped to its width, each line
   * continuing under its value column ("  label      value").
   */
  protected say(text: string): void {
    if (this.jsonEnabled()) return;
    this.log(wrapText(text, process.stdout.isTTY ? process.stdout.columns : undefined, valueColumn));
  }

  /** The names of this command's flags, as typed (--no-report too), for "did you mean". */
  private flagNames(): string[] {
    const ctor = this.ctor as typeof BaseCommand;
    const flags = {...ctor.baseFlags, ...ctor.flags} as Record<string, {hidden?: boolean; allowNo?: boolean; char?: string}>;
    return Object.entries(flags)
      .filter(([, f]) => !f.hidden)
      .flatMap(([name, f]) => [`--${name}`, ...(f.allowNo ? [`--no-${name}`] : [])]);
  }
}

/** The reporter with `hint` applied to its messages (see withDataDir). */
function withHints(r: Reporter, hint: (m: string) => string): Reporter {
  return {...r, succeed: (m) => r.succeed(hint(m)), info: (m) => r.info(hint(m)), warn: (m) => r.warn(hint(m))};
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The config files whose SHA-256 the manifest records. */
const CONFIG_FILES = ['icp_rules.yml', 'previous_customers.yml', 'deal_model.yml', 'openai.yml', 'ingest.yml'];

function configHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CONFIG_FILES) {
    try {
      out[name] = createHash('sha256')
        .update(readFileSync(join(dir, name)))
        .digest('hex');
    } catch {
      // Absent: not recorded.
    }
  }
  return out;
}

/**
 * oclif's parse error as one clean line: without its "See more help with --help" (the command's own hint
 * follows) and its line breaks and tabs, and with the closest flag for one that does not exist.
 */
export function parseErrorMessage(err: Error & {flags?: unknown; args?: unknown}, flagNames: readonly string[]): string {
  // A missing argument: oclif lists each with its description as a table wrapped to the terminal, which does
  // not read as one line; said from the arguments themselves instead (as --help's usage names them).
  if (Array.isArray(err.args) && /^Missing \d+ required args?\b/.test(err.message)) {
    const missing = (err.args as Array<{name?: string; description?: string}>).filter((a) => a.name);
    if (missing.length > 0)
      return `Missing ${missing
        .map((a) => {
          const what = a.description?.trim().replace(/\.$/, '');
          return what ? `${a.name!.toUpperCase()}: ${what.charAt(0).toLowerCase()}${what.slice(1)}` : a.name!.toUpperCase();
        })
        .join('; ')}`;
  }
  let message = err.message
    .replace(/\n?See more help with --help\s*$/, '')
    .replace(/\s*\n\s*/g, ': ')
    .replace(/\s+/g, ' ')
    .replace(/:\s*:/g, ':')
    .trim();
  if (Array.isArray(err.flags)) {
    const near = err.flags
      .map((typed: string) => [typed, closestMatch(typed.replace(/=.*$/, ''), flagNames)] as const)
      .filter(([, n]) => n !== undefined);
    if (near.length === 1 && err.flags.length === 1) message += `. Did you mean ${near[0][1]}?`;
    else if (near.length) message += `. Did you mean ${near.map(([typed, n]) => `${n} for ${typed}`).join(', ')}?`;
  }
  return message;
}

/** Removes those of `folders` (deepest first) that exist and are empty; any other is left as it is. */
function removeEmptyFolders(folders: readonly string[]): void {
  for (const d of folders) {
    try {
      rmdirSync(d);
    } catch {
      // Not there, not empty, or not ours to remove.
    }
  }
}

/**
 * The shared flags with those a command refuses (its notApplicable) hidden from its --help: they are still
 * parsed, so that using one gets the message that says why it does not apply.
 */
export function baseFlagsWithout(notApplicable: Readonly<Record<string, string>>): typeof BaseCommand.baseFlags {
  return Object.fromEntries(
    Object.entries(BaseCommand.baseFlags).map(([name, flag]) => [name, name in notApplicable ? {...flag, hidden: true} : flag]),
  ) as typeof BaseCommand.baseFlags;
}
