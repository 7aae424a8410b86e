import * as z from 'zod';
import type { Config } from '../../core/config/model.ts';
import type { Vote } from '../../core/vote/fold.ts';
import { boostNow, HoldSamples, lagMultiplier, type Boost } from '../../core/vote/hold-estimates.ts';
import { planByLatency, planTargets, type LatencyPlan } from '../../core/vote/shard-planner.ts';
import { assignTargets } from '../../core/vote/targets.ts';
import type { BoardStore } from './board-store.ts';

/**
 * What a Prober says about its own schedule, with a vote batch (only when it
 * is behind). lateP99Ms: p99 of (run start − due time) over the last minute;
 * thresholdMs: 20% of its smallest delay_loop (never below twice its alarm gap).
 */
export const ProberHealth = z.object({
  shard: z.number().int().min(0),
  lateP99Ms: z.number().min(0),
  thresholdMs: z.number().min(0),
  runs: z.number().int().min(0),
  timeouts: z.number().int().min(0),
  windowMs: z.number().min(0),
});
export type ProberHealth = z.infer<typeof ProberHealth>;

export const isLate = (h: ProberHealth) => h.lateP99Ms > h.thresholdMs;
/** Half or more of a minute's runs (at least 10) ended at their timeout: the estimates are about to rise. */
export const isTimingOut = (h: ProberHealth) => h.runs >= 10 && h.timeouts * 2 >= h.runs;

/** A vantage point is re-planned on a Prober's report at most this often: the new plan needs a few runs to show. */
export const REPLAN_COOLDOWN_MS = 30_000;

const VantagePlan = z.object({
  shardOf: z.record(z.string(), z.number().int().min(0)),
  /** The estimates the plan was made from: the prior after a restart, until votes arrive again. */
  holdMs: z.record(z.string(), z.number().min(0)),
  boost: z.record(z.string(), z.object({ factor: z.number().min(1), atMs: z.number() })),
});
const StoredPlan = z.record(z.string(), VantagePlan);
type StoredPlan = z.infer<typeof StoredPlan>;

const sampleKey = (vp: string, target: string) => `${vp}\n${target}`;

/**
 * The Board's side of latency-sized shards: the latencies its edge votes
 * carry, the lag corrections, and the plan per edge vantage point (stored,
 * so a restarted Board plans from the same estimates and placement instead
 * of falling back to timeouts and re-dealing every target).
 */
export class BoardShards {
  private readonly samples = new HoldSamples();
  private stored: StoredPlan | undefined;
  private storedText = '';
  private last = new Map<string, LatencyPlan>();
  private readonly lastReplanMs = new Map<string, number>();

  constructor(private readonly store: BoardStore) {}

  private plans(): StoredPlan {
    if (!this.stored) {
      this.stored = this.store.shardPlan(StoredPlan) ?? {};
      this.storedText = JSON.stringify(this.stored);
    }
    return this.stored;
  }

  observe(votes: readonly Vote[]): void {
    for (const v of votes) this.samples.add(sampleKey(v.vantagePoint, v.target), v.latencyMs);
  }

  /** Latency-sized plans for every edge vantage point; stores them (one row) when a placement changed. */
  planAll(config: Config, view: Config, nowMs: number): Map<string, LatencyPlan> {
    const stored = this.plans();
    const assignments = assignTargets(view);
    const next: StoredPlan = {};
    const out = new Map<string, LatencyPlan>();
    for (const vp of config.vigil.vantagePoints) {
      if (vp.kind !== 'edge') continue;
      const prev = stored[vp.name] ?? { shardOf: {}, holdMs: {}, boost: {} };
      const boosts = new Map<string, Boost>(Object.entries(prev.boost));
      const targets = planTargets(view, assignments, vp.name, (t) => this.samples.estimate(sampleKey(vp.name, t)) ?? prev.holdMs[t], (t) => boostNow(boosts.get(t), nowMs));
      const plan = planByLatency(targets, new Map(Object.entries(prev.shardOf)));
      out.set(vp.name, plan);
      const boost: Record<string, Boost> = {};
      for (const [t, b] of boosts) if (plan.shardOf.has(t) && boostNow(b, nowMs) > 1.01) boost[t] = b;
      next[vp.name] = { shardOf: Object.fromEntries(plan.shardOf), holdMs: Object.fromEntries(targets.filter((t) => t.measured).map((t) => [t.target, Math.round(t.holdMs)])), boost };
    }
    this.last = out;
    // Estimates drift every minute; the row is rewritten only when a placement or a correction changed.
    const placement = (p: StoredPlan) => JSON.stringify(Object.entries(p).map(([vp, x]) => [vp, x.shardOf, x.boost]));
    if (placement(next) !== placement(stored) || this.storedText === '') {
      this.store.setShardPlan(next);
      this.storedText = JSON.stringify(next);
    }
    this.stored = next;
    const keys = new Set([...out].flatMap(([vp, p]) => [...p.shardOf.keys()].map((t) => sampleKey(vp, t))));
    this.samples.keepOnly(keys);
    return out;
  }

  /**
   * A Prober's report. Late: its targets get a correction (lagMultiplier) so
   * the next plan splits the shard. Timing out en masse: the estimates will
   * say so by themselves; re-plan now rather than at the next cron minute.
   * Returns whether to re-plan now (at most once per REPLAN_COOLDOWN_MS per
   * vantage point).
   */
  report(vp: string, h: ProberHealth, nowMs: number, config: Config, view: Config): boolean {
    if (!isLate(h) && !isTimingOut(h)) return false;
    if (nowMs - (this.lastReplanMs.get(vp) ?? -Infinity) < REPLAN_COOLDOWN_MS) return false;
    this.lastReplanMs.set(vp, nowMs);
    // The shard's load as the latest estimates see it (the plan it runs may predate its first measurements).
    const plan = this.planAll(config, view, nowMs).get(vp);
    const stored = this.plans()[vp];
    if (isLate(h) && plan && stored) {
      const mine = plan.shards.get(h.shard) ?? [];
      const m = lagMultiplier(plan.loads.get(h.shard) ?? 0);
      for (const t of mine) stored.boost[t] = { factor: Math.min(1e4, boostNow(stored.boost[t], nowMs) * m), atMs: nowMs };
    }
    return true;
  }

  hasPlan(): boolean {
    return this.last.size > 0;
  }

  /** The current placement per vantage point: shard → targets (tests, status). */
  placement(): Record<string, Record<number, string[]>> {
    return Object.fromEntries([...this.last].map(([vp, p]) => [vp, Object.fromEntries(p.shards)]));
  }
}
