import * as z from 'zod';
import type { EffectiveTiming } from '../config/effective.ts';
import type { CheckType } from '../config/checks.ts';

/**
 * keepalived's per-checker state machine (2.2–2.4), pure. Read from
 * check_tcp.c tcp_epilog (shared by TCP, SMTP, DNS, UDP, PING, MISC) and
 * check_http.c epilog/timeout_epilog:
 * - a checker starts up, or down with `alpha`; the first run is after a random
 *   delay in [0, warmup];
 * - a success brings it up at once (one success is enough) and resets retries;
 * - while up, a failure is retried `retry` times, `delay_before_retry` apart;
 *   the failure after the last retry takes it down;
 * - on its very first run a checker that fails goes down after the same retries;
 * - next run after a success or a down transition: delay_loop; HTTP/SSL wait
 *   max(delay_before_retry, delay_loop) while a url is failing.
 */
export const CheckerState = z.object({ up: z.boolean(), hasRun: z.boolean(), retryIt: z.number().int().min(0) });
export type CheckerState = z.infer<typeof CheckerState>;

export type Transition = 'up' | 'down' | null;

export interface Step {
  state: CheckerState;
  /** Delay from the end of this run to the start of the next. */
  nextDelayMs: number;
  /** Set when the checker changed state; also on a first run that confirms a state (keepalived notifies then too). */
  transition: Transition;
}

export function initialState(alpha: boolean): CheckerState {
  return { up: !alpha, hasRun: false, retryIt: 0 };
}

/** keepalived: BOOTSTRAP_DELAY + warmup × random(); `random` in [0, 1). */
export function firstDelayMs(timing: Pick<EffectiveTiming, 'warmupMs'>, random: () => number): number {
  return timing.warmupMs > 0 ? Math.floor(timing.warmupMs * random()) : 0;
}

/**
 * The scheduling rule, once for every runtime (the Node Scheduler, the edge
 * round): a checker first falls due a random share of warmup after it starts,
 * then each run plans the next from the END of that run, by the wait its step
 * chose (delay_loop, or delay_before_retry for a retry), as keepalived's
 * timers do, so a slow target only ever delays itself. `spreadMs` is the
 * caller's: the Node Scheduler adds jitter so checkers started together drift
 * apart; the edge round adds none (it starts checks within a slack window
 * around the due time instead, round.ts).
 */
export function firstDueMs(nowMs: number, timing: Pick<EffectiveTiming, 'warmupMs'>, random: () => number): number {
  return nowMs + firstDelayMs(timing, random);
}

export function nextDueMs(endMs: number, step: Pick<Step, 'nextDelayMs'>, spreadMs = 0): number {
  return endMs + step.nextDelayMs + spreadMs;
}

type Timing = Pick<EffectiveTiming, 'retry' | 'delayBeforeRetryMs' | 'delayLoopMs'>;

export function onResult(state: CheckerState, ok: boolean, timing: Timing, type: CheckType): Step {
  return type === 'HTTP_GET' || type === 'SSL_GET' ? httpStep(state, ok, timing) : genericStep(state, ok, timing);
}

function genericStep(s: CheckerState, ok: boolean, t: Timing): Step {
  let delay = t.delayLoopMs;
  let up = s.up;
  let retryIt = s.retryIt;
  let transition: Transition = null;
  if (ok || ((s.up || !s.hasRun) && s.retryIt >= t.retry)) {
    retryIt = 0;
    if (ok && (!s.up || !s.hasRun)) {
      transition = s.up && s.hasRun ? null : 'up';
      up = true;
    } else if (!ok && (s.up || !s.hasRun)) {
      transition = 'down';
      up = false;
    }
  } else if (s.up) {
    delay = t.delayBeforeRetryMs;
    retryIt++;
  }
  return { state: { up, hasRun: true, retryIt }, nextDelayMs: delay, transition };
}

function httpStep(s: CheckerState, ok: boolean, t: Timing): Step {
  if (ok) {
    const transition: Transition = !s.up || !s.hasRun ? 'up' : null;
    return { state: { up: true, hasRun: true, retryIt: 0 }, nextDelayMs: t.delayLoopMs, transition };
  }
  const failing = Math.max(t.delayBeforeRetryMs, t.delayLoopMs);
  // Already down and has run: no retries, keepalived's REGISTER_CHECKER_FAILED path.
  if (!s.up && s.hasRun) return { state: { ...s }, nextDelayMs: failing, transition: null };
  const retryIt = s.retryIt + 1;
  if (retryIt > t.retry) {
    return { state: { up: false, hasRun: true, retryIt: 0 }, nextDelayMs: failing, transition: 'down' };
  }
  return { state: { up: s.up, hasRun: true, retryIt }, nextDelayMs: t.delayBeforeRetryMs, transition: null };
}
