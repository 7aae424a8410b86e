/**
 * The hot path's timings, in a file without runtime imports so the cost
 * benchmark (Node) computes with the same numbers the Durable Objects use.
 */

/**
 * A Prober's alarms come at most this often. Every alarm is a billed request
 * and its setAlarm a billed row, so checks falling due in between wait for the
 * next one and run together: at most this much after keepalived's schedule
 * (10% of a 10 s delay_loop; a vote stays fresh for 3 intervals plus the timeout).
 */
export const ALARM_MIN_GAP_MS = 1000;

/**
 * The Board compacts its in-memory votes to storage at most this often while
 * they change. Below the ~10 s an idle Durable Object waits before it may
 * hibernate (and lose memory), so a quiet Board has written what it knows
 * before it sleeps.
 */
export const VOTE_FLUSH_EVERY_MS = 8000;

/** How often the cron re-sends every Prober its plan (wrangler.jsonc: "* * * * *"). */
export const CRON_EVERY_MS = 60_000;

/**
 * A Prober's gap between alarms: ALARM_MIN_GAP_MS, but never more than 10% of
 * its shortest delay_loop (a 3 s loop gets 300 ms), and at least 100 ms.
 * The trade-off: each alarm costs a request, a vote RPC and a setAlarm row
 * whatever it runs, and a shard of n checks at interval I runs n × gap / I
 * checks per alarm, so the per-alarm cost per check falls as 1 / gap; but a
 * check falling due just after an alarm waits for the next, so checks start
 * up to one gap late (plus BATCH_WINDOW_MS early, plus a wait for a free
 * socket when all six are busy). 1 s is 10% of a 10 s loop: a vote is fresh
 * for three loops plus the timeout, so lateness of one gap never ages a vote
 * out; doubling it to 2 s would halve the per-alarm part of the bill (see
 * bench/results.md) at 20% lateness, which is the lag threshold below.
 */
export function alarmGapMs(minDelayLoopMs: number): number {
  return Math.max(100, Math.min(ALARM_MIN_GAP_MS, Math.floor(minDelayLoopMs / 10)));
}

/**
 * An alarm serves every check due by its start plus half a gap: the schedule
 * is rounded to the nearest alarm instead of always up to the next, so a check
 * starts at most gap / 2 early or gap / 2 late (plus, late, the wait for a
 * free socket within the alarm). Rounding only up locked every check of a
 * dense shard a whole gap late (due = end of run + delay_loop lands just
 * after an alarm) and stretched every loop by one gap.
 */
export function batchWindowMs(gapMs: number): number {
  return Math.floor(gapMs / 2);
}

/** A Prober is behind when the p99 lateness of its runs over LAG_WINDOW_MS passes this: 20% of the shortest loop, never below two gaps. */
export function lateThresholdMs(minDelayLoopMs: number): number {
  return Math.max(0.2 * minDelayLoopMs, 2 * alarmGapMs(minDelayLoopMs));
}
export const LAG_WINDOW_MS = 60_000;
/** A Prober that is behind reports it at most this often (the Board re-plans at most every 30 s per vantage point). */
export const LAG_REPORT_EVERY_MS = 30_000;

/**
 * Continuous mode (prober.ts): one alarm runs a shard's checks as they fall
 * due for a whole window, voting every VOTE_EVERY_MS, then sets one alarm.
 * The window ends CRON_MARGIN_MS before the next cron minute (and is never
 * longer than CONTINUOUS_WINDOW_MS, far under an alarm's wall-clock limit),
 * so at the cron no window is running: a lost alarm is set again within a
 * minute, as in per-alarm mode.
 */
export const CONTINUOUS_WINDOW_MS = 60_000;
export const CRON_MARGIN_MS = 1000;
/** A window shorter than this (the cron minute is about to turn) still runs: one round, like an ordinary alarm. */
export const MIN_WINDOW_MS = 1000;
/** A continuous window sends the Board its votes this often (one RPC each), however many checks ran meanwhile. */
export const VOTE_EVERY_MS = 1000;

export function continuousWindowEndMs(startMs: number): number {
  const nextCron = startMs - (startMs % CRON_EVERY_MS) + CRON_EVERY_MS;
  return Math.max(startMs + MIN_WINDOW_MS, Math.min(startMs + CONTINUOUS_WINDOW_MS, nextCron - CRON_MARGIN_MS));
}

/** Dollars (Workers Paid, Durable Objects on SQLite; bench/control-plane-cost.ts PRICES) the mode choice weighs. */
const REQUEST = 0.15e-6;
const ROW = 1e-6;
/** One object's billed wall-clock: 128 MB × $12.5 per million GB-s. */
const WALL_PER_S = 0.125 * 12.5e-6;
/** The vote RPC's round trip, which an alarm's wall-clock includes (measured ≈ 15 ms, bench/results.md). */
const VOTE_RTT_S = 0.015;

/**
 * Which mode costs a shard less per second, from its runs per second
 * (Σ 1 / delay_loop) and the connection-seconds its checks hold per second
 * (Σ hold / delay_loop, hold = the measured latency, the timeout until then):
 *
 *   per-alarm:  A = min(runs/s, 1 / gap) alarms a second, each an alarm
 *               request + a vote RPC + a setAlarm row ($1.3e-6), billed while
 *               active: min(1, busy / 6 + A × (mean hold + vote RTT)) s a second
 *               × $1.5625e-6 (128 MB × $12.5/M GB-s).
 *   continuous: the whole second billed ($1.5625e-6) + 1 / VOTE_EVERY_MS vote
 *               RPCs ($0.15e-6) + an alarm and a row per window (≈ $0.02e-6).
 *
 * e.g. 2 checks at 30 s: per-alarm ≈ $0.3e-6/s, continuous $1.7e-6/s: alarms.
 * 750 checks at 10 s, 33 ms: per-alarm ≈ $1.3e-6 + 0.53 × $1.56e-6 = $2.1e-6/s,
 * continuous $1.7e-6/s: continuous, and cheaper per check the fuller the shard.
 */
export function continuousPays(runsPerS: number, busyPerS: number, gapMs: number, connections = 6): boolean {
  if (runsPerS <= 0) return false;
  const alarmsPerS = Math.min(runsPerS, 1000 / gapMs);
  const meanHoldS = busyPerS / runsPerS;
  const perAlarm = alarmsPerS * (2 * REQUEST + ROW) + WALL_PER_S * Math.min(1, busyPerS / connections + alarmsPerS * (meanHoldS + VOTE_RTT_S));
  const continuous = WALL_PER_S + REQUEST * (1000 / VOTE_EVERY_MS) + (REQUEST + ROW) / (CONTINUOUS_WINDOW_MS / 1000);
  return continuous < perAlarm;
}
