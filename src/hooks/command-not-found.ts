import type {Hook} from '@oclif/core';
import {closestMatch} from '../core/strings.js';
import {EXIT} from '../errors.js';

/**
 * A command that does not exist. On a terminal, @oclif/plugin-not-found asks "Did you mean ...?" and runs the
 * suggestion when the user says yes; elsewhere (a script, CI) the message names the closest command, and a
 * command given words it does not take says so. Exit 127, as a shell does for a command it cannot find.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const ids = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  const words = opts.id.split(':');
  const bin = opts.config.bin;
  if (words.length > 1 && ids.includes(words[0])) {
    process.stderr.write(
      `Error: ${bin} ${words[0]} takes no arguments, only flags (got ${words
        .slice(1)
        .map((w) => JSON.stringify(w))
        .join(' ')})\nSee: ${bin} ${words[0]} --help\n`,
    );
    return this.exit(EXIT.usage);
  }
  if (process.stdin.isTTY && process.stderr.isTTY) {
    const {default: notFound} = await import('@oclif/plugin-not-found');
    return notFound.call(this, opts);
  }
  const suggestion = closestMatch(opts.id, ids);
  process.stderr.write(`Error: ${words.join(' ')} is not a ${bin} command.${suggestion ? ` Did you mean ${suggestion}?` : ''}\nSee: ${bin} --help\n`);
  return this.exit(EXIT.notFound);
};

export default hook;
