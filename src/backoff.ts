/**
 * How long to wait before trying again, for everything in Pushline that retries: the client's
 * reconnections, long polls answered at once with nothing, background probes, nchan nodes. One
 * formula, each with its own policy; and the retry budget that caps reconnections per minute.
 */
import type { ReconnectOptions } from './types.js';

/** What the delay formula needs: the reconnection options without the attempt limits. */
export type BackoffPolicy = Required<Pick<ReconnectOptions, 'initialDelay' | 'maxDelay' | 'factor' | 'jitter'>>;

export const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  initialDelay: 500,
  maxDelay: 30000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: Infinity,
  budget: 30,
};

/**
 * Delay before retry number `failures` (1-based): exponential, capped, then a random share
 * (`jitter`) taken off, so that clients cut off together do not come back together.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random?: number): number {
  const exponential = policy.initialDelay * Math.pow(policy.factor, Math.max(0, failures - 1));
  const share = random === undefined ? Math.random() : random;
  return Math.round(Math.min(policy.maxDelay, exponential) * (1 - policy.jitter * share));
}

/** setTimeout fires at once for delays past 2^31-1 ms (~24.8 days): no delay may exceed it. */
export const MAX_TIMER_DELAY = 0x7fffffff;

/** The retry budget's window: at most `limit` attempts in any window of this many ms. */
export const BUDGET_WINDOW = 60000;

/**
 * At most `limit` connection attempts in any BUDGET_WINDOW, whatever the backoff says: a server
 * that accepts connections and drops them at once would otherwise be asked again and again.
 */
export class RetryBudget {
  /** Start times of the attempts within the last window, oldest first. */
  private spent: number[] = [];

  constructor(private readonly limit: number) {}

  /** Ms to wait before another attempt fits the budget: 0 when one may start now. */
  waitAt(now: number): number {
    const spent = this.spent;
    while (spent.length && spent[0] <= now - BUDGET_WINDOW) spent.shift();
    return spent.length < this.limit ? 0 : spent[0] + BUDGET_WINDOW - now;
  }

  /** Counts an attempt started at `now`. */
  spend(now: number): void {
    this.spent.push(now);
  }
}
