/**
 * Cloud failover: time from the active director's death to the address on
 * the standby, as the EC2 endpoint recorded it (the standby's successful
 * AssociateAddress). Real parts: the control plane with the LeaseKeeper in
 * workerd (wrangler dev), the real movers and @aws-sdk/client-ec2 against the
 * test endpoint, heartbeat 1 s, lease TTL 2 s; with and without 30% of EC2
 * calls throttled. Then many chaos schedules on the simulated clock (same
 * movers, SDK and endpoint; the keeper's step in memory) for dual holders.
 */
import type { Clock } from '../core/ports/clock.ts';
import { systemClock } from '../core/ports/clock.ts';
import { HttpLeaseClient } from '../shim/cloud/lease-client.ts';
import { localSecrets, tokensOf, type LocalSecrets } from '../devstack/local-secrets.ts';
import { Ec2Endpoint } from '../test/ec2/ec2-endpoint.ts';
import { ALLOCATION_ID, binding, DIRECTORS, sdkEnv, seed } from '../test/ec2/fixture.ts';
import { runSimSchedule } from '../test/cloud/chaos-sim.ts';
import { Fleet } from '../test/cloud/fleet.ts';
import { prng } from '../test/helpers/prng.ts';
import { WorkerdKeeper } from '../test/cloud/workerd-keeper.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';

const RUNS = Number(process.env['BENCH_FAILOVER_RUNS'] ?? 30);
const SCHEDULES = Number(process.env['BENCH_CHAOS_SCHEDULES'] ?? 1000);
const HEARTBEAT_MS = 1_000;
const TTL_MS = 2_000;
const wallClock: Clock = { nowMs: () => Date.now(), sleep: systemClock.sleep };

async function until(cond: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

async function failovers(throttleRate: number, keeper: WorkerdKeeper, endpoint: Ec2Endpoint, token: string, cluster: string): Promise<{ samples: number[]; dual: number; lost: number }> {
  const cfg = binding('elastic-ip', { name: 'web', leaseTtlMs: TTL_MS }, 2);
  const put = await fetch(`${keeper.url}/v1/clusters/${cluster}/config`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ vigil: { cloudBindings: [cfg] } }) });
  if (!put.ok) throw new Error(`config: ${put.status} ${await put.text()}`);
  return measure(cfg, throttleRate, keeper, endpoint, cluster);
}

async function measure(cfg: ReturnType<typeof binding>, throttleRate: number, keeper: WorkerdKeeper, endpoint: Ec2Endpoint, cluster: string) {
  // Each director heartbeats with its own token, as a deployment's would (a shim token names its director).
  const directors = tokensOf(secrets!.tokens, cluster).directors;
  const fleet = new Fleet({ binding: cfg, clientFor: (id) => new HttpLeaseClient(`${keeper.url}/v1/clusters/${cluster}`, id, directors[id]!), clock: wallClock, heartbeatMs: HEARTBEAT_MS, retry: { baseMs: 100, maxBackoffMs: 1_000, maxAttempts: 10, random: prng(99) } });
  const samples: number[] = [];
  let dual = 0;
  let lost = 0;
  const sampler = setInterval(() => (fleet.believers().length > 1 ? dual++ : 0), 20);
  const rng = prng(Math.round(throttleRate * 100) + 5);
  try {
    for (const d of ['lb1', 'lb2']) fleet.start(d);
    for (let run = 0; run < RUNS; run++) {
      endpoint.faults = { throttleRate: 0, serverErrorRate: 0, latencyMs: 0 };
      const steady = await until(() => {
        const b = fleet.believers();
        const d = DIRECTORS.find((x) => x.id === b[0]);
        // The primary (lb1) holds again after the previous run's preemption, and the address is on it.
        return b.length === 1 && b[0] === 'lb1' && fleet.alive().length === 2 && endpoint.world.addresses.get(ALLOCATION_ID)?.instanceId === d?.instanceId;
      }, 30_000);
      if (!steady) throw new Error(`no steady holder within 30 s: believers ${fleet.believers().join(',')}, alive ${fleet.alive().join(',')}, address on ${endpoint.world.addresses.get(ALLOCATION_ID)?.instanceId}, last calls ${JSON.stringify(endpoint.calls.slice(-3).map((c) => [c.director, c.action, c.outcome]))}`);
      // Die at a random point of the heartbeat cycle.
      await new Promise((r) => setTimeout(r, 1_000 + rng() * HEARTBEAT_MS));
      const active = 'lb1';
      const standby = DIRECTORS[1];
      endpoint.faults = { throttleRate, serverErrorRate: 0, latencyMs: 0 };
      const from = endpoint.calls.length;
      const diedAtMs = Date.now();
      await fleet.kill(active);
      const moved = await until(() => endpoint.calls.slice(from).some((c) => c.director === standby.id && c.action === 'AssociateAddress' && c.outcome === 'ok'), 20_000);
      const call = endpoint.calls.slice(from).find((c) => c.director === standby.id && c.action === 'AssociateAddress' && c.outcome === 'ok');
      if (moved && call) samples.push(call.answeredAtMs - diedAtMs);
      else lost++;
      fleet.start(active);
    }
  } finally {
    clearInterval(sampler);
    await fleet.stopAll();
  }
  return { samples, dual, lost };
}

const CLUSTERS = ['bench-a', 'bench-b'] as const;
const DIRECTOR_IDS = ['lb1', 'lb2'];
let secrets: LocalSecrets | null = null;

export async function run(): Promise<BenchSection[]> {
  secrets = localSecrets({ clusters: CLUSTERS, directors: DIRECTOR_IDS });
  const endpoint = new Ec2Endpoint(seed(), { random: prng(42) });
  sdkEnv(await endpoint.start());
  const keeper = new WorkerdKeeper(secrets);
  await keeper.start();
  const rows: (string | number)[][] = [];
  try {
    for (const [label, rate, cluster] of [['no throttling', 0, CLUSTERS[0]], ['30% of EC2 calls throttled', 0.3, CLUSTERS[1]]] as const) {
      process.stderr.write(`cloud-failover: ${RUNS} failovers, ${label}\n`);
      const r = await failovers(rate, keeper, endpoint, secrets.tokens.admin, cluster);
      const s = stats(r.samples);
      rows.push([label, s.n, fmt(s.median / 1000, 2), fmt(s.p99 / 1000, 2), fmt(s.min / 1000, 2), fmt(s.max / 1000, 2), r.lost, r.dual]);
    }
  } finally {
    await keeper.dispose();
    await endpoint.stop();
  }
  process.stderr.write(`cloud-failover: ${SCHEDULES} chaos schedules on the simulated clock\n`);
  let bad = 0;
  let grants = 0;
  let mutations = 0;
  const started = Date.now();
  for (let s = 1; s <= SCHEDULES; s++) {
    const r = await runSimSchedule(s);
    if (r.violations.length) bad++;
    grants += r.grants;
    mutations += r.mutations;
  }
  const chaosMs = Date.now() - started;
  return [
    {
      title: 'Cloud failover: active director dies → address on the standby',
      markdown: [
        `Heartbeat ${HEARTBEAT_MS} ms, lease TTL ${TTL_MS} ms, Elastic IP, two directors. LeaseKeeper and Board in workerd (wrangler dev, local); the real movers and @aws-sdk/client-ec2 against the test EC2 endpoint; time from the kill to the standby's successful AssociateAddress in the endpoint's own log. Goal: median < 3 s, p99 < 5 s.`,
        '',
        table(['condition', 'runs', 'median s', 'p99 s', 'min s', 'max s', 'no move within 20 s', 'samples with two believers'], rows),
      ].join('\n'),
    },
    {
      title: 'Cloud failover: dual holders over chaos schedules',
      markdown: [
        `${SCHEDULES} seeded schedules (seeds 1..${SCHEDULES}; each: kill the holder, partition it from the Board, partition the shims, restart the keeper, lease expiring during a hung AssociateAddress, 50% throttling, in seeded order) on a **simulated clock**, in-process: the real movers, SDK and EC2 endpoint, the keeper's own heartbeat step (lease-table.ts, as the LeaseKeeper Durable Object runs it) in memory rather than workerd, which would take hours for 1,000. \`npm run chaos -- ${SCHEDULES}\` replays them.`,
        '',
        table(['schedules', 'with violations', 'lease grants', 'mutating EC2 calls', 'wall time s'], [[SCHEDULES, bad, grants, mutations, fmt(chaosMs / 1000, 1)]]),
      ].join('\n'),
    },
  ];
}
