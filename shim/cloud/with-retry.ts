/**
 * Retries throttling, 5xx and timeouts with exponential backoff and full
 * jitter. It wraps a Caller that is itself lease-guarded, so every attempt
 * is checked against the lease first: once the lease's time is gone the inner
 * caller answers ERR_LEASE_LOST (not retryable) and the loop ends there.
 */
import type { Clock } from '../../core/ports/clock.ts';
import type { Caller } from './ec2-caller.ts';

export interface RetryPolicy {
  baseMs: number;
  maxBackoffMs: number;
  maxAttempts: number;
  /** 0..1; injected so tests and the chaos suite are seeded. */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 100, maxBackoffMs: 2_000, maxAttempts: 8, random: Math.random };

/** Full jitter (AWS's recommendation): uniform in [0, min(max, base·2^attempt)). */
export function backoffMs(attempt: number, p: RetryPolicy): number {
  return Math.floor(p.random() * Math.min(p.maxBackoffMs, p.baseMs * 2 ** attempt));
}

export function withRetry(inner: Caller, clock: Clock, policy: RetryPolicy = DEFAULT_RETRY, onRetry?: (action: string, code: string, attempt: number) => void): Caller {
  return async (call, signal) => {
    for (let attempt = 0; ; attempt++) {
      const r = await inner(call, signal);
      if (r.ok || !r.error.retryable || attempt + 1 >= policy.maxAttempts || signal.aborted) return r;
      onRetry?.(call.action, r.error.awsCode ?? r.error.code, attempt + 1);
      await clock.sleep(backoffMs(attempt, policy), signal);
    }
  };
}
