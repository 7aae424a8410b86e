import type { EffectiveTiming } from '../config/effective.ts';
import type { Vote } from '../vote/fold.ts';
import type { CheckerState } from './checker-state.ts';
import type { ReasonCode } from './result.ts';

/** A checker's last run, as a vote reports it: `atMs` by the wall clock (votes cross machines). */
export interface LastRun {
  reason: ReasonCode;
  latencyMs: number;
  atMs: number;
}

/** One checker of a real server, as its vote sees it. */
export interface CheckerStanding {
  state: Pick<CheckerState, 'up'>;
  /** Null before its first run. */
  last: Pick<LastRun, 'reason'> | null;
}

/**
 * keepalived's rule for a real server, the same on every vantage point: up
 * only while every one of its checkers is up (num_failed_checkers == 0; one
 * success brings a checker back up, core/check/checker-state.ts). Down, the
 * reason is the first down checker's (in the order the checks are written)
 * own last reason, so a refused TCP_CHECK beside a passing HTTP_GET says
 * `connect_refused`; `protocol_error` only when a checker is down although
 * its last run said ok (the state machine never leaves one so; this names the
 * contradiction rather than calling it ok); `aborted` when it is down and has
 * not run (alpha, before its first run).
 */
export function realServerStanding(checkers: readonly CheckerStanding[]): { up: boolean; reason: ReasonCode } {
  const failing = checkers.find((c) => !c.state.up);
  if (!failing) return { up: true, reason: 'ok' };
  const last = failing.last?.reason;
  return { up: false, reason: last === 'ok' ? 'protocol_error' : (last ?? 'aborted') };
}

/**
 * A vantage point's vote for one real server from all its checkers: up and
 * reason by realServerStanding; latency and time from the latest run (a vote
 * is also this vantage point's heartbeat); fresh for the longest delay_loop
 * and connect_timeout among them (core/vote/fold.ts isFresh).
 */
export function realServerVote(
  target: string,
  vantagePoint: string,
  checkers: readonly (CheckerStanding & { last: LastRun | null; timing: Pick<EffectiveTiming, 'delayLoopMs' | 'connectTimeoutMs'> })[],
  wallNowMs: number,
): Vote {
  let latest: LastRun | null = null;
  for (const c of checkers) if (c.last && (!latest || c.last.atMs > latest.atMs)) latest = c.last;
  return {
    target,
    vantagePoint,
    ...realServerStanding(checkers),
    latencyMs: Math.max(0, latest?.latencyMs ?? 0),
    atMs: latest?.atMs ?? wallNowMs,
    intervalMs: Math.max(...checkers.map((c) => c.timing.delayLoopMs)),
    timeoutMs: Math.max(...checkers.map((c) => c.timing.connectTimeoutMs)),
  };
}
