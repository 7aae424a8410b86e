/**
 * The edge's cost per check-month, from measured CPU and round trips, with
 * shards planned by the Board's own planner (core/vote/shard-planner.ts) on
 * a stated latency mix, and each shard's alarms simulated the way the Prober
 * runs them (workers/src/prober.ts: six sockets, everything due by the alarm's
 * start + gap / 2, next alarm ≥ one gap after the last began).
 */
import { Config } from '../core/config/model.ts';
import { HoldSamples, HOLD_SAMPLES } from '../core/vote/hold-estimates.ts';
import { CONTINUOUS_CAPACITY, HOLD_FLOOR_MS, planByLatency, planTargets, SHARD_CAPACITY } from '../core/vote/shard-planner.ts';
import { CONNECTIONS_PER_INVOCATION, planShards } from '../core/vote/shards.ts';
import { assignTargets } from '../core/vote/targets.ts';
import { batchWindowMs, continuousPays, continuousWindowEndMs, CRON_EVERY_MS, VOTE_EVERY_MS, VOTE_FLUSH_EVERY_MS } from '../workers/src/hot-path.ts';

/**
 * Prices as published by Cloudflare (Workers Paid: Durable Objects on SQLite
 * storage, developers.cloudflare.com/durable-objects/platform/pricing) and AWS
 * (Route 53 health checks), as read on the date below.
 */
export const PRICES = {
  date: '2026-01-07',
  /** Alarm invocations and every RPC method call count. */
  doRequestPerM: 0.15,
  /** Wall-clock while active or idle-but-not-hibernatable, at 128 MB per object. */
  doGbSecondPerM: 12.5,
  doGb: 0.125,
  /** SQLite storage, billed from 2026-01-07. A setAlarm() is counted as one row (alarms live in the object's storage). */
  rowsWrittenPerM: 1.0,
  route53NonAws: 0.75,
  route53FastInterval: 2.0,
};

export const INTERVAL_MS = 10_000;
export const TIMEOUT_MS = 2000;
export const REGIONS = 3;
export const RUNS_PER_CHECK_MONTH = ((30.44 * 86_400_000) / INTERVAL_MS) * REGIONS;
/** The modelled cluster: 3,000 real servers (one vantage point's share of a fleet), half TCP_CHECK, half HTTP_GET, one Board. */
export const MIX_TARGETS = 3000;
const SIM_MS = 180_000;

export interface Measured {
  cpuTcpMs: number;
  cpuHttpMs: number;
  loopTcpMs: number;
  loopHttpMs: number;
  boardCpuMs: number;
  rpcMs: number;
}

/** Seeded PRNG (mulberry32) and a lognormal draw: the mix is the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const lognormal = (r: () => number, median: number, sigma: number) => median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));

export interface Mix {
  label: string;
  /** Median RTT edge → origin and its spread across targets (lognormal σ), per-run jitter σ. */
  rttMedianMs: number;
  rttSigma: number;
  jitterSigma: number;
  /** Share of targets that hang until connect_timeout (host down, SYN dropped) and that refuse at once. */
  hanging: number;
  refusing: number;
}
export const REALISTIC: Mix = { label: 'realistic', rttMedianMs: 12, rttSigma: 0.6, jitterSigma: 0.25, hanging: 0.002, refusing: 0.005 };
export const mixText = (m: Mix) =>
  `RTT edge → origin lognormal per target, median ${m.rttMedianMs} ms, σ ${m.rttSigma} (p90 ≈ ${Math.round(m.rttMedianMs * Math.exp(1.2816 * m.rttSigma))} ms), per-run jitter σ ${m.jitterSigma}; TCP_CHECK holds 1 RTT + the measured loopback check, HTTP_GET 2 RTT + 5 ms server time + the measured loopback check; ${(m.refusing * 100).toFixed(1)}% of targets refuse (1 RTT), ${(m.hanging * 100).toFixed(1)}% hang to the ${TIMEOUT_MS / 1000} s connect_timeout`;

interface SimTarget {
  key: string;
  http: boolean;
  hold: () => number;
}

export function mixTargets(m: Mix, meas: Measured, seed = 7, count = MIX_TARGETS): { config: Config; targets: SimTarget[] } {
  const r = rng(seed);
  const targets: SimTarget[] = [];
  const realServers = [];
  for (let i = 0; i < count; i++) {
    const http = i % 2 === 1;
    const ip = `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const rtt = lognormal(r, m.rttMedianMs, m.rttSigma);
    const u = r();
    const kind = u < m.hanging ? 'hang' : u < m.hanging + m.refusing ? 'refuse' : 'ok';
    const hold =
      kind === 'hang' ? () => TIMEOUT_MS : kind === 'refuse' ? () => lognormal(r, rtt, m.jitterSigma) : () => (http ? 2 * lognormal(r, rtt, m.jitterSigma) + 5 + meas.loopHttpMs : lognormal(r, rtt, m.jitterSigma) + meas.loopTcpMs);
    targets.push({ key: `tcp/192.0.2.1:80|${ip}:80`, http, hold });
    realServers.push({ ip, port: 80, checks: [http ? { type: 'HTTP_GET', urls: [{ path: '/' }] } : { type: 'TCP_CHECK' }] });
  }
  const config = Config.parse({
    vigil: { vantagePoints: [{ name: 'weur', kind: 'edge', region: 'weur' }] },
    virtualServers: [{ ip: '192.0.2.1', port: 80, protocol: 'TCP', delayLoopMs: INTERVAL_MS, connectTimeoutMs: TIMEOUT_MS, realServers }],
  });
  return { config, targets };
}

interface ShardSim {
  runs: number;
  alarms: number;
  /** Vote RPCs to the Board: one per alarm, or one per VOTE_EVERY_MS of a continuous window. */
  votes: number;
  activeMs: number;
  late: number[];
}

/** One shard's alarms over SIM_MS, as prober.ts runs them. */
export function simulateShard(ts: SimTarget[], gapMs: number, meas: Measured, r: () => number): ShardSim {
  const due = ts.map(() => r() * INTERVAL_MS); // first runs spread over warmup
  const out: ShardSim = { runs: 0, alarms: 0, votes: 0, activeMs: 0, late: [] };
  let alarm = Math.min(...due);
  while (alarm < SIM_MS) {
    out.alarms++;
    out.votes++;
    const ran = new Set<number>();
    const free = new Array<number>(CONNECTIONS_PER_INVOCATION).fill(alarm);
    let end = alarm;
    for (;;) {
      const w = free.indexOf(Math.min(...free));
      const now = free[w]!;
      let pick = -1;
      for (let i = 0; i < ts.length; i++) if (!ran.has(i) && due[i]! <= alarm + batchWindowMs(gapMs) && (pick < 0 || due[i]! < due[pick]!)) pick = i;
      if (pick < 0) {
        free[w] = Infinity; // this worker finds nothing due and exits
        if (free.every((f) => f === Infinity)) break;
        continue;
      }
      ran.add(pick);
      out.late.push(Math.max(0, now - due[pick]!));
      const done = now + ts[pick]!.hold() + (ts[pick]!.http ? meas.cpuHttpMs : meas.cpuTcpMs);
      due[pick] = done + INTERVAL_MS;
      free[w] = done;
      end = Math.max(end, done);
      out.runs++;
    }
    out.activeMs += end - alarm + meas.rpcMs;
    alarm = Math.max(Math.min(...due), alarm + gapMs, end + meas.rpcMs);
  }
  return out;
}

/**
 * One shard in continuous mode over SIM_MS, as prober.ts runs it: an alarm
 * opens a window to just before the next cron minute; each of six sockets
 * takes the earliest check already due, or sleeps until one is; votes go
 * every VOTE_EVERY_MS; the next window starts when the last check of this one
 * has ended (its alarm set at the earliest due time). The whole window is
 * billed wall-clock.
 */
export function simulateContinuousShard(ts: SimTarget[], meas: Measured, r: () => number): ShardSim {
  const due = ts.map(() => r() * INTERVAL_MS);
  const out: ShardSim = { runs: 0, alarms: 0, votes: 0, activeMs: 0, late: [] };
  let start = Math.min(...due);
  while (start < SIM_MS) {
    out.alarms++;
    const end = continuousWindowEndMs(start);
    const free = new Array<number>(CONNECTIONS_PER_INVOCATION).fill(start);
    let last = start;
    for (;;) {
      const w = free.indexOf(Math.min(...free));
      const now = free[w]!;
      if (now >= end) break;
      let pick = 0;
      for (let i = 1; i < ts.length; i++) if (due[i]! < due[pick]!) pick = i;
      if (due[pick]! > now) {
        free[w] = Math.min(due[pick]!, end); // asleep until the next check is due
        continue;
      }
      out.late.push(now - due[pick]!);
      const done = now + ts[pick]!.hold() + (ts[pick]!.http ? meas.cpuHttpMs : meas.cpuTcpMs);
      due[pick] = done + INTERVAL_MS;
      free[w] = done;
      last = Math.max(last, done);
      out.runs++;
    }
    const finish = Math.max(end, last) + meas.rpcMs;
    out.votes += Math.ceil((finish - start) / VOTE_EVERY_MS);
    out.activeMs += finish - start;
    start = Math.max(finish, Math.min(...due));
  }
  return out;
}

/** The mode prober.ts would choose for a shard, from its checks' mean holds (hot-path.ts continuousPays). */
function choose(ts: SimTarget[], gapMs: number): 'alarms' | 'continuous' {
  const runsPerS = ts.length / (INTERVAL_MS / 1000);
  const busyPerS = ts.reduce((n, t) => n + t.hold() / 1000, 0) / (INTERVAL_MS / 1000);
  return continuousPays(runsPerS, busyPerS, gapMs, CONNECTIONS_PER_INVOCATION) ? 'continuous' : 'alarms';
}

export interface CostLine {
  label: string;
  shards: number;
  /** The largest shard (the slow shards are small). */
  checksPerShard: number;
  checksPerAlarm: number;
  lateP99Ms: number;
  requests: number;
  duration: number;
  rows: number;
  total: number;
  /** Shards that ran continuous. */
  continuous: number;
}

/** Dollars per check-month by component for a placement (shard → target indices) of a mix. */
function costOf(label: string, shards: number[][], targets: SimTarget[], gapMs: number, meas: Measured, mode: 'alarms' | 'continuous' | 'chosen' = 'alarms'): CostLine {
  const r = rng(11);
  let runs = 0;
  let alarms = 0;
  let votes = 0;
  let activeMs = 0;
  let continuous = 0;
  const late: number[] = [];
  for (const s of shards) {
    const ts = s.map((i) => targets[i]!);
    const m = mode === 'chosen' ? choose(ts, gapMs) : mode;
    const sim = m === 'continuous' ? simulateContinuousShard(ts, meas, r) : simulateShard(ts, gapMs, meas, r);
    if (m === 'continuous') continuous++;
    runs += sim.runs;
    alarms += sim.alarms;
    votes += sim.votes;
    activeMs += sim.activeMs;
    late.push(...sim.late);
  }
  late.sort((a, b) => a - b);
  // Per alarm: the alarm invocation (request), one setAlarm (row), its wall-clock (duration); per vote batch
  // (one per alarm, or one per VOTE_EVERY_MS of a continuous window): one RPC (request) and the Board's CPU
  // (duration); per Prober one cron configure RPC a minute; per cluster one vote compaction row per
  // VOTE_FLUSH_EVERY_MS and a re-fold alarm (request + row) per delay_loop.
  const requestsN = alarms + votes + shards.length * (SIM_MS / CRON_EVERY_MS) + SIM_MS / INTERVAL_MS;
  const rowsN = alarms + SIM_MS / VOTE_FLUSH_EVERY_MS + SIM_MS / INTERVAL_MS;
  // The Board's CPU was measured per batch of 60 votes: bigger batches are charged pro rata.
  const gbS = ((activeMs + Math.max(votes, runs / 60) * meas.boardCpuMs) / 1000) * PRICES.doGb;
  const perRunMonth = RUNS_PER_CHECK_MONTH / runs;
  const requests = (requestsN * PRICES.doRequestPerM * perRunMonth) / 1e6;
  const rows = (rowsN * PRICES.rowsWrittenPerM * perRunMonth) / 1e6;
  const duration = (gbS * PRICES.doGbSecondPerM * perRunMonth) / 1e6;
  return { label, shards: shards.length, checksPerShard: Math.max(...shards.map((s) => s.length)), checksPerAlarm: runs / alarms, lateP99Ms: late[Math.floor(late.length * 0.99)] ?? 0, requests, duration, rows, total: requests + duration + rows, continuous };
}

/** The Board's plan for a mix: each target's estimate from HOLD_SAMPLES votes of its own distribution. */
let lastEstimateMeanMs = 0;
function latencyPlan(config: Config, targets: SimTarget[], capacity = SHARD_CAPACITY, slowApart = true): number[][] {
  const samples = new HoldSamples();
  for (const t of targets) for (let i = 0; i < HOLD_SAMPLES; i++) samples.add(t.key, t.hold());
  const planned = planTargets(config, assignTargets(config), 'weur', (k) => samples.estimate(k));
  lastEstimateMeanMs = planned.reduce((n, t) => n + Math.max(HOLD_FLOOR_MS, t.holdMs), 0) / planned.length;
  const plan = planByLatency(planned, new Map(), capacity, slowApart);
  const index = new Map(targets.map((t, i) => [t.key, i]));
  return [...plan.shards.values()].map((keys) => keys.map((k) => index.get(k)!));
}

function boundPlan(config: Config, targets: SimTarget[]): number[][] {
  const index = new Map(targets.map((t, i) => [t.key, i]));
  return planShards(config, assignTargets(config), 'weur').shards.map((s) => s.map((c) => index.get(c.target)!));
}

/**
 * The floor, analytically, per check run with shards sized by hold h (s) at
 * utilisation U of the six sockets and alarms `gap` s apart: the Prober is
 * billed wall-clock ≈ h / 6 per run (six sockets share one object's clock),
 * and each alarm's request + vote RPC + setAlarm row ($1.3 per million) is
 * shared by at most 6 × gap × U / h checks:
 *   $/run ≥ h / 6 × (GB × $/GB-s + $1.3e-6 / (gap × U))
 * Returns the largest mean hold (ms) that meets `goal` per check-month.
 */
export function maxHoldForGoalMs(goal: number, gapS: number, utilisation: number): number {
  const perRunPerHoldS = (PRICES.doGb * PRICES.doGbSecondPerM * 1e-6 + ((2 * PRICES.doRequestPerM + PRICES.rowsWrittenPerM) * 1e-6) / (gapS * utilisation)) / CONNECTIONS_PER_INVOCATION;
  return (goal / (perRunPerHoldS * RUNS_PER_CHECK_MONTH)) * 1000;
}

export function costLines(meas: Measured): { main: CostLine[]; continuous: CostLine[]; gaps: CostLine[]; hanging: CostLine[]; estimateMeanMs: number; trueMeanMs: number } {
  const { config, targets } = mixTargets(REALISTIC, meas);
  const latency = latencyPlan(config, targets);
  const estimateMeanMs = lastEstimateMeanMs;
  const trueMeanMs = targets.reduce((n, t) => n + t.hold(), 0) / targets.length;
  const main = [
    costOf('latency-sized (the Board\'s planner), realistic mix', latency, targets, 1000, meas),
    costOf('worst-case bound (connect_timeout), realistic mix', boundPlan(config, targets), targets, 1000, meas),
  ];
  // Continuous mode: on today's shards (sized for 3 of 6 sockets), on shards sized for continuous Probers
  // (4.8 of 6), every shard forced continuous vs each shard's own choice (prober.ts: continuousPays).
  const wide = latencyPlan(config, targets, CONTINUOUS_CAPACITY);
  const continuous = [
    costOf('continuous, latency-sized shards (3 of 6 sockets)', latency, targets, 1000, meas, 'continuous'),
    costOf('continuous, shards sized for 4.8 of 6 sockets', wide, targets, 1000, meas, 'continuous'),
    costOf('per shard, the mode prober.ts chooses, 4.8 of 6 sockets', wide, targets, 1000, meas, 'chosen'),
    costOf('continuous, 4.8 of 6 sockets, slow targets not apart', latencyPlan(config, targets, CONTINUOUS_CAPACITY, false), targets, 1000, meas, 'continuous'),
  ];
  // A fleet 4× this share (12,000 real servers): the window's wall-clock is fixed per shard, so bigger shards
  // (up to MAX_CHECKS_PER_SHARD) fill their sockets closer to the planned 4.8.
  const big = mixTargets({ ...REALISTIC }, meas, 7, MIX_TARGETS * 4);
  continuous.push(costOf('continuous, 4.8 of 6, slow not apart, 12,000 real servers', latencyPlan(big.config, big.targets, CONTINUOUS_CAPACITY, false), big.targets, 1000, meas, 'continuous'));
  const gaps = [500, 1000, 2000].map((g) => costOf(`latency-sized, alarm gap ${g} ms`, latency, targets, g, meas));
  const floor = mixTargets({ ...REALISTIC, rttMedianMs: 1, rttSigma: 0, jitterSigma: 0, hanging: 0, refusing: 0 }, { ...meas, loopTcpMs: 19, loopHttpMs: 12 });
  main.push(costOf('latency-sized, every check held ≈ 20 ms (the floor)', latencyPlan(floor.config, floor.targets), floor.targets, 1000, meas));
  const hanging = [0, 0.002, 0.01].map((h) => {
    const m = mixTargets({ ...REALISTIC, hanging: h }, meas);
    return costOf(`latency-sized, ${(h * 100).toFixed(1)}% of targets hanging`, latencyPlan(m.config, m.targets), m.targets, 1000, meas);
  });
  return { main, continuous, gaps, hanging, estimateMeanMs, trueMeanMs };
}
