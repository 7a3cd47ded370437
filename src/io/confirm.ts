import {createInterface} from 'node:readline/promises';
import {count, formatUsd, plural} from '../core/format.js';
import {UserError} from '../errors.js';
import {paidCallsNeedConfirmation} from '../providers/llm/budget.js';
import type {EnrichPlan} from '../providers/types.js';
import type {Reporter} from './reporter.js';

export interface ConfirmOptions {
  /** --yes. */
  yes: boolean;
  /** --max-cost: the spend is bounded, so no question is needed. */
  maxCost?: number;
  reporter: Reporter;
  /** Whether a person can answer (stdin and stderr are a terminal). */
  interactive: boolean;
  /** Asks a question and resolves to the answer (default: readline on stdin/stderr). */
  ask?: (question: string) => Promise<string>;
}

/**
 * Before a provider's first paid call: when the estimated cost is above confirm_above_usd (and neither
 * --max-cost nor --yes was given), a terminal is asked and anything but "y" stops the run; a run nobody can
 * answer stops at once (exit 2) saying what to pass. Otherwise the estimate is printed and the run goes on.
 */
export async function confirmPaidCalls(plan: EnrichPlan, o: ConfirmOptions): Promise<void> {
  const estimate = plan.estimated_cost_usd;
  const threshold = Number(plan.confirm_above_usd);
  const cost = estimate === null ? 'cost unknown (no price for the model in openai.yml)' : `estimated cost ${formatUsd(estimate)}`;
  const what = `${plural(plan.calls_needed, 'OpenAI call')} needed for ${plural(plan.companies, 'company', 'companies')} (${count(plan.cache_hits)} cached), ${cost}`;
  if (!paidCallsNeedConfirmation(estimate, threshold, o)) {
    o.reporter.info(what);
    return;
  }
  const above = `above confirm_above_usd (${formatUsd(threshold)}, in openai.yml)`;
  if (!o.interactive) {
    throw new UserError(
      `${what}, ${above}. Pass --max-cost <USD> to cap the spend or --yes to go ahead; --provider rules enriches offline at no cost. Nothing was called or written.`,
    );
  }
  o.reporter.stop();
  const answer = await (o.ask ?? askOnTerminal)(`${what}, ${above}. Make these calls? [y/N] `);
  if (!/^\s*y(es)?\s*$/i.test(answer)) {
    throw new UserError(
      'Stopped before the first OpenAI call: nothing was called or written (--max-cost caps the spend; --provider rules enriches offline).',
    );
  }
}

/** One question on the terminal; Ctrl-C there stops the run like Ctrl-C anywhere else. */
async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({input: process.stdin, output: process.stderr});
  rl.on('SIGINT', () => {
    rl.close();
    process.kill(process.pid, 'SIGINT');
  });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
