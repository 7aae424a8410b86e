import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import { boostNow, holdEstimate, HoldSamples, lagMultiplier } from './hold-estimates.ts';
import { chooseCount, HOLD_FLOOR_MS, MAX_CHECKS_PER_SHARD, planByLatency, planTargets, SHARD_CAPACITY, SLOW_SHARD_BASE, targetLoad, type PlanTarget } from './shard-planner.ts';
import { planShards } from './shards.ts';
import { assignTargets } from './targets.ts';

const cfg = (n: number, delayLoop: number, timeout: number) =>
  Config.parse({
    vigil: { vantagePoints: [{ name: 'weur', kind: 'edge', region: 'weur' }] },
    virtualServers: [{ ip: '192.0.2.1', port: 80, protocol: 'TCP', delayLoopMs: delayLoop, connectTimeoutMs: timeout, realServers: Array.from({ length: n }, (_, i) => ({ ip: `198.51.${i >> 8}.${i & 255}`, port: 80, checks: [{ type: 'HTTP_GET', urls: [{ path: '/' }] }] })) }],
  });

const t = (name: string, holdMs: number, extra: Partial<PlanTarget> = {}): PlanTarget => ({ target: name, checks: [{ intervalMs: 10_000, timeoutMs: 2000 }], holdMs, measured: true, boost: 1, ...extra });

describe('hold estimates', () => {
  it('takes the larger of p90 and mean, so rare timeouts still count', () => {
    expect(holdEstimate([])).toBeUndefined();
    expect(holdEstimate([10, 10, 10, 10, 10, 10, 10, 10, 10, 30])).toBe(12); // mean 12 > p90 10
    expect(holdEstimate(Array.from({ length: 15 }, () => 20).concat([2000]))).toBeCloseTo(143.75);
    const s = new HoldSamples();
    for (let i = 0; i < 40; i++) s.add('k', i < 20 ? 1000 : 30);
    expect(s.estimate('k')).toBe(30); // only the last 16 count
  });

  it('lag corrections force a split and decay by half-life', () => {
    expect(lagMultiplier(0.1) * 0.1).toBeGreaterThan(SHARD_CAPACITY);
    expect(lagMultiplier(2.9)).toBe(2);
    expect(boostNow({ factor: 8, atMs: 0 }, 10 * 60_000)).toBeCloseTo(4);
    expect(boostNow(undefined, 0)).toBe(1);
  });
});

describe('latency-sized shards', () => {
  it('sizes from measurements, floored at 20 ms and capped at the timeout; unmeasured targets at the timeout', () => {
    const c = cfg(1000, 10_000, 5000);
    const a = assignTargets(c);
    expect(planByLatency(planTargets(c, a, 'weur', () => 40)).shards.size).toBe(2); // Σ 1000 × 40/10000 = 4 → 2 shards
    expect(planByLatency(planTargets(c, a, 'weur', () => 1)).load).toBeCloseTo((1000 * HOLD_FLOOR_MS) / 10_000); // floor
    const unmeasured = planByLatency(planTargets(c, a, 'weur', () => undefined));
    expect(unmeasured.shards.size).toBe(planShards(c, a, 'weur').shards.length); // the worst-case bound: 167
    expect([...unmeasured.shards.keys()].every((s) => s < SLOW_SHARD_BASE)).toBe(true);
    expect(targetLoad(t('x', 60_000))).toBeCloseTo(0.2); // capped at the 2 s timeout
  });

  it('caps checks per shard', () => {
    const many = Array.from({ length: MAX_CHECKS_PER_SHARD + 1 }, (_, i) => t(`t${i}`, 20, { checks: [{ intervalMs: 600_000, timeoutMs: 2000 }] }));
    const plan = planByLatency(many);
    expect(plan.shards.size).toBe(2);
    expect(Math.max(...[...plan.shards.values()].map((s) => s.length))).toBeLessThanOrEqual(MAX_CHECKS_PER_SHARD);
  });

  it('puts targets near their timeout on slow shards, with hysteresis on the way back', () => {
    const plan = planByLatency([t('fast', 30), t('hang', 1900)]);
    expect(plan.shardOf.get('fast')).toBe(0);
    expect(plan.shardOf.get('hang')).toBe(SLOW_SHARD_BASE);
    expect(planByLatency([t('fast', 30), t('hang', 200)], plan.shardOf).shardOf.get('hang')).toBe(SLOW_SHARD_BASE); // 200 ms: still slow
    expect(planByLatency([t('fast', 30), t('hang', 100)], plan.shardOf).shardOf.get('hang')).toBe(0);
  });

  it('splits above capacity and merges only well under it (no flapping)', () => {
    expect(chooseCount(3.1, 10, 10, 1)).toBe(2);
    expect(chooseCount(2.9, 10, 10, 2)).toBe(2); // fits in 1 but not at 60%: stay
    expect(chooseCount(1.7, 10, 10, 2)).toBe(1); // fits in 1 at 60%: merge
    // A load oscillating ±10% around one shard's capacity changes the count once.
    let prev = new Map<string, number>();
    const counts: number[] = [];
    for (let round = 0; round < 20; round++) {
      const hold = round % 2 ? 3150 : 2850; // 10 targets × hold / 10 s: 2.85 … 3.15, around one shard's 3
      const plan = planByLatency(Array.from({ length: 10 }, (_, i) => t(`t${i}`, hold, { checks: [{ intervalMs: 10_000, timeoutMs: 5000 }], measured: false })), prev);
      counts.push(plan.shards.size);
      prev = plan.shardOf;
    }
    expect(counts[0]).toBe(1);
    expect(counts.slice(1).every((n) => n === 2)).toBe(true);
  });

  it('a lag correction on one shard splits it and moves only some of its targets', () => {
    const targets = Array.from({ length: 100 }, (_, i) => t(`t${String(i).padStart(3, '0')}`, 25));
    const before = planByLatency(targets);
    expect(before.shards.size).toBe(1);
    const m = lagMultiplier(before.loads.get(0)!);
    const after = planByLatency(targets.map((x) => ({ ...x, boost: m })), before.shardOf);
    expect(after.shards.size).toBeGreaterThanOrEqual(2);
    const stayed = targets.filter((x) => after.shardOf.get(x.target) === 0).length;
    expect(stayed).toBeGreaterThan(0);
    expect(stayed).toBeLessThan(100);
  });

  it('never loses or duplicates a target, and keeps shards within capacity (property)', () => {
    const target = fc.record({ hold: fc.integer({ min: 0, max: 6000 }), timeout: fc.integer({ min: 100, max: 5000 }), interval: fc.integer({ min: 1000, max: 60_000 }), checks: fc.integer({ min: 1, max: 3 }), boost: fc.double({ min: 1, max: 50, noNaN: true }), measured: fc.boolean() });
    fc.assert(
      fc.property(fc.array(target, { maxLength: 300 }), fc.array(target, { maxLength: 300 }), (xs, ys) => {
        const mk = (arr: typeof xs) => arr.map((x, i) => ({ target: `t${i}`, checks: Array.from({ length: x.checks }, () => ({ intervalMs: x.interval, timeoutMs: x.timeout })), holdMs: Math.min(x.hold, x.timeout), measured: x.measured, boost: x.boost }));
        const first = planByLatency(mk(xs));
        const second = planByLatency(mk(ys), first.shardOf); // re-plan of a changed set from the first placement
        for (const [plan, ts] of [[first, mk(xs)], [second, mk(ys)]] as const) {
          const listed = [...plan.shards.values()].flat();
          expect(listed.length).toBe(ts.length);
          expect(new Set(listed)).toEqual(new Set(ts.map((x) => x.target)));
          const maxOne = Math.max(0, ...ts.map(targetLoad));
          for (const [shard, names] of plan.shards) {
            expect(names.length).toBeGreaterThan(0);
            expect(plan.loads.get(shard)!).toBeLessThanOrEqual(SHARD_CAPACITY + maxOne + 1e-9);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
