import type { VotePolicy } from '../config/vigil.ts';

/** How many vantage points must agree on one real server, and how that number came about. */
export interface EffectiveQuorum {
  /** The number the fold uses: at least this many fresh vantage points must agree. */
  quorum: number;
  /** The `quorum` the config names, if any. */
  configured: number | undefined;
  /** How many vantage points can check this real server (the plan's assignment). */
  assigned: number;
  /** Set when `degrade` lowered a configured quorum that more vantage points than can check it would need. */
  degraded: 'majority' | 'all' | undefined;
  /**
   * Fewer vantage points can check this real server than the quorum needs (or
   * none can): the config is refused, and a fold of it anyway (a config stored
   * before this rule) stays `unknown` rather than letting fewer votes decide.
   */
  short: boolean;
}

/** A majority of the vantage points assigned to a real server: the quorum when the config names none. */
export function defaultQuorum(assigned: number): number {
  return Math.floor(assigned / 2) + 1;
}

/**
 * The one place a real server's quorum is decided, for the plan (check-config,
 * the Board's PUT, `vigil import`) and the fold alike. A configured quorum
 * never silently shrinks to the number of vantage points that can check the
 * real server: that would let one vote decide where the operator asked for
 * two. Only `degrade` lowers it: `majority` to a majority of those that can
 * check it, `all` to every one of them; `refuse` (the default) keeps it, and
 * the plan reports the shortfall as an error.
 */
export function effectiveQuorum(policy: Pick<VotePolicy, 'quorum' | 'degrade'>, assigned: number): EffectiveQuorum {
  const configured = policy.quorum;
  if (assigned === 0) return { quorum: Math.max(1, configured ?? 1), configured, assigned, degraded: undefined, short: true };
  if (configured === undefined) return { quorum: defaultQuorum(assigned), configured, assigned, degraded: undefined, short: false };
  if (configured <= assigned) return { quorum: configured, configured, assigned, degraded: undefined, short: false };
  const degrade = policy.degrade ?? 'refuse';
  if (degrade === 'majority') return { quorum: defaultQuorum(assigned), configured, assigned, degraded: 'majority', short: false };
  if (degrade === 'all') return { quorum: assigned, configured, assigned, degraded: 'all', short: false };
  return { quorum: configured, configured, assigned, degraded: undefined, short: true };
}
