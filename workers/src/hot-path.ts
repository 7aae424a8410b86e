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
