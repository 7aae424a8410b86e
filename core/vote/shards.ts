import { effectiveTiming } from '../config/effective.ts';
import type { Config } from '../config/model.ts';
import { realServerKey } from './targets.ts';
import type { TargetAssignment } from './targets.ts';

/**
 * The worst-case bound: how many Prober Durable Objects an edge vantage point
 * would need if every check held its connection for its whole connect_timeout.
 * The Board no longer plans with it (shard-planner.ts sizes shards from
 * measured holds: load_i = min(max(ĥ_i, 20 ms), T_i) / I_i, shards =
 * ceil(Σ load_i / 3), hysteresis, slow targets apart); it stays as the
 * reference the benchmark prices, and it is what a target gets until its
 * first votes are in (ĥ = T).
 *
 * A Worker invocation may hold at most 6 outbound connections at once. A check
 * holds one connection for at most its connect_timeout (T) and recurs every
 * delay_loop (I), so it needs T / I connection-seconds per second in the worst
 * case (every target hanging until its deadline). One prober offers 6 of those;
 * we plan for half (3) so a slow region still keeps its schedule:
 *
 *   shards = ceil( Σ_checks (T_i / I_i) / (6 × 0.5) )
 *
 * e.g. 1,000 HTTP_GET at T = 5 s, I = 10 s: Σ = 500, so 167 probers, each with
 * ~6 targets; at I = 60 s, 28 probers. Checks are dealt round-robin by their
 * load so shards stay even.
 */
export const CONNECTIONS_PER_INVOCATION = 6;
export const PLANNED_UTILISATION = 0.5;

export interface ShardedCheck {
  /** Real server key and the index of the checker on it. */
  target: string;
  checkIndex: number;
  load: number;
}

export interface ShardPlan {
  vantagePoint: string;
  shards: ShardedCheck[][];
  load: number;
}

export function planShards(config: Config, assignments: TargetAssignment[], vantagePoint: string): ShardPlan {
  const assigned = new Set(assignments.filter((a) => a.vantagePoints.includes(vantagePoint)).map((a) => a.key));
  const checks: ShardedCheck[] = [];
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) {
      const key = realServerKey(vs, rs);
      if (!assigned.has(key)) continue;
      rs.checks.forEach((c, i) => {
        const t = effectiveTiming(vs, rs, c);
        checks.push({ target: key, checkIndex: i, load: Math.min(1, t.connectTimeoutMs / Math.max(1, t.delayLoopMs)) });
      });
    }
  }
  const load = checks.reduce((n, c) => n + c.load, 0);
  const count = Math.max(checks.length ? 1 : 0, Math.ceil(load / (CONNECTIONS_PER_INVOCATION * PLANNED_UTILISATION)));
  const shards: ShardedCheck[][] = Array.from({ length: count }, () => []);
  const loads = new Array<number>(count).fill(0);
  // Heaviest first onto the lightest shard: even shards whatever the mix.
  for (const c of [...checks].sort((a, b) => b.load - a.load || a.target.localeCompare(b.target) || a.checkIndex - b.checkIndex)) {
    let best = 0;
    for (let i = 1; i < count; i++) if (loads[i]! < loads[best]!) best = i;
    shards[best]!.push(c);
    loads[best]! += c.load;
  }
  return { vantagePoint, shards, load };
}
