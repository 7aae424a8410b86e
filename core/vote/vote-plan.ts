import type { Config } from '../config/model.ts';
import { assignTargets } from './targets.ts';

/**
 * The top-level key `vigil import` adds beside the model: what the Board will
 * plan for each real server. Derived from the config, so the JSON reader
 * drops it (parseVigilJson) and `vigil export` never prints it; editing it
 * changes nothing.
 */
export const VOTE_PLAN_KEY = 'votePlan';

export interface VotePlanEntry {
  /** The real server's key, as GET /votes and the snapshot name it. */
  realServer: string;
  /** The vantage points that can check it, and those left out with why. */
  vantagePoints: string[];
  excluded: { vantagePoint: string; why: string }[];
  /** The quorum the fold uses (effectiveQuorum). */
  effectiveQuorum: number;
  /** The vote block's quorum when it names one. */
  configuredQuorum?: number;
  /** How a configured quorum too large for the vantage points that can check it was lowered. */
  degraded?: 'majority' | 'all';
}

/**
 * The plan as a production Board assigns it (edge vantage points never reach
 * private addresses). Empty when the config declares no vantage points.
 */
export function votePlan(config: Config): VotePlanEntry[] {
  if (config.vigil.vantagePoints.length === 0) return [];
  return assignTargets(config).map((a) => ({
    realServer: a.key,
    vantagePoints: a.vantagePoints,
    excluded: a.excluded,
    effectiveQuorum: a.quorum.quorum,
    ...(a.quorum.configured !== undefined ? { configuredQuorum: a.quorum.configured } : {}),
    ...(a.quorum.degraded ? { degraded: a.quorum.degraded } : {}),
  }));
}
