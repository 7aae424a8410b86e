import { planCheckers } from '../check/checker-plan.ts';
import type { Config } from '../config/model.ts';

/**
 * How far a vote's `atMs` may be from the Board's clock (either way) unless a
 * deployment sets VOTE_MAX_SKEW_MS: a vote dated ahead would otherwise pin
 * its slot. Self-hosted probers drop what they could not deliver within half
 * of it, so a batch held through a Board outage is never refused whole.
 */
export const DEFAULT_VOTE_MAX_SKEW_MS = 30_000;

/**
 * How long each real server's votes stay fresh, from the config the Board
 * holds: freshness_intervals × the longest delay_loop among its checkers plus
 * the longest connect_timeout (effective timing, as the checker plan gives
 * it), the same span a vantage point's vote covers (realServerVote). Never
 * from the vote: a voter that claims a day-long interval would otherwise
 * keep its word alive for days. A real server with nothing to check has no
 * entry and no vote on it is ever fresh.
 */
export function freshnessWindows(config: Config): Map<string, number> {
  const intervals = config.vigil.vote.freshnessIntervals;
  const out = new Map<string, number>();
  for (const rs of planCheckers(config)) {
    const delayLoopMs = Math.max(...rs.checkers.map((c) => c.timing.delayLoopMs));
    const connectTimeoutMs = Math.max(...rs.checkers.map((c) => c.timing.connectTimeoutMs));
    out.set(rs.target, intervals * delayLoopMs + connectTimeoutMs);
  }
  return out;
}
