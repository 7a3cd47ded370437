import {Command, Flags, Interfaces} from '@oclif/core';
import {existsSync, rmdirSync, statSync} from 'node:fs';
import {config as loadDotenv} from 'dotenv';
import {FatalError, fileSystemError, UserError} from './errors.js';
import {cleanUpOnSignals} from './io/interrupt.js';
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
      description: 'Folder with icp_rules.yml, previous_customers.yml, deal_model.yml and openai.yml. Falls back to the shipped config when the default is absent. Example: --config-dir my-config',
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

  /**
   * Shared flags that mean nothing to this command, with why: given explicitly, they are refused (exit 2)
   * rather than silently ignored (`report --seed 9`, `deals --provider openai`).
   */
  static notApplicable: Readonly<Record<string, string>> = {};

  protected flags!: BaseFlags<T>;
  /** The data folders that did not exist when the command started (deepest first). */
  private newFolders: string[] = [];
  protected reporter?: Reporter;

  public async init(): Promise<void> {
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

  /** Resolves paths (with packaged fallbacks) and creates the progress reporter. */
  protected async setup(): Promise<Setup> {
    const f = this.flags as BaseFlags<typeof BaseCommand>;
    const reporter = await createReporter(reporterMode({json: this.jsonEnabled(), quiet: f.quiet}));
    this.reporter = reporter;
    const explicit = (name: string) => this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    for (const [flag, why] of Object.entries((this.ctor as typeof BaseCommand).notApplicable)) {
      if (explicit(flag)) throw new UserError(`--${flag} does not apply to \`stedi-gtm ${this.id ?? this.constructor.name.toLowerCase()}\`: ${why}; leave it out`);
    }
    const config = resolveWithFallback(f['config-dir'], DEFAULT_CONFIG_DIR, explicit('config-dir'), 'config');
    const input = resolveWithFallback(f.input, DEFAULT_INPUT, explicit('input'), 'sample input');
    for (const r of [config, input]) if (r.fallback && !f.quiet) process.stderr.write(`${r.fallback}\n`);
    const paths = dataPaths(f['data-dir']);
    // Before any work: a --data-dir that is a file would fail only when the first table is written.
    if (existsSync(paths.root) && !statSync(paths.root).isDirectory()) throw new UserError(`--data-dir ${f['data-dir']}: ${paths.root} is a file, not a folder`);
    cleanUpOnSignals([paths.raw, paths.interim, paths.final], () => reporter.stop());
    // Folders a failed command made and left empty are removed (see catch): bad input leaves nothing behind.
    this.newFolders = [paths.raw, paths.interim, paths.final, paths.root].filter((d) => !existsSync(d));
    return {
      paths,
      configDir: config.path,
      input: input.path,
      cacheDir: f['cache-dir'] ?? paths.defaultCache,
      seed: f.seed,
      seedGiven: explicit('seed'),
      limit: f.limit,
      reporter,
    };
  }

  protected async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    this.reporter?.stop();
    removeEmptyFolders(this.newFolders);
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
      process.stderr.write(`Error: ${err.message}\n`);
      if (!known && exit === 2 && this.id) process.stderr.write(`See: stedi-gtm ${this.id} --help\n`);
      return;
    }
    throw err;
  }
}

function isParseError(err: Error): boolean {
  return /^(CLIParseError|RequiredArgsError|UnexpectedArgsError|FailedFlagValidationError|NonExistentFlagsError|FlagInvalidOptionError|ArgInvalidOptionError)$/.test(
    err.constructor?.name ?? '',
  ) || /Expected an integer|Expected --\S+=|must be (?:greater|less)/.test(err.message);
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
