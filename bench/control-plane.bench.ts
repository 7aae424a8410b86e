/**
 * The edge control plane on local workerd:
 * - votes one Board ingests per second from batched posts (3 vantage points in parallel);
 * - time from the vote that flips a verdict to the snapshot arriving at 100 WebSocket
 *   subscribers, on Miniflare directly (as production: Worker → Board) and through
 *   wrangler dev (one more proxy process in the path), in the same run;
 * - CPU ms per check in workerd (the check engine's harness, bench/workerd-checks.ts) and
 *   the Board's CPU and round trip per vote batch; from them, a cost per check-month at
 *   published prices, per component.
 * Bounded loops, loopback only.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { Vote } from '../core/vote/fold.ts';
import { CONNECTIONS_PER_INVOCATION, PLANNED_UTILISATION } from '../core/vote/shards.ts';
import { HOLD_FLOOR_MS, MAX_CHECKS_PER_SHARD, SLOW_HOLD_MS } from '../core/vote/shard-planner.ts';
import { costLines, mixText, MIX_TARGETS, PRICES, REALISTIC, REGIONS, RUNS_PER_CHECK_MONTH, INTERVAL_MS, TIMEOUT_MS, type CostLine } from './control-plane-cost.ts';
import { measureRelay } from './control-plane-relay.ts';
import { localSecrets, tokensOf } from '../devstack/local-secrets.ts';
import { startWranglerDev } from '../devstack/wrangler-dev.ts';
import { BoardClient } from '../shim/probe/board-client.ts';
import { CRON_EVERY_MS, ROUND_MAX_MS, VOTE_FLUSH_EVERY_MS } from '../workers/src/edge-timings.ts';
import { startMiniflare } from './control-plane-miniflare.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { measureWorkerd, workerdCpuMs } from './workerd-checks.ts';

const VPS = ['dc1', 'dc2', 'dc3'];
const CLUSTER = 'bench';
const TARGETS = 500;
const BATCH = 1000;
const BATCHES_PER_VP = 20; // 60,000 votes per round
const ROUNDS = 3;
const SUBSCRIBERS = 100;
const FLIPS = 30;

function config(): string {
  const rs = Array.from({ length: TARGETS }, (_, i) => `    real_server 10.2.${Math.floor(i / 250)}.${(i % 250) + 1} 80 {\n        TCP_CHECK {\n            connect_timeout 2\n        }\n    }`).join('\n');
  return `virtual_server 192.0.2.20 80 {\n    delay_loop 10\n    protocol TCP\n${rs}\n}\nvigil {\n${VPS.map((v) => `    vantage_point ${v} {\n        kind self-hosted\n    }`).join('\n')}\n}\n`;
}
const key = (i: number) => `tcp/192.0.2.20:80|10.2.${Math.floor(i / 250)}.${(i % 250) + 1}:80`;
const vote = (i: number, vp: string, up: boolean, atMs: number): Vote => ({ target: key(i), vantagePoint: vp, up, reason: up ? 'ok' : 'connect_refused', latencyMs: 1, atMs, intervalMs: 10_000, timeoutMs: 2000 });

async function ingest(url: string, tokens: Record<string, string>): Promise<number[]> {
  const rates: number[] = [];
  let clock = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    await Promise.all(
      VPS.map(async (vp) => {
        const c = new BoardClient(url, tokens[vp]!, 30_000);
        for (let b = 0; b < BATCHES_PER_VP; b++) {
          // Each batch newer than the last (the Board keeps the newest), and near the Board's clock, which refuses votes off it by more than VOTE_MAX_SKEW_MS.
          const at = (clock = Math.max(clock + 1, Date.now()));
          await c.postVotes(Array.from({ length: BATCH }, (_, j) => vote((b * BATCH + j) % TARGETS, vp, true, at)));
        }
      }),
    );
    rates.push((VPS.length * BATCHES_PER_VP * BATCH) / ((performance.now() - t0) / 1000));
    process.stderr.write(`control-plane bench: ingest round ${round}: ${rates[rates.length - 1]!.toFixed(0)} votes/s\n`);
  }
  return rates;
}

interface PushResult {
  samples: number[];
  /** Per flip, the first subscriber's arrival: the Board's own latency without the fan-out queue. */
  first: number[];
  /** Size of one pushed message (the signed snapshot inside its StreamMessage). */
  messageBytes: number;
}

async function push(url: string, tokens: Record<string, string>, shim: string): Promise<PushResult> {
  const sockets: WebSocket[] = [];
  const arrivals: ((seq: number, at: number) => void)[] = [];
  let lastSeq = 0;
  let messageBytes = 0;
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        // ws (a leaner frame parser) rather than the shim's undici client: the
        // 100 subscribers share this one Node thread, and what is measured is the Board's fan-out.
        const ws = new WebSocket(`${url.replace('http', 'ws')}/stream`, { headers: { Authorization: `Bearer ${shim}` }, skipUTF8Validation: true, perMessageDeflate: false });
        const timer = setTimeout(() => reject(new Error('subscriber did not get its first snapshot')), 20_000);
        ws.on('message', (data: Buffer) => {
          // Arrival is stamped before any parsing: the 100 subscribers share this one Node
          // thread, and each one's JSON work would queue behind the others' (on a director
          // each shim has its own). The seq comes first in the message ({"type","seq",…}).
          const at = performance.now();
          const seq = Number(/"seq":(\d+)/.exec(data.subarray(0, 64).toString('latin1'))?.[1] ?? 0);
          messageBytes = data.length;
          lastSeq = Math.max(lastSeq, seq);
          arrivals[i]?.(seq, at);
          clearTimeout(timer);
          resolve();
        });
        ws.on('error', () => reject(new Error('WebSocket error')));
        sockets.push(ws);
      }),
    ),
  );
  const samples: number[] = [];
  const first: number[] = [];
  const voters = VPS.slice(0, 2).map((vp) => new BoardClient(url, tokens[vp]!));
  let clock = Date.now() + 10_000;
  for (let f = 0; f < FLIPS; f++) {
    // A fresh target each time (all up after the ingestion rounds): dc1's down vote alone changes
    // nothing, dc2's makes the quorum of 2, so that post is the one that flips the verdict.
    const target = f + 1;
    await voters[0]!.postVotes([vote(target, 'dc1', false, ++clock)]);
    const before = lastSeq;
    const got = Array.from({ length: SUBSCRIBERS }, (_, i) => new Promise<number>((resolve) => (arrivals[i] = (seq, at) => seq > before && resolve(at))));
    const t0 = performance.now();
    await voters[1]!.postVotes([vote(target, 'dc2', false, ++clock)]);
    const ats = await Promise.race([Promise.all(got), new Promise<number[]>((_, rej) => setTimeout(() => rej(new Error(`push ${f} did not arrive within 10 s (last seq ${lastSeq}, before ${before})`)), 10_000))]);
    samples.push(...ats.map((a) => a - t0));
    first.push(Math.min(...ats) - t0);
    await new Promise((r) => setTimeout(r, 50)); // let the sockets drain between flips
  }
  for (const ws of sockets) ws.close();
  return { samples, first, messageBytes };
}

/** What one Prober alarm's vote batch costs the Board: workerd CPU (all of it, Worker included) and round trip. */
async function boardBatch(url: string, tokens: Record<string, string>, perBatch: number, n: number): Promise<{ cpuMs: number; roundTripMs: number }> {
  const c = new BoardClient(url, tokens.dc3!);
  let clock = Date.now() + 20_000;
  const post = (b: number) => c.postVotes(Array.from({ length: perBatch }, (_, j) => vote((b * perBatch + j) % TARGETS, 'dc3', true, ++clock)));
  for (let b = 0; b < 20; b++) await post(b); // warm-up
  const rtts: number[] = [];
  const cpu0 = workerdCpuMs();
  for (let b = 0; b < n; b++) {
    const t0 = performance.now();
    await post(b);
    rtts.push(performance.now() - t0);
  }
  return { cpuMs: (workerdCpuMs() - cpu0) / n, roundTripMs: stats(rtts).median };
}

interface Target {
  name: string;
  rates: number[];
  push: PushResult;
}

async function measure(name: string, url: string, secrets: ReturnType<typeof localSecrets>): Promise<Target> {
  await new BoardClient(url, secrets.tokens.admin).putConfig(config());
  const t = tokensOf(secrets.tokens, CLUSTER);
  const rates = await ingest(url, t.probers);
  return { name, rates, push: await push(url, t.probers, t.shim) };
}

async function engineCpu(): Promise<{ tcp: number; http: number; loopTcp: number; loopHttp: number; note: string }> {
  const body = 'vigil bench\n';
  const server: Server = createServer((_q, r) => {
    r.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length), connection: 'close' });
    r.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (server.address() as AddressInfo).port;
    const figs = await measureWorkerd([port], createHash('md5').update(body).digest('hex'), 2000);
    const by = (k: string) => figs.find((f) => f.kind === k)!;
    return { tcp: by('TCP_CHECK').cpuMsPerCheck, http: by('HTTP_GET').cpuMsPerCheck, loopTcp: by('TCP_CHECK').latencyMsMedian, loopHttp: by('HTTP_GET').latencyMsMedian, note: `${by('HTTP_GET').failures} HTTP failures, ${by('TCP_CHECK').failures} TCP failures in ${by('HTTP_GET').checks} each` };
  } finally {
    server.close();
  }
}

function costTable(lines: CostLine[]): string {
  const $ = (x: number) => `$${x < 0.01 ? x.toFixed(4) : x.toFixed(3)}`;
  return table(
    ['shards', 'shards (largest, checks)', 'checks/round', 'late p99 (ms)', 'requests', 'DO duration (GB-s)', 'rows written', 'Worker CPU', 'total per check-month'],
    lines.map((l) => [l.label, `${l.shards} (${l.checksPerShard})`, fmt(l.checksPerRound, 1), fmt(l.lateP99Ms, 0), $(l.requests), $(l.duration), $(l.rows), $(l.cpu), $(l.total)]),
  );
}

export async function run(): Promise<BenchSection[]> {
  const secrets = localSecrets({ clusters: [CLUSTER], vantagePoints: VPS });
  const targets: Target[] = [];
  let batch: { cpuMs: number; roundTripMs: number };
  const mf = await startMiniflare(secrets);
  try {
    const url = `${mf.url}/v1/clusters/${CLUSTER}`;
    targets.push(await measure('Miniflare (workerd, no proxy)', url, secrets));
    batch = await boardBatch(url, tokensOf(secrets.tokens, CLUSTER).probers, 60, 200);
  } finally {
    await mf.stop();
  }
  const dev = await startWranglerDev({ secrets });
  try {
    targets.push(await measure('wrangler dev --local (+ its proxy)', `${dev.url}/v1/clusters/${CLUSTER}`, secrets));
  } finally {
    await dev.stop();
  }
  const cpu = await engineCpu();
  const relay = await measureRelay(secrets);
  const rk = (k: string) => relay.find((r) => r.kind === k)!;

  const meas = { cpuTcpMs: cpu.tcp, cpuHttpMs: cpu.http, loopTcpMs: cpu.loopTcp, loopHttpMs: cpu.loopHttp, boardCpuMs: batch.cpuMs, rpcMs: batch.roundTripMs, allInTcpMs: rk('TCP_CHECK').cpuMsPerRun, allInHttpMs: rk('HTTP_GET').cpuMsPerRun };
  const costs = costLines(meas);
  const route53 = PRICES.route53NonAws + PRICES.route53FastInterval;
  const pushRows = targets.map((t) => {
    const p = stats(t.push.samples);
    const f = stats(t.push.first);
    return [
      [`vote that flips a verdict → snapshot at ${SUBSCRIBERS} WebSocket subscribers (ms), ${t.name}`, fmt(p.median), fmt(p.p99), 'p99 < 50', p.n],
      [`  the same, first of the ${SUBSCRIBERS} subscribers per flip (ms), ${t.name}`, fmt(f.median), fmt(f.p99), '', f.n],
    ];
  }).flat();
  const rateRows = targets.map((t) => {
    const r = stats(t.rates);
    return [`votes ingested/s by one Board (batches of ${BATCH}, ${VPS.length} vantage points in parallel, ${TARGETS} targets), ${t.name}`, fmt(r.median, 0), fmt(r.min, 0) + ' (worst round)', '≥ 20,000', r.n];
  });
  return [
    {
      title: 'Control plane: vote ingestion and push (local workerd)',
      markdown: [
        table(['measure', 'median', 'p99', 'goal', 'n'], [...rateRows, ...pushRows]),
        '',
        `Pushed message: ${fmt(targets[0]!.push.messageBytes / 1024)} KiB (lean snapshot: every virtual and real server with weight and state, seq, times; per-vantage detail at GET /v1/clusters/{c}/votes), signed once and sent as the same string to every subscriber. ${FLIPS} flips × ${SUBSCRIBERS} subscribers per target, 50 ms apart; arrival stamped before parsing.`,
        'Miniflare is the production path (client → Worker → Board); wrangler dev puts its live-reload proxy (another workerd process) in front, which production has not. The posting clients, the subscribers and workerd share this machine\'s two cores.',
      ].join('\n'),
    },
    {
      title: 'Control plane: CPU and cost per check',
      markdown: [
        table(
          ['measure', 'value'],
          [
            ['CPU ms per TCP_CHECK in workerd (engine over cloudflare:sockets)', fmt(cpu.tcp, 3)],
            ['CPU ms per HTTP_GET in workerd (engine, MD5 digest)', fmt(cpu.http, 3)],
            ['Board: workerd CPU ms per vote batch of 60 (Worker + Board, HTTP path)', fmt(batch.cpuMs, 2)],
            ['Board: round trip ms per vote batch of 60 (charged to the Prober as wall-clock)', fmt(batch.roundTripMs, 2)],
            ['loopback latencyMs of a TCP_CHECK / HTTP_GET in workerd (median)', `${fmt(cpu.loopTcp, 2)} / ${fmt(cpu.loopHttp, 2)}`],
            ...relay.map((r) => [`relay path, all of workerd's CPU ms per ${r.kind} run (ProbeRunner + Prober + Board + Worker; ${r.checks} checks on ${r.shards} shard(s), ${r.runs} runs in ${fmt(r.windowS, 1)} s)`, fmt(r.cpuMsPerRun, 3)]),
            ...relay.map((r) => [`relay path, ${r.kind}: rounds reported / lost / not dispatched in that window; checks per round; checks failing`, `${r.rounds} / ${r.lost} / ${r.failedRounds}; ≈ ${fmt(r.runs / Math.max(1, r.rounds), 0)}; ${r.failing}`]),
          ],
        ),
        '',
        costTable(costs.main),
        '',
        `Mix (${MIX_TARGETS.toLocaleString('en')} real servers, half TCP_CHECK, half HTTP_GET, delay_loop ${INTERVAL_MS / 1000} s, connect_timeout ${TIMEOUT_MS / 1000} s, one edge vantage point's share): ${mixText(REALISTIC)}. Loopback checks measured here: TCP_CHECK ${fmt(cpu.loopTcp, 2)} ms, HTTP_GET ${fmt(cpu.loopHttp, 2)} ms (median latencyMs in workerd). The Board's estimate per target is max(p90, mean) of 16 votes drawn from its own distribution, floored at ${HOLD_FLOOR_MS} ms and capped at the timeout; shards hold ${CONNECTIONS_PER_INVOCATION} × ${PLANNED_UTILISATION} connection-seconds per second, ≤ ${MAX_CHECKS_PER_SHARD} checks, targets estimated ≥ ${SLOW_HOLD_MS} ms on slow shards of their own. The worst-case bound is core/vote/shards.ts (every check holding its connect_timeout) on the same mix.`,
        `How the edge probes (workers/src/prober.ts, probe-runner.ts): each Prober's alarm lends the checks due within the next round (up to ${ROUND_MAX_MS / 1000} s) to a ProbeRunner invocation through a Service binding and returns at once; the runner starts each check when due, ${CONNECTIONS_PER_INVOCATION} sockets at a time, reports transitions at once and hands the checkers back at the round's end, and the report's answer (the votes) goes from the runner to the Board. The Prober, a Durable Object billed for wall-clock, never waits on a socket; the runner, a Worker invocation, is billed for CPU only. Each shard's rounds are simulated for 180 s that way; "late p99" is run start − keepalived's due time. Per round: the alarm (request) and one setAlarm (row), the runRound call (counted as a Worker request, though Service binding calls are not charged), the end report to the Prober and the vote RPC to the Board (2 requests), the Prober's wall-clock for two RPC round trips (${fmt(meas.rpcMs, 1)} ms each, measured above) and the Board's CPU per batch. Per run: the relay path's all-in CPU measured above (TCP_CHECK ${fmt(meas.allInTcpMs, 3)} ms, HTTP_GET ${fmt(meas.allInHttpMs, 3)} ms), every ms of it billed at the Workers CPU price, though the Prober's and the Board's share is really billed as Durable Object duration at a lower rate. Per Prober one cron configure RPC and one watchdog setAlarm a minute; per cluster one vote compaction row per ${VOTE_FLUSH_EVERY_MS / 1000} s and a re-fold alarm (request + row) per delay_loop. Writes on verdict changes only are not counted.`,
        '',
        '**Share of hanging targets**, latency-sized:',
        '',
        costTable(costs.hanging),
        '',
        `Goal: ≤ $0.01 per check-month at ${INTERVAL_MS / 1000} s from ${REGIONS} regions (${fmt(RUNS_PER_CHECK_MONTH, 0)} runs). Route 53 health check, non-AWS endpoint, 10 s interval: $${fmt(route53, 2)} ($${PRICES.route53NonAws} + $${PRICES.route53FastInterval}). As first built: $1.94; with the Prober running the checks itself (per-alarm, then continuous windows; until 2026-11-21): $0.026, bound by the Prober's billed wall-clock while its sockets waited (mean hold / 6 of a 128 MB object per run) and a setAlarm row per second.`,
        `What is left in the bill: CPU per run, ${fmt((costs.main[0]!.cpu / costs.main[0]!.total) * 100, 0)}% of it for the realistic mix (the check itself, the round's serialisation across the binding, the Prober's and the Board's bookkeeping of each result); the per-round requests, row and wall-clock are shared by every check of a round, so they fall as shards fill, and the per-cluster ones (the Board's re-fold alarm each delay_loop, its vote compaction rows) by every check of the cluster: a cluster of ${fmt(costs.main[3]!.checksPerShard, 0)} real servers pays $${fmt(costs.main[3]!.total, 3)} a check-month. A mean estimated hold of ${fmt(costs.estimateMeanMs, 1)} ms (mean actual ${fmt(costs.trueMeanMs, 1)} ms) now sets only how many shards the Board plans, not the price of a check.`,
        `Prices (read ${PRICES.date}): Durable Objects $${PRICES.doRequestPerM}/M requests (alarm invocations and each RPC call), $${PRICES.doGbSecondPerM}/M GB-s duration at ${PRICES.doGb * 1024} MB per object (wall-clock while active or idle but not hibernatable; an idle object eligible for hibernation, as a Prober between rounds, is not billed), SQLite rows written $${PRICES.rowsWrittenPerM}/M (each setAlarm counted as one row); Workers Standard $${PRICES.workerCpuMsPerM}/M CPU-ms and $${PRICES.workerRequestPerM}/M requests (no duration charge; Service binding calls add no request charge). Included amounts (1M DO requests, 400,000 GB-s, 50M rows, 10M Worker requests, 30M CPU-ms a month) are not subtracted here. ${cpu.note}. Cron re-sends every ${CRON_EVERY_MS / 1000} s.`,
      ].join('\n'),
    },
  ];
}
