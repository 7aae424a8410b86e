/**
 * The edge's cost per check-month, from measured CPU and round trips, with
 * shards planned by the Board's own planner (core/vote/shard-planner.ts) on
 * a stated latency mix, and each shard's rounds simulated the way the Prober
 * and its ProbeRunner run them (workers/src/prober.ts, round.ts: a round of
 * up to 20 s handed off per alarm, six sockets, each check started when due).
 */
import { Config } from '../core/config/model.ts';
import { HoldSamples, HOLD_SAMPLES } from '../core/vote/hold-estimates.ts';
import { HOLD_FLOOR_MS, planByLatency, planTargets } from '../core/vote/shard-planner.ts';
import { CONNECTIONS_PER_INVOCATION, planShards } from '../core/vote/shards.ts';
import { assignTargets } from '../core/vote/targets.ts';
import { prng } from '../test/helpers/prng.ts';
import { CRON_EVERY_MS, roundLengthMs, VOTE_FLUSH_EVERY_MS } from '../workers/src/edge-timings.ts';

/**
 * Prices as published by Cloudflare (Workers Paid: Durable Objects on SQLite
 * storage, developers.cloudflare.com/durable-objects/platform/pricing) and AWS
 * (Route 53 health checks), as read on the date below.
 */
export const PRICES = {
  date: '2026-11-21',
  /** Alarm invocations and every RPC method call count. */
  doRequestPerM: 0.15,
  /** Wall-clock while active or idle-but-not-hibernatable, at 128 MB per object; an object idle and eligible for hibernation is not billed. */
  doGbSecondPerM: 12.5,
  doGb: 0.125,
  /** SQLite storage, billed from 2026-01-07. A setAlarm() is counted as one row (alarms live in the object's storage). */
  rowsWrittenPerM: 1.0,
  /** Workers Standard: CPU time, and requests. A Service binding call adds no request charge; one is counted per round anyway. */
  workerCpuMsPerM: 0.02,
  workerRequestPerM: 0.3,
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
  /** All of workerd's CPU per check run on the relay path (runner, Prober, Board, Worker), measured end to end; by kind. */
  allInTcpMs: number;
  allInHttpMs: number;
}

/** A lognormal draw from the seeded PRNG (test/helpers/prng.ts): the mix is the same every run. */
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
  const r = prng(seed);
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
  rounds: number;
  late: number[];
}

/**
 * One shard's rounds over SIM_MS, as prober.ts and round.ts run them: an
 * alarm lends every checker due before its round ends (and not still out in
 * the previous round); six sockets each take the earliest lent check, waiting
 * until it is due; the next alarm is at the round's end, or at the next due
 * time after it when nothing is due sooner.
 */
export function simulateShard(ts: SimTarget[], meas: Measured, r: () => number): ShardSim {
  const due = ts.map(() => r() * INTERVAL_MS); // first runs spread over warmup
  const busyUntil = ts.map(() => 0);
  const out: ShardSim = { runs: 0, rounds: 0, late: [] };
  const roundMs = roundLengthMs(TIMEOUT_MS, ts.length / (INTERVAL_MS / 1000));
  let start = Math.min(...due);
  while (start < SIM_MS) {
    const end = start + roundMs;
    const lent = ts.map((_, i) => i).filter((i) => busyUntil[i]! <= start && due[i]! < end);
    if (lent.length > 0) out.rounds++;
    const free = new Array<number>(CONNECTIONS_PER_INVOCATION).fill(start);
    const queue = lent.sort((a, b) => due[a]! - due[b]!);
    while (queue.length > 0 && due[queue[0]!]! < end) {
      const w = free.indexOf(Math.min(...free));
      const i = queue.shift()!;
      const at = Math.max(free[w]!, due[i]!);
      out.late.push(at - due[i]!);
      const done = at + ts[i]!.hold() + (ts[i]!.http ? meas.cpuHttpMs : meas.cpuTcpMs);
      due[i] = done + INTERVAL_MS;
      busyUntil[i] = done;
      free[w] = done;
      out.runs++;
      // A check due again within the round (a short delay_loop) goes back in the queue.
      if (due[i]! < end) {
        const at = queue.findIndex((k) => due[k]! > due[i]!);
        queue.splice(at < 0 ? queue.length : at, 0, i);
      }
    }
    start = Math.max(end, Math.min(...due));
  }
  return out;
}

export interface CostLine {
  label: string;
  shards: number;
  /** The largest shard (the slow shards are small). */
  checksPerShard: number;
  checksPerRound: number;
  lateP99Ms: number;
  /** Dollars per check-month: Durable Object requests, duration, rows written; Worker CPU and requests. */
  requests: number;
  duration: number;
  rows: number;
  cpu: number;
  total: number;
}

/**
 * Per round: the Prober's alarm (request) and its setAlarm (row); the
 * runRound call (no charge by Cloudflare's terms, counted as one Worker
 * request anyway); the final roundDone (request) and the runner's vote RPC to
 * the Board (request); the Prober's billed wall-clock, two RPC round trips
 * (dispatch, report) plus the CPU it spends, which the all-in CPU figure below
 * already bills at the higher Worker rate; the Board's CPU per batch. Per
 * run: the measured CPU of a check, all-in (runner, Prober, Board, the
 * Worker), at the Workers CPU price. Per Prober one cron configure RPC a
 * minute; per cluster one vote compaction row per VOTE_FLUSH_EVERY_MS and a
 * re-fold alarm (request + row) per delay_loop.
 */
function costOf(label: string, shards: number[][], targets: SimTarget[], meas: Measured): CostLine {
  const r = prng(11);
  let runs = 0;
  let rounds = 0;
  let httpRuns = 0;
  const late: number[] = [];
  for (const s of shards) {
    const ts = s.map((i) => targets[i]!);
    const sim = simulateShard(ts, meas, r);
    runs += sim.runs;
    rounds += sim.rounds;
    httpRuns += (sim.runs * ts.filter((t) => t.http).length) / ts.length;
    late.push(...sim.late);
  }
  late.sort((a, b) => a - b);
  const doRequestsN = rounds * 3 + shards.length * (SIM_MS / CRON_EVERY_MS) + SIM_MS / INTERVAL_MS;
  // The cron's re-sent plan can set a watchdog alarm while a round is out: a row per Prober a minute.
  const rowsN = rounds + shards.length * (SIM_MS / CRON_EVERY_MS) + SIM_MS / VOTE_FLUSH_EVERY_MS + SIM_MS / INTERVAL_MS;
  const gbS = ((rounds * (2 * meas.rpcMs + meas.boardCpuMs)) / 1000) * PRICES.doGb;
  const cpuMs = httpRuns * meas.allInHttpMs + (runs - httpRuns) * meas.allInTcpMs;
  const perRunMonth = RUNS_PER_CHECK_MONTH / runs;
  const requests = ((doRequestsN * PRICES.doRequestPerM + rounds * PRICES.workerRequestPerM) * perRunMonth) / 1e6;
  const rows = (rowsN * PRICES.rowsWrittenPerM * perRunMonth) / 1e6;
  const duration = (gbS * PRICES.doGbSecondPerM * perRunMonth) / 1e6;
  const cpu = (cpuMs * PRICES.workerCpuMsPerM * perRunMonth) / 1e6;
  return { label, shards: shards.length, checksPerShard: Math.max(...shards.map((s) => s.length)), checksPerRound: runs / rounds, lateP99Ms: late[Math.floor(late.length * 0.99)] ?? 0, requests, duration, rows, cpu, total: requests + duration + rows + cpu };
}

/** The Board's plan for a mix: each target's estimate from HOLD_SAMPLES votes of its own distribution. */
let lastEstimateMeanMs = 0;
function latencyPlan(config: Config, targets: SimTarget[]): number[][] {
  const samples = new HoldSamples();
  for (const t of targets) for (let i = 0; i < HOLD_SAMPLES; i++) samples.add(t.key, t.hold());
  const planned = planTargets(config, assignTargets(config), 'weur', (k) => samples.estimate(k));
  lastEstimateMeanMs = planned.reduce((n, t) => n + Math.max(HOLD_FLOOR_MS, t.holdMs), 0) / planned.length;
  const plan = planByLatency(planned, new Map());
  const index = new Map(targets.map((t, i) => [t.key, i]));
  return [...plan.shards.values()].map((keys) => keys.map((k) => index.get(k)!));
}

function boundPlan(config: Config, targets: SimTarget[]): number[][] {
  const index = new Map(targets.map((t, i) => [t.key, i]));
  return planShards(config, assignTargets(config), 'weur').shards.map((s) => s.map((c) => index.get(c.target)!));
}

export function costLines(meas: Measured): { main: CostLine[]; hanging: CostLine[]; estimateMeanMs: number; trueMeanMs: number } {
  const { config, targets } = mixTargets(REALISTIC, meas);
  const latency = latencyPlan(config, targets);
  const estimateMeanMs = lastEstimateMeanMs;
  const trueMeanMs = targets.reduce((n, t) => n + t.hold(), 0) / targets.length;
  const main = [
    costOf("latency-sized (the Board's planner), realistic mix", latency, targets, meas),
    costOf('worst-case bound (connect_timeout), realistic mix', boundPlan(config, targets), targets, meas),
  ];
  // A fleet 4× this share: more shards, the same cost per check (it is per run, and per round of a full shard).
  const big = mixTargets({ ...REALISTIC }, meas, 7, MIX_TARGETS * 4);
  main.push(costOf('latency-sized, 12,000 real servers', latencyPlan(big.config, big.targets), big.targets, meas));
  const few = mixTargets({ ...REALISTIC }, meas, 7, 60);
  main.push(costOf('latency-sized, 60 real servers (one small shard)', latencyPlan(few.config, few.targets), few.targets, meas));
  const hanging = [0, 0.002, 0.01].map((h) => {
    const m = mixTargets({ ...REALISTIC, hanging: h }, meas);
    return costOf(`latency-sized, ${(h * 100).toFixed(1)}% of targets hanging`, latencyPlan(m.config, m.targets), m.targets, meas);
  });
  return { main, hanging, estimateMeanMs, trueMeanMs };
}
