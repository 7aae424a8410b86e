import { SHARD_CAPACITY } from './shard-planner.ts';

/** Votes per (vantage point, target) the estimate looks back over: about 2.5 minutes at a 10 s delay_loop. */
export const HOLD_SAMPLES = 16;
/** A lag correction halves every this long once the lag stops being reported. */
export const BOOST_HALF_LIFE_MS = 10 * 60_000;
export const MAX_BOOST = 10_000;

/**
 * A target's hold time as the planner should see it, from the latencyMs of
 * its recent votes: the larger of the p90 and the mean. The mean is what the
 * sockets actually carry (a target that times out one run in ten at 2 s
 * costs 200 ms per run on average, which a p90 of 20 ms would hide); the p90
 * keeps headroom when the mean is pulled down by a fast majority.
 */
export function holdEstimate(samples: readonly number[]): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)]!;
  const mean = samples.reduce((n, x) => n + x, 0) / samples.length;
  return Math.max(p90, mean);
}

export interface Boost {
  factor: number;
  atMs: number;
}

export function boostNow(b: Boost | undefined, nowMs: number): number {
  if (!b) return 1;
  return Math.max(1, b.factor * 0.5 ** (Math.max(0, nowMs - b.atMs) / BOOST_HALF_LIFE_MS));
}

/**
 * The correction for a shard that reported it fell behind: its targets cost
 * more than their estimates say (CPU, a runtime stall, latency the last votes
 * have not shown yet). Scale them so the shard's load is at least double and
 * past one shard's capacity: the next plan must then split it (hysteresis
 * cannot keep it), whatever the estimates.
 */
export function lagMultiplier(shardLoad: number): number {
  return Math.min(MAX_BOOST, Math.max(2, (SHARD_CAPACITY * 1.05) / Math.max(1e-9, shardLoad)));
}

/** Recent latencies per key, in memory (the Board's); a plan persists the estimates it used. */
export class HoldSamples {
  private readonly byKey = new Map<string, number[]>();

  add(key: string, latencyMs: number): void {
    let ring = this.byKey.get(key);
    if (!ring) this.byKey.set(key, (ring = []));
    ring.push(latencyMs);
    if (ring.length > HOLD_SAMPLES) ring.shift();
  }

  estimate(key: string): number | undefined {
    return holdEstimate(this.byKey.get(key) ?? []);
  }

  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of [...this.byKey.keys()]) if (!keys.has(k)) this.byKey.delete(k);
  }
}
