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
import { costLines, maxHoldForGoalMs, mixText, MIX_TARGETS, PRICES, REALISTIC, REGIONS, RUNS_PER_CHECK_MONTH, INTERVAL_MS, TIMEOUT_MS, type CostLine } from './control-plane-cost.ts';
import { localSecrets } from '../shim/local/local-secrets.ts';
import { startWranglerDev } from '../shim/local/wrangler-dev.ts';
import { BoardClient } from '../shim/probe/board-client.ts';
import { ALARM_MIN_GAP_MS, CRON_EVERY_MS, VOTE_FLUSH_EVERY_MS } from '../workers/src/hot-path.ts';
import { startMiniflare } from './control-plane-miniflare.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { measureWorkerd, workerdCpuMs } from './workerd-checks.ts';

const VPS = ['dc1', 'dc2', 'dc3'];
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
          const at = ++clock;
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
  const rates = await ingest(url, secrets.tokens.probers);
  return { name, rates, push: await push(url, secrets.tokens.probers, secrets.tokens.shim) };
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
    ['shards', 'shards (largest, checks)', 'checks/alarm', 'late p99 (ms)', 'requests', 'duration (GB-s)', 'rows written', 'total per check-month'],
    lines.map((l) => [l.label, `${l.shards} (${l.checksPerShard})`, fmt(l.checksPerAlarm, 1), fmt(l.lateP99Ms, 0), $(l.requests), $(l.duration), $(l.rows), $(l.total)]),
  );
}

export async function run(): Promise<BenchSection[]> {
  const secrets = localSecrets(VPS);
  const targets: Target[] = [];
  let batch: { cpuMs: number; roundTripMs: number };
  const mf = await startMiniflare(secrets);
  try {
    const url = `${mf.url}/v1/clusters/bench`;
    targets.push(await measure('Miniflare (workerd, no proxy)', url, secrets));
    batch = await boardBatch(url, secrets.tokens.probers, 60, 200);
  } finally {
    await mf.stop();
  }
  const dev = await startWranglerDev({ secrets });
  try {
    targets.push(await measure('wrangler dev --local (+ its proxy)', `${dev.url}/v1/clusters/bench`, secrets));
  } finally {
    await dev.stop();
  }
  const cpu = await engineCpu();

  const meas = { cpuTcpMs: cpu.tcp, cpuHttpMs: cpu.http, loopTcpMs: cpu.loopTcp, loopHttpMs: cpu.loopHttp, boardCpuMs: batch.cpuMs, rpcMs: batch.roundTripMs };
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
          ],
        ),
        '',
        costTable(costs.main),
        '',
        `Mix (${MIX_TARGETS.toLocaleString('en')} real servers, half TCP_CHECK, half HTTP_GET, delay_loop ${INTERVAL_MS / 1000} s, connect_timeout ${TIMEOUT_MS / 1000} s, one edge vantage point's share): ${mixText(REALISTIC)}. Loopback checks measured here: TCP_CHECK ${fmt(cpu.loopTcp, 2)} ms, HTTP_GET ${fmt(cpu.loopHttp, 2)} ms (median latencyMs in workerd). The Board's estimate per target is max(p90, mean) of 16 votes drawn from its own distribution, floored at ${HOLD_FLOOR_MS} ms and capped at the timeout; shards hold ${CONNECTIONS_PER_INVOCATION} × ${PLANNED_UTILISATION} connection-seconds per second, ≤ ${MAX_CHECKS_PER_SHARD} checks, targets estimated ≥ ${SLOW_HOLD_MS} ms on slow shards of their own. The worst-case bound is core/vote/shards.ts (every check holding its connect_timeout) on the same mix.`,
        `Each shard's alarms are simulated for 180 s as workers/src/prober.ts runs them: ${CONNECTIONS_PER_INVOCATION} sockets, an alarm serves every check due by its start + gap / 2, the next alarm no sooner than one gap (${ALARM_MIN_GAP_MS} ms) after; "late p99" is run start − keepalived's due time. Per alarm: 1 alarm request + 1 vote RPC + 1 setAlarm row + its wall-clock (checks, CPU, the vote RPC round trip) + the Board's CPU per batch (pro rata per 60 votes); per Prober one cron configure RPC a minute; per cluster one vote compaction row per ${VOTE_FLUSH_EVERY_MS / 1000} s and a re-fold alarm (request + row) per delay_loop. Writes on verdict changes only are not counted.`,
        '',
        '**Continuous Probers** (one alarm runs a window to just before the next cron minute: checks start as they fall due, votes every second, one alarm and one setAlarm per window, the whole window billed wall-clock; "checks/alarm" is checks per window):',
        '',
        costTable(costs.continuous),
        '',
        `Per shard-second a window costs its wall-clock ($1.5625e-6: 128 MB × $12.5/M GB-s) + one vote RPC ($0.15e-6) + an alarm and a row a minute; per-alarm mode up to one alarm + vote RPC + setAlarm row per gap ($1.3e-6) + the wall-clock its alarms are open. The window's cost is fixed per shard, so per check it is ≈ mean hold / (6 × utilisation) × $1.7e-6 per run: at this mix's mean estimate (${fmt(costs.estimateMeanMs, 1)} ms, which sizes the shards) and 4.8 of 6 sockets, ≈ $${fmt((costs.estimateMeanMs / 1000 / 4.8) * 1.7125e-6 * RUNS_PER_CHECK_MONTH, 4)} per check-month, and even every socket busy at the mean actual hold (${fmt(costs.trueMeanMs, 1)} ms) bills $${fmt((costs.trueMeanMs / 1000 / 6) * 1.5625e-6 * RUNS_PER_CHECK_MONTH, 4)} of wall-clock. The Board still plans 3 of 6 sockets with slow targets apart (the first continuous row); the other rows are the sizings a continuous plan would use.`,
        '',
        '**Alarm gap** (cost vs lateness; the Prober uses min(1 s, 10% of its shortest delay_loop)) and **share of hanging targets**, latency-sized:',
        '',
        costTable([...costs.gaps, ...costs.hanging]),
        '',
        `Goal: ≤ $0.01 per check-month at ${INTERVAL_MS / 1000} s from ${REGIONS} regions (${fmt(RUNS_PER_CHECK_MONTH, 0)} runs). Route 53 health check, non-AWS endpoint, 10 s interval: $${fmt(route53, 2)} ($${PRICES.route53NonAws} + $${PRICES.route53FastInterval}). As first built: $1.94.`,
        `What prevents it: the Prober's duration and its per-alarm setAlarm row, both set by the hold time. Six sockets share one object's wall-clock, so each run costs ≈ hold / 6 of billed duration; and an alarm's request + vote RPC + row ($1.3 per million) is shared by at most 6 × gap × utilisation / hold checks. Together ≈ hold / 6 × ($1.5625e-6/s + $1.3e-6 / (gap × utilisation)) per run: $0.01 per check-month needs a mean estimated hold ≤ ${fmt(maxHoldForGoalMs(0.01, ALARM_MIN_GAP_MS / 1000, PLANNED_UTILISATION), 1)} ms at a 1 s gap and half the sockets (below the ${HOLD_FLOOR_MS} ms floor: even the all-20 ms row misses), ≤ ${fmt(maxHoldForGoalMs(0.01, 2, PLANNED_UTILISATION), 1)} ms at a 2 s gap. This mix: mean estimate ${fmt(costs.estimateMeanMs, 1)} ms (what sizes the shards), mean actual hold ${fmt(costs.trueMeanMs, 1)} ms (what the duration bills). The rows written (setAlarm) are the largest component at a 1 s gap, duration the next; a target hanging to its timeout costs its own slow shard's wall-clock (the "hanging" rows).`,
        `Prices (read ${PRICES.date}): Durable Objects $${PRICES.doRequestPerM}/M requests (alarm invocations and each RPC call), $${PRICES.doGbSecondPerM}/M GB-s duration at ${PRICES.doGb * 1024} MB per object (wall-clock while active or idle but not hibernatable), SQLite rows written $${PRICES.rowsWrittenPerM}/M (each setAlarm counted as one row); first 1M requests / 400,000 GB-s / 50M rows a month included, not subtracted here. CPU is not billed apart from duration. ${cpu.note}. Cron re-sends every ${CRON_EVERY_MS / 1000} s.`,
      ].join('\n'),
    },
  ];
}
