import {Errors, Help, type Command} from '@oclif/core';
import {getHelpFlagAdditions, standardizeIDFromArgv} from '@oclif/core/help';
import {closestMatch} from './core/strings.js';
import {EXIT} from './errors.js';

/** The common tasks, shown at the end of `stedi-gtm --help`. */
export const ROOT_EXAMPLES: ReadonlyArray<{description: string; command: string}> = [
  {description: 'Build the whole dataset from the sample export, offline (no API key, no cost):', command: 'run --seed 42 --provider rules'},
  {description: 'Simulate again with another seed from the companies already enriched:', command: 'run --from deals --seed 7'},
  {description: 'Your own Clay export into another folder:', command: 'run --input exports/clay.csv --data-dir out --provider rules'},
  {description: 'What enriching with OpenAI would take (calls, estimated cost), calling nothing:', command: 'enrich --provider openai --dry-run'},
  {description: 'Chart a data folder again and print its figures:', command: 'report --data-dir out'},
  {description: 'Shell completion (bash, zsh or powershell):', command: 'autocomplete'},
];

/** oclif's help, with examples of the common tasks in the top-level help and a summary for `version`. */
export default class StediHelp extends Help {
  protected async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const body = ROOT_EXAMPLES.map((e) => `${this.wrap(e.description)}\n${this.indent(`$ ${this.config.bin} ${e.command}`)}`).join('\n\n');
    this.log(this.section('EXAMPLES', body));
    this.log('');
  }

  /** `stedi-gtm enrch --help`: the closest command is suggested, as for `stedi-gtm enrch`. */
  async showHelp(argv: string[]): Promise<void> {
    const missing = this.unknownSubject(argv);
    if (missing === undefined) return super.showHelp(argv);
    const ids = this.config.commands.filter((c) => !c.hidden).map((c) => c.id);
    const near = closestMatch(missing, ids);
    process.stderr.write(
      `Error: ${missing.replaceAll(':', ' ')} is not a ${this.config.bin} command.${near ? ` Did you mean ${near}?` : ''}\nSee: ${this.config.bin} --help\n`,
    );
    throw new Errors.ExitError(EXIT.notFound);
  }

  /** The command the help is asked for (its first word that is not a help flag), when there is no such command or topic. */
  private unknownSubject(argv: string[]): string | undefined {
    const helpFlags = getHelpFlagAdditions(this.config);
    const words = standardizeIDFromArgv(
      argv.filter((a) => !helpFlags.includes(a)),
      this.config,
    );
    const subject = words.find((a) => a !== 'help');
    if (subject === undefined || subject === '--' || subject.startsWith('-')) return undefined;
    return this.config.findCommand(subject) || this.config.findTopic(subject) ? undefined : subject;
  }

  formatRoot(): string {
    // (oclif leaves the first line, the package's description, as long as it is.)
    const [first, ...rest] = super.formatRoot().split('\n');
    return [this.wrap(first), ...rest].join('\n');
  }

  protected summary(c: Command.Loadable): string | undefined {
    // (@oclif/plugin-version's command has none.)
    if (c.id === 'version') return 'Print the version of stedi-gtm and of Node (also -v, --version).';
    return super.summary(c);
  }
}
