import {Command, Flags, Interfaces} from '@oclif/core';
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {config as loadDotenv} from 'dotenv';
import {displayPath} from './core/display-path.js';
import {FatalError, fileSystemError, UserError} from './errors.js';
import {Dataset} from './io/dataset.js';
import {cleanUpOnSignals} from './io/interrupt.js';
import {hashFile, type Manifest} from './io/manifest.js';
import {brokenStream, watchOutputStreams, writeError} from './io/streams.js';
import {createReporter, reporterMode, type Reporter} from './io/reporter.js';
import {DEFAULT_CONFIG_DIR, DEFAULT_INPUT, dataPaths, resolveWithFallback, type DataPaths} from './io/paths.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/** Where a command's files are, after defaults and packaged fallbacks are applied. */
export interface Setup {
  paths: DataPaths;
  configDir: string;
  input: string;
  cacheDir: string;
  seed: number;
  limit?: number;
  reporter: Reporter;
}

/**
 * The flags every stage shares, .env loading, progress reporting and exit codes:
 * 0 success, 2 bad input / usage / config, 1 unexpected failure (or a fatal provider error).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true;

  static baseFlags = {
    // oclif's own --json flag, described with an example like every other flag (this definition replaces it).
    json: Flags.boolean({
      description: "Print one JSON object with the command's result (the stage's summary, or {error: {message, exit}}) on stdout, and nothing else. Example: --json",
      helpGroup: 'GLOBAL',
    }),
    seed: Flags.integer({
      description: 'Random seed: the same seed gives byte-identical outputs. Example: --seed 7',
      default: 42,
      min: 0,
      max: 2 ** 32 - 1,
      helpGroup: 'GLOBAL',
    }),
    input: Flags.string({
      description: 'Clay company export (CSV, UTF-8, comma-separated). Falls back to the sample shipped with stedi-gtm when the default is absent. Example: --input exports/clay.csv',
      default: DEFAULT_INPUT,
      helpGroup: 'GLOBAL',
    }),
    'data-dir': Flags.string({
      description: 'Root of the outputs: <data-dir>/raw, <data-dir>/interim, <data-dir>/final. Example: --data-dir out',
      default: 'data',
      helpGroup: 'GLOBAL',
    }),
    'config-dir': Flags.string({
      description: 'Folder with icp_rules.yml, previous_customers.yml, deal_model.yml, openai.yml and ingest.yml. Falls back to the shipped config when the default is absent. Example: --config-dir my-config',
      default: DEFAULT_CONFIG_DIR,
      helpGroup: 'GLOBAL',
    }),
    'cache-dir': Flags.string({
      description: 'Enrichment cache folder (OpenAI answers). [default: <data-dir>/interim/enrich_cache] Example: --cache-dir ~/.cache/stedi-gtm',
      helpGroup: 'GLOBAL',
    }),
    limit: Flags.integer({
      description: 'Process only the first N companies after cleaning and merging. Example: --limit 50',
      min: 1,
      helpGroup: 'GLOBAL',
    }),
    provider: Flags.string({
      description: 'Enrichment provider: auto = openai when OPENAI_API_KEY is set, else rules (offline). Example: --provider rules',
      options: ['auto', 'rules', 'openai'],
      default: 'auto',
      helpGroup: 'GLOBAL',
    }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'Print nothing but errors (and the result under --json). Example: -q',
      default: false,
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: BaseFlags<T>;
  protected reporter?: Reporter;
  /** The data folder this command writes into: locked, and committed whole by commitDataset (see io/dataset.ts). */
  private dataset?: Dataset;
  private datasetRun?: {input?: string; inputHash?: Promise<string | undefined>; configDir: string; stop: AbortController};

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

  /**
   * Resolves paths (with packaged fallbacks), creates the progress reporter and, unless `writes` is false
   * (--dry-run), takes the data folder's lock and opens its dataset: the files the command writes there are
   * put in place together by commitDataset. `readsInput`: the command reads the Clay export (its SHA-256 goes
   * into the manifest; hashed while the command runs).
   */
  protected async setup(opts: {writes?: boolean; readsInput?: boolean} = {}): Promise<Setup> {
    const f = this.flags as BaseFlags<typeof BaseCommand>;
    const reporter = await createReporter(reporterMode({json: this.jsonEnabled(), quiet: f.quiet}));
    this.reporter = reporter;
    const explicit = (name: string) => this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    const config = resolveWithFallback(f['config-dir'], DEFAULT_CONFIG_DIR, explicit('config-dir'), 'config');
    const input = resolveWithFallback(f.input, DEFAULT_INPUT, explicit('input'), 'sample input');
    for (const r of [config, input]) if (r.fallback && !f.quiet) process.stderr.write(`${r.fallback}\n`);
    const paths = dataPaths(f['data-dir']);
    // Before any work: a --data-dir that is a file would fail only when the first table is written.
    if (existsSync(paths.root) && !statSync(paths.root).isDirectory()) throw new UserError(`--data-dir ${f['data-dir']}: ${paths.root} is a file, not a folder`);
    cleanUpOnSignals([paths.raw, paths.interim, paths.final], () => reporter.stop(), () => this.dataset?.discard());
    if (opts.writes !== false) {
      this.dataset = Dataset.open(paths.root, {
        command: [this.id ?? '', ...this.argv].join(' '),
        warn: (m) => reporter.warn(m),
        info: (m) => reporter.info(m),
        what: `--data-dir ${f['data-dir']}`,
      });
      const stop = new AbortController();
      const inputHash = opts.readsInput && isFile(input.path) ? hashFile(input.path, stop.signal).catch(() => undefined) : undefined;
      this.datasetRun = {input: opts.readsInput ? input.path : undefined, inputHash, configDir: config.path, stop};
    }
    return {
      paths,
      configDir: config.path,
      input: input.path,
      cacheDir: f['cache-dir'] ?? paths.defaultCache,
      seed: f.seed,
      limit: f.limit,
      reporter,
    };
  }

  /**
   * Puts every file the command wrote into the data folder in place at once, with the manifest (see
   * io/dataset.ts). `reads`: the dataset files the command read (paths relative to the data folder).
   */
  protected async commitDataset(run: {as_of: string | null; reads: readonly string[]; from?: string | null}): Promise<Manifest | undefined> {
    const d = this.dataset;
    const r = this.datasetRun;
    if (!d || !r) return undefined;
    const sha = await r.inputHash;
    const f = this.flags as BaseFlags<typeof BaseCommand>;
    return d.commit({
      command: this.id ?? '',
      from: run.from ?? null,
      seed: f.seed,
      as_of: run.as_of,
      version: this.config.version,
      input: r.input && sha ? {path: displayPath(r.input, process.cwd()), sha256: sha} : null,
      config: configHashes(r.configDir),
      reads: run.reads,
    });
  }

  protected async finally(err: Error | undefined): Promise<unknown> {
    // Not committed (a failure, or nothing to commit): the folder keeps its dataset; the lock is given up.
    this.datasetRun?.stop.abort();
    this.dataset?.discard();
    this.dataset = undefined;
    return super.finally(err);
  }

  protected async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    this.reporter?.stop();
    const err: Error & {exitCode?: number; oclif?: {exit?: number}} = fileSystemError(thrown) ?? thrown;
    const known = err instanceof UserError || err instanceof FatalError;
    const exit = known ? err.exitCode! : (err.oclif?.exit ?? (isParseError(err) ? 2 : 1));
    process.exitCode = exit;
    if (this.jsonEnabled()) {
      this.logJson({error: {message: err.message, exit}});
      if (!known && exit === 1 && process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
      return;
    }
    if (known || exit === 2) {
      // (On stdout when stderr is closed: a failure is never silent.)
      writeError(`Error: ${err.message}\n${!known && exit === 2 && this.id ? `See: stedi-gtm ${this.id} --help\n` : ''}`);
      return;
    }
    if (brokenStream(process.stderr)) {
      writeError(`Error: ${err.message}\n`);
      return;
    }
    throw err;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The config files whose SHA-256 the manifest records. */
const CONFIG_FILES = ['icp_rules.yml', 'previous_customers.yml', 'deal_model.yml', 'openai.yml'];

function configHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CONFIG_FILES) {
    try {
      out[name] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
    } catch {
      // Absent: not recorded.
    }
  }
  return out;
}

function isParseError(err: Error): boolean {
  return /^(CLIParseError|RequiredArgsError|UnexpectedArgsError|FailedFlagValidationError|NonExistentFlagsError|FlagInvalidOptionError|ArgInvalidOptionError)$/.test(
    err.constructor?.name ?? '',
  ) || /Expected an integer|Expected --\S+=|must be (?:greater|less)/.test(err.message);
}
