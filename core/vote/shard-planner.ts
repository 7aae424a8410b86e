import { effectiveTiming } from '../config/effective.ts';
import type { Config } from '../config/model.ts';
import { CONNECTIONS_PER_INVOCATION, PLANNED_UTILISATION } from './shards.ts';
import { realServerKey, type TargetAssignment } from './targets.ts';

/**
 * Shards sized by measured connection hold times, with hysteresis and sticky
 * placement (the Board's plan; shards.ts keeps the worst-case bound).
 *
 * A check holds one of the invocation's six sockets for its hold time h (what
 * the Prober measures as latencyMs: connect, request, answer) once per
 * delay_loop I, so it needs h / I connection-seconds per second. A shard
 * offers 6 × 0.5 = 3 of them (half, so queueing for a socket stays a small
 * fraction of a hold):
 *
 *   load_i = min(max(ĥ_i, 20 ms), T_i) / I_i × boost_i
 *   shards = max( ceil(Σ load_i / 3), ceil(checks / MAX_CHECKS_PER_SHARD) )
 *
 * ĥ is the target's estimate (hold-estimates.ts: max of p90 and mean over
 * recent votes; the connect_timeout T until measured), boost > 1 only after a
 * Prober reported it fell behind (the Board's correction for cost the
 * estimate does not see). e.g. 1,000 HTTP_GET at ĥ = 40 ms, I = 10 s: Σ = 4,
 * 2 shards of 500; the worst-case bound (ĥ = T = 5 s) needs 167.
 *
 * Targets not measured yet are sized at their timeout (the worst-case bound)
 * in the fast pool. Measured targets whose hold nears the timeout (unreachable hosts, SYN dropped) go to
 * separate "slow" shards: a hanging check holds one of a round's six sockets
 * for its whole timeout, so a few of them in a shard of fast ones would keep
 * the other checks waiting for a socket, late.
 */
export const HOLD_FLOOR_MS = 20;
export const SHARD_CAPACITY = CONNECTIONS_PER_INVOCATION * PLANNED_UTILISATION;
/**
 * Checks per shard at most: the plan is one SQLite row (≤ 2 MB) of ~400-byte
 * jobs and one configure RPC; 2,000 jobs stay under 1 MB. CPU is not the limit:
 * 2,000 HTTP_GET every 10 s at 0.28 ms is 56 ms of CPU per second.
 */
export const MAX_CHECKS_PER_SHARD = 2000;
/** A target enters the slow class at this estimated hold, and leaves it only below FAST_HOLD_MS (hysteresis). */
export const SLOW_HOLD_MS = 250;
export const FAST_HOLD_MS = 125;
/** Slow shards are numbered from here, so fast shards can split or merge without renumbering them. */
export const SLOW_SHARD_BASE = 1000;
/** Merge only when the load would fit in fewer shards even at this fill: split above 100%, merge below ~60%. */
export const MERGE_FILL = 0.6;

export interface PlanCheck {
  intervalMs: number;
  timeoutMs: number;
}

export interface PlanTarget {
  target: string;
  checks: PlanCheck[];
  /** Estimated hold, ms (clamped here: floor, then each check's timeout). */
  holdMs: number;
  /** false: no latency seen yet, holdMs is the timeout (sized worst-case, but not classed slow for it). */
  measured: boolean;
  boost: number;
}

export interface LatencyPlan {
  /** Shard number → its targets, in a stable order. Fast shards from 0, slow from SLOW_SHARD_BASE. */
  shards: Map<number, string[]>;
  shardOf: Map<string, number>;
  loads: Map<number, number>;
  load: number;
}

export function targetLoad(t: PlanTarget): number {
  const hold = Math.max(HOLD_FLOOR_MS, t.holdMs);
  return t.checks.reduce((n, c) => n + Math.min(hold, c.timeoutMs) / Math.max(1, c.intervalMs), 0) * Math.max(1, t.boost);
}

/** How many shards a pool needs, given how many it had: split when over capacity, merge only when well under. */
export function chooseCount(load: number, checks: number, targets: number, previous: number, capacity = SHARD_CAPACITY): number {
  if (targets === 0) return 0;
  const cap = (n: number) => Math.min(targets, Math.max(1, n));
  const need = cap(Math.max(Math.ceil(load / capacity), Math.ceil(checks / MAX_CHECKS_PER_SHARD)));
  if (previous <= 0 || need > previous) return need;
  const low = cap(Math.max(Math.ceil(load / (capacity * MERGE_FILL)), Math.ceil(checks / (MAX_CHECKS_PER_SHARD * MERGE_FILL))));
  return low < previous ? low : Math.min(previous, targets);
}

function isSlow(t: PlanTarget, previousShard: number | undefined): boolean {
  if (!t.measured) return false;
  const slowBound = Math.min(SLOW_HOLD_MS, ...t.checks.map((c) => c.timeoutMs * 0.5));
  const fastBound = Math.min(FAST_HOLD_MS, slowBound / 2);
  return t.holdMs >= (previousShard !== undefined && previousShard >= SLOW_SHARD_BASE ? fastBound : slowBound);
}

/**
 * Places one pool (fast or slow) on shards base .. base+count-1. Targets stay
 * on their previous shard while it has room (a move restarts the checker, so
 * the plan moves as little as it can); the rest go heaviest first onto the
 * lightest shard. An over-full shard keeps its lightest targets and sheds the
 * heaviest, which moves the fewest.
 */
function place(pool: PlanTarget[], count: number, base: number, previous: ReadonlyMap<string, number>, out: LatencyPlan, capacity: number): void {
  if (count === 0) return;
  const loads = new Array<number>(count).fill(0);
  const checks = new Array<number>(count).fill(0);
  const at = new Map<string, number>();
  const withLoad = pool.map((t) => ({ t, load: targetLoad(t) }));
  const byLoad = [...withLoad].sort((a, b) => a.load - b.load || a.t.target.localeCompare(b.t.target));
  for (const { t, load } of byLoad) {
    const p = previous.get(t.target);
    if (p === undefined || p < base || p >= base + count) continue;
    const i = p - base;
    const fits = (loads[i]! + load <= capacity && checks[i]! + t.checks.length <= MAX_CHECKS_PER_SHARD) || checks[i] === 0;
    if (!fits) continue;
    at.set(t.target, i);
    loads[i]! += load;
    checks[i]! += t.checks.length;
  }
  for (const { t, load } of byLoad.reverse()) {
    if (at.has(t.target)) continue;
    let best = 0;
    for (let i = 1; i < count; i++) {
      const roomBest = checks[best]! + t.checks.length <= MAX_CHECKS_PER_SHARD;
      const roomI = checks[i]! + t.checks.length <= MAX_CHECKS_PER_SHARD;
      if ((roomI && !roomBest) || (roomI === roomBest && loads[i]! < loads[best]!)) best = i;
    }
    at.set(t.target, best);
    loads[best]! += load;
    checks[best]! += t.checks.length;
  }
  for (const t of [...pool].sort((a, b) => a.target.localeCompare(b.target))) {
    const shard = base + at.get(t.target)!;
    out.shardOf.set(t.target, shard);
    if (!out.shards.has(shard)) out.shards.set(shard, []);
    out.shards.get(shard)!.push(t.target);
  }
  loads.forEach((l, i) => checks[i]! > 0 && out.loads.set(base + i, l));
}

/** Previous shard count of a pool: its highest shard number in use, plus one. */
function previousCount(previous: ReadonlyMap<string, number>, base: number, end: number): number {
  let n = 0;
  for (const s of previous.values()) if (s >= base && s < end) n = Math.max(n, s - base + 1);
  return n;
}

/** Shards of at most SHARD_CAPACITY connection-seconds per second each, slow targets on shards of their own. */
export function planByLatency(targets: PlanTarget[], previous: ReadonlyMap<string, number> = new Map(), capacity = SHARD_CAPACITY): LatencyPlan {
  const out: LatencyPlan = { shards: new Map(), shardOf: new Map(), loads: new Map(), load: 0 };
  const fast: PlanTarget[] = [];
  const slow: PlanTarget[] = [];
  for (const t of targets) (isSlow(t, previous.get(t.target)) ? slow : fast).push(t);
  for (const [pool, base, end] of [[fast, 0, SLOW_SHARD_BASE], [slow, SLOW_SHARD_BASE, Infinity]] as const) {
    const load = pool.reduce((n, t) => n + targetLoad(t), 0);
    const checks = pool.reduce((n, t) => n + t.checks.length, 0);
    out.load += load;
    place(pool, chooseCount(load, checks, pool.length, previousCount(previous, base, end), capacity), base, previous, out, capacity);
  }
  out.shards = new Map([...out.shards].sort((a, b) => a[0] - b[0]));
  return out;
}

/**
 * The edge-runnable checks of one vantage point's targets, grouped by real
 * server: a vote speaks for the whole real server, so all its checkers share a
 * shard. `holdOf` gives the estimate (or undefined: the timeout until measured).
 */
export function planTargets(config: Config, assignments: TargetAssignment[], vantagePoint: string, holdOf: (target: string) => number | undefined, boostOf: (target: string) => number = () => 1): PlanTarget[] {
  const assigned = new Set(assignments.filter((a) => a.vantagePoints.includes(vantagePoint)).map((a) => a.key));
  const out: PlanTarget[] = [];
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) {
      const key = realServerKey(vs, rs);
      if (!assigned.has(key)) continue;
      const checks = rs.checks
        .filter((c) => c.type !== 'FILE_CHECK' && c.type !== 'BFD_CHECK')
        .map((c) => effectiveTiming(vs, rs, c))
        .map((t) => ({ intervalMs: t.delayLoopMs, timeoutMs: t.connectTimeoutMs }));
      if (checks.length === 0) continue;
      const timeoutMs = Math.max(...checks.map((c) => c.timeoutMs));
      const hold = holdOf(key);
      out.push({ target: key, checks, holdMs: Math.min(timeoutMs, hold ?? timeoutMs), measured: hold !== undefined, boost: boostOf(key) });
    }
  }
  return out;
}
