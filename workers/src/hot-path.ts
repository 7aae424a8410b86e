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
