import * as z from 'zod';
import { Check, type CheckType } from '../config/checks.ts';
import { EffectiveTiming, effectiveTiming } from '../config/effective.ts';
import type { Config } from '../config/model.ts';
import { Port } from '../config/primitives.ts';
import { realServerKey, whyNotAtEdge } from '../vote/targets.ts';

/**
 * One checker as a vantage point runs it: everything a runtime needs, so the
 * edge Prober, `vigil probe` and the shim's `--local` checks never read a
 * config themselves. A schema because it crosses RPC (a Prober's plan, a
 * ProbeRunner's round).
 */
export const PlannedChecker = z.object({
  /** `<real server key>#<index of the check within its real server>`. */
  id: z.string(),
  /** The real server's key (realServerKey): what the vote is about. */
  target: z.string(),
  check: Check,
  timing: EffectiveTiming,
  /** connect_ip, else the real server's address. */
  ip: z.string(),
  /** connect_port, else the real server's port, else the virtual server's. */
  port: Port,
  realServerVirtualhost: z.string().optional(),
  virtualServerVirtualhost: z.string().optional(),
});
export type PlannedChecker = z.infer<typeof PlannedChecker>;

/** One real server's checkers, in the order its checks are written. */
export interface PlannedRealServer {
  target: string;
  checkers: PlannedChecker[];
  /**
   * Why an edge vantage point cannot check this real server, undefined when
   * it can: whyNotAtEdge, the rule the Board's assignment (assignTargets)
   * applies, not a second one.
   */
  notAtEdge: string | undefined;
}

/** keepalived tracks these on the director itself (a file's content, a BFD session): no prober runs them. */
const DIRECTOR_ONLY: ReadonlySet<CheckType> = new Set<CheckType>(['FILE_CHECK', 'BFD_CHECK']);

/**
 * The one expansion of a config into checkers, for every runtime: each check
 * of each real server with its effective timing (effectiveTiming) and the
 * address it dials. `assigned` keeps only the real servers a vantage point
 * is given (a set of keys, or a shard placement's map); without it,
 * every real server (the shim's own checks). Real servers with nothing to
 * probe are left out: no checker, no vote.
 */
export function planCheckers(config: Config, assigned?: { has(target: string): boolean }): PlannedRealServer[] {
  const out: PlannedRealServer[] = [];
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) {
      if (rs.checks.length === 0) continue;
      const target = realServerKey(vs, rs);
      if (assigned && !assigned.has(target)) continue;
      const checkers: PlannedChecker[] = [];
      rs.checks.forEach((check, i) => {
        if (DIRECTOR_ONLY.has(check.type)) return;
        const to = check as Check & { connectIp?: string; connectPort?: number };
        checkers.push({
          id: `${target}#${i}`,
          target,
          check,
          timing: effectiveTiming(vs, rs, check),
          ip: to.connectIp ?? rs.ip,
          port: to.connectPort ?? rs.port ?? vs.port ?? 0,
          realServerVirtualhost: rs.virtualhost,
          virtualServerVirtualhost: vs.virtualhost,
        });
      });
      if (checkers.length > 0) out.push({ target, checkers, notAtEdge: whyNotAtEdge(rs) });
    }
  }
  return out;
}
