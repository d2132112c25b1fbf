import type { ReconnectOptions } from './types.js';

export type Backoff = Required<Omit<ReconnectOptions, 'budget'>>;

export const DEFAULT_BACKOFF: Required<ReconnectOptions> = {
  initialDelay: 500,
  maxDelay: 30000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: Infinity,
  budget: 30,
};

/**
 * Delay before retry number `failures` (1-based): exponential, capped, then a random share
 * (`jitter`) taken off, so clients cut off together do not come back together.
 */
export function backoffDelay(policy: Backoff, failures: number, random?: number): number {
  const raw = Math.min(policy.maxDelay, policy.initialDelay * Math.pow(policy.factor, Math.max(0, failures - 1)));
  return Math.round(raw * (1 - policy.jitter * (random === undefined ? Math.random() : random)));
}
