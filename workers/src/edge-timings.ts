/**
 * The edge's timings (alarm gaps, vote compaction, round lengths and graces), in a file without runtime imports so the cost
 * benchmark (Node) computes with the same numbers the Durable Objects use.
 */

/**
 * A Prober's short gap: how soon it tries again after a round it could not
 * hand to a ProbeRunner, and twice it is the floor of its lateness threshold.
 * (Rounds themselves are up to 20 s long: roundLengthMs below.)
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

/** ALARM_MIN_GAP_MS, but never more than 10% of the shortest delay_loop (a 3 s loop gets 300 ms), and at least 100 ms. */
export function alarmGapMs(minDelayLoopMs: number): number {
  return Math.max(100, Math.min(ALARM_MIN_GAP_MS, Math.floor(minDelayLoopMs / 10)));
}

/** A Prober is behind when the p99 lateness of its runs over LAG_WINDOW_MS passes this: 20% of the shortest loop, never below two gaps. */
export function lateThresholdMs(minDelayLoopMs: number): number {
  return Math.max(0.2 * minDelayLoopMs, 2 * alarmGapMs(minDelayLoopMs));
}
export const LAG_WINDOW_MS = 60_000;
/** A Prober that is behind reports it at most this often (the Board re-plans at most every 30 s per vantage point). */
export const LAG_REPORT_EVERY_MS = 30_000;

/**
 * A round's length: up to 20 s of checks per dispatch (each round costs an
 * alarm, a setAlarm row and two reports whatever it carries, so longer is
 * cheaper per check; detection does not wait for it, transitions are
 * reported at once), but short enough that
 * its slowest check (bounded by 3 × connect_timeout + 1 s) and the report
 * after it fit in the 30 s a Worker may keep working after it answered
 * (ctx.waitUntil), with 5 s to spare, and that its connections (a check
 * opens one per run, an HTTP check one per url) stay under
 * SUBREQUEST_BUDGET; never under 1 s.
 */
export const ROUND_MAX_MS = 20_000;
export const WAIT_UNTIL_BUDGET_MS = 25_000;
/** A paid invocation may make 10,000 subrequests (each socket is one); the rest is left for the reports. */
export const SUBREQUEST_BUDGET = 9000;
export function roundLengthMs(maxConnectTimeoutMs: number, connectionsPerS = 0): number {
  const bySubrequests = connectionsPerS > 0 ? Math.floor((SUBREQUEST_BUDGET / connectionsPerS) * 1000) : ROUND_MAX_MS;
  return Math.max(1000, Math.min(ROUND_MAX_MS, bySubrequests, WAIT_UNTIL_BUDGET_MS - (3 * maxConnectTimeoutMs + 1000)));
}
/** A round that has not reported this long after its end is taken as lost: its checkers go back to the Prober's own schedule. */
export function roundLostAfterMs(maxConnectTimeoutMs: number): number {
  return 3 * maxConnectTimeoutMs + 1000 + 10_000;
}
