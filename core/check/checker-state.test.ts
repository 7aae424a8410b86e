import { describe, expect, it } from 'vitest';
import { CheckerState, firstDelayMs, firstDueMs, initialState, nextDueMs, onResult } from './checker-state.ts';

/**
 * Timings as keepalived documents them: with retry N a checker goes down on the
 * (N+1)th consecutive failure, the retries `delay_before_retry` apart; one
 * success brings it back; alpha starts it down.
 */
const tcp = { retry: 1, delayBeforeRetryMs: 1000, delayLoopMs: 10_000 };
const http = { retry: 2, delayBeforeRetryMs: 3000, delayLoopMs: 60_000 };

function play(results: boolean[], timing: typeof tcp, type: 'TCP_CHECK' | 'HTTP_GET', alpha = false) {
  let s: CheckerState = initialState(alpha);
  let t = 0;
  const log: { t: number; up: boolean; transition: string | null }[] = [];
  for (const ok of results) {
    const step = onResult(s, ok, timing, type);
    s = step.state;
    log.push({ t, up: s.up, transition: step.transition });
    t += step.nextDelayMs;
  }
  return { log, state: s, nextAt: t };
}

describe('keepalived checker state machine', () => {
  it('TCP_CHECK with retry 1: down on the second failure, 1 s after the first', () => {
    const { log } = play([true, false, false, false], tcp, 'TCP_CHECK');
    expect(log).toEqual([
      { t: 0, up: true, transition: 'up' },
      { t: 10_000, up: true, transition: null }, // first failure: retry in delay_before_retry
      { t: 11_000, up: false, transition: 'down' },
      { t: 21_000, up: false, transition: null }, // down checkers run every delay_loop, no retries
    ]);
  });

  it('one success brings a down checker back up at once', () => {
    const { log } = play([false, false, true], tcp, 'TCP_CHECK');
    expect(log.map((l) => l.transition)).toEqual([null, 'down', 'up']);
  });

  it('a failure between successes resets the retry count', () => {
    const { log } = play([true, false, true, false, true], tcp, 'TCP_CHECK');
    expect(log.every((l) => l.up)).toBe(true);
  });

  it('retry 0 (MISC_CHECK default) goes down on the first failure', () => {
    const { log } = play([true, false], { ...tcp, retry: 0 }, 'TCP_CHECK');
    expect(log[1]).toEqual({ t: 10_000, up: false, transition: 'down' });
  });

  it('HTTP_GET with retry 2: retries 3 s apart, then waits max(delay_before_retry, delay_loop)', () => {
    const { log, nextAt } = play([true, false, false, false, false], http, 'HTTP_GET');
    expect(log).toEqual([
      { t: 0, up: true, transition: 'up' },
      { t: 60_000, up: true, transition: null },
      { t: 63_000, up: true, transition: null },
      { t: 66_000, up: false, transition: 'down' },
      { t: 126_000, up: false, transition: null },
    ]);
    expect(nextAt).toBe(186_000);
  });

  it('alpha starts down and needs one success to come up', () => {
    expect(initialState(true).up).toBe(false);
    const { log } = play([true], tcp, 'TCP_CHECK', true);
    expect(log[0]).toEqual({ t: 0, up: true, transition: 'up' });
  });

  it('alpha with failures stays down without a spurious transition', () => {
    const { log } = play([false, false], tcp, 'TCP_CHECK', true);
    expect(log.every((l) => !l.up && l.transition !== 'up')).toBe(true);
  });

  it('warmup spreads the first run over [0, warmup)', () => {
    expect(firstDelayMs({ warmupMs: 60_000 }, () => 0.5)).toBe(30_000);
    expect(firstDelayMs({ warmupMs: 0 }, () => 0.9)).toBe(0);
  });

  it('schedules the first run within warmup of the start, and each next run from the end of the last, by the wait its step chose', () => {
    expect(firstDueMs(1000, { warmupMs: 60_000 }, () => 0.5)).toBe(31_000);
    const t = { retry: 1, delayBeforeRetryMs: 3000, delayLoopMs: 60_000 };
    const failedOnce = onResult(onResult(initialState(false), true, t, 'TCP_CHECK').state, false, t, 'TCP_CHECK');
    expect(nextDueMs(5000, failedOnce)).toBe(8000); // a retry: delay_before_retry after the run ended
    expect(nextDueMs(5000, onResult(initialState(false), true, t, 'TCP_CHECK'))).toBe(65_000);
    expect(nextDueMs(5000, { nextDelayMs: 60_000 }, 250)).toBe(65_250); // the caller's spread goes on top
  });

  it('CheckerState parses what crosses RPC, and refuses a negative retry count', () => {
    expect(CheckerState.parse(initialState(true))).toEqual({ up: false, hasRun: false, retryIt: 0 });
    expect(CheckerState.safeParse({ up: true, hasRun: true, retryIt: -1 }).success).toBe(false);
  });
});

describe('run deadlines', () => {
  it('MISC_CHECK waits misc_timeout, else delay_loop; network checks connect_timeout', async () => {
    const { timeoutFor } = await import('./run-check.ts');
    const { Check } = await import('../config/checks.ts');
    const t = { connectTimeoutMs: 5000, delayLoopMs: 60_000 };
    expect(timeoutFor(Check.parse({ type: 'MISC_CHECK', miscPath: { command: '/bin/true' } }), t)).toBe(60_000);
    expect(timeoutFor(Check.parse({ type: 'MISC_CHECK', miscPath: { command: '/bin/true' }, miscTimeoutMs: 2000 }), t)).toBe(2000);
    expect(timeoutFor(Check.parse({ type: 'TCP_CHECK' }), t)).toBe(5000);
  });
});
