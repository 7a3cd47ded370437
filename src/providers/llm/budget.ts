/** The budget of the LLM providers (shared plumbing): --max-cost, --max-requests and the confirmation of paid calls. Pure. */

/** Rounds USD to 6 decimals (a millionth of a dollar) for summaries, so float noise never shows. */
export const roundUsd = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Whether a run's paid calls may start without asking: yes when their estimated cost is within the
 * threshold, unknown (the model has no price), or bounded by --max-cost, or when --yes was given.
 */
export function paidCallsNeedConfirmation(estimateUsd: number | null, thresholdUsd: number, flags: {yes?: boolean; maxCost?: number}): boolean {
  if (flags.yes || flags.maxCost !== undefined || estimateUsd === null) return false;
  return estimateUsd > thresholdUsd;
}

export interface BudgetState {
  /** USD spent so far by finished requests. */
  spent: number;
  /** USD reserved by requests in flight (their estimate). */
  reserved: number;
  /** Requests sent so far (every attempt, retries included). */
  requests: number;
}

export interface BudgetLimits {
  maxCost?: number;
  maxRequests?: number;
}

/**
 * Whether one more request may start: under --max-requests the count of requests sent, under --max-cost
 * the spend so far plus what the requests in flight and this one are expected to cost must stay within
 * the limit. Returns the limit that stops it, or null.
 */
export function budgetStop(state: BudgetState, limits: BudgetLimits, estimate: number): 'max-requests' | 'max-cost' | null {
  if (limits.maxRequests !== undefined && state.requests >= limits.maxRequests) return 'max-requests';
  if (limits.maxCost !== undefined && state.spent + state.reserved + estimate > limits.maxCost + 1e-12) return 'max-cost';
  return null;
}
