/**
 * The edge control plane on local workerd (wrangler dev, local mode):
 * - votes one Board ingests per second from batched posts (3 vantage points in parallel);
 * - time from the vote that flips a verdict to the snapshot arriving at 100 WebSocket subscribers;
 * - CPU ms per check in workerd (the check engine's harness, bench/workerd-checks.ts) and
 *   from it and the Prober's per-run operations, a cost per check-month at published prices.
 * Bounded loops, loopback only.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'undici';
import type { Vote } from '../core/vote/fold.ts';
import { localSecrets } from '../shim/local/local-secrets.ts';
import { startWranglerDev } from '../shim/local/wrangler-dev.ts';
import { BoardClient } from '../shim/probe/board-client.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { measureWorkerd } from './workerd-checks.ts';

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

async function push(url: string, tokens: Record<string, string>, shim: string): Promise<number[]> {
  const sockets: WebSocket[] = [];
  const arrivals: ((seq: number, at: number) => void)[] = [];
  let lastSeq = 0;
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/stream`, { headers: { Authorization: `Bearer ${shim}` } } as never);
        const timer = setTimeout(() => reject(new Error('subscriber did not get its first snapshot')), 20_000);
        ws.onmessage = (e) => {
          const seq = (JSON.parse(String(e.data)) as { seq: number }).seq;
          const at = performance.now();
          lastSeq = Math.max(lastSeq, seq);
          arrivals[i]?.(seq, at);
          clearTimeout(timer);
          resolve();
        };
        ws.onerror = () => reject(new Error('WebSocket error'));
        sockets.push(ws);
      }),
    ),
  );
  const samples: number[] = [];
  const voters = VPS.slice(0, 2).map((vp) => new BoardClient(url, tokens[vp]!));
  let clock = Date.now() + 10_000;
  for (let f = 0; f < FLIPS; f++) {
    // A fresh target each time (all up after the ingestion rounds): dc1's down vote alone changes
    // nothing, dc2's makes the quorum of 2, so that post is the one that flips the verdict.
    const target = f + 1;
    const up = false;
    await voters[0]!.postVotes([vote(target, 'dc1', up, ++clock)]);
    const before = lastSeq;
    const got = Array.from({ length: SUBSCRIBERS }, (_, i) => new Promise<number>((resolve) => (arrivals[i] = (seq, at) => seq > before && resolve(at))));
    const t0 = performance.now();
    await voters[1]!.postVotes([vote(target, 'dc2', up, ++clock)]);
    const ats = await Promise.race([Promise.all(got), new Promise<number[]>((_, rej) => setTimeout(() => rej(new Error(`push ${f} did not arrive within 10 s (last seq ${lastSeq}, before ${before})`)), 10_000))]);
    samples.push(...ats.map((a) => a - t0));
  }
  for (const ws of sockets) ws.close();
  return samples;
}

async function engineCpu(): Promise<{ tcp: number; http: number; note: string }> {
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
    return { tcp: by('TCP_CHECK').cpuMsPerCheck, http: by('HTTP_GET').cpuMsPerCheck, note: `${by('HTTP_GET').failures} HTTP failures, ${by('TCP_CHECK').failures} TCP failures in ${by('HTTP_GET').checks} each` };
  } finally {
    server.close();
  }
}

/**
 * Prices as published by Cloudflare (Workers Paid, Durable Objects on SQLite
 * storage) and AWS (Route 53 health checks), as known on 2025-06-01.
 */
const PRICES = {
  date: '2025-06-01',
  doRequestPerM: 0.15,
  doGbSecondPerM: 12.5,
  rowsWrittenPerM: 1.0,
  route53NonAws: 0.75,
  route53FastInterval: 2.0,
};

export async function run(): Promise<BenchSection[]> {
  const secrets = localSecrets(VPS);
  const dev = await startWranglerDev({ secrets });
  let rates: number[];
  let pushMs: number[];
  try {
    const url = `${dev.url}/v1/clusters/bench`;
    await new BoardClient(url, secrets.tokens.admin).putConfig(config());
    rates = await ingest(url, secrets.tokens.probers);
    pushMs = await push(url, secrets.tokens.probers, secrets.tokens.shim);
  } finally {
    await dev.stop();
  }
  const cpu = await engineCpu();
  const r = stats(rates);
  const p = stats(pushMs);

  // One check run as the Prober does it today: one alarm (a DO request) per run in the worst case
  // (first runs spread by warmup rarely share an alarm), one RPC to the Board, one job row written
  // by the Prober and one vote row by the Board; duration: an alarm held ~100 ms at 128 MB.
  const runsPerMonth = (30.44 * 86_400) / 10 * 3;
  const perRun = (checksPerAlarm: number) => (2 * PRICES.doRequestPerM) / 1e6 / checksPerAlarm + (2 * PRICES.rowsWrittenPerM) / 1e6 + ((0.1 * 0.125) / checksPerAlarm) * (PRICES.doGbSecondPerM / 1e6);
  const costNow = perRun(1) * runsPerMonth;
  const costBatched = perRun(6) * runsPerMonth;
  const route53 = PRICES.route53NonAws + PRICES.route53FastInterval;
  return [
    {
      title: 'Control plane: vote ingestion and push (local workerd)',
      markdown: [
        table(
          ['measure', 'median', 'p99', 'goal', 'n'],
          [
            [`votes ingested/s by one Board (batches of ${BATCH}, ${VPS.length} vantage points in parallel, ${TARGETS} targets)`, fmt(r.median, 0), fmt(r.min, 0) + ' (worst round)', '≥ 20,000', r.n],
            [`vote that flips a verdict → snapshot at ${SUBSCRIBERS} WebSocket subscribers (ms)`, fmt(p.median), fmt(p.p99), 'p99 < 50', p.n],
          ],
        ),
        '',
        'wrangler dev --local (workerd) on this machine; the posting clients, the 100 subscribers and workerd share its cores.',
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
            ['check runs per check-month (10 s interval, 3 regions)', fmt(runsPerMonth, 0)],
            ['Vigil edge, as built (1 check per alarm; 2 DO requests + 2 rows written per run)', `$${fmt(costNow, 3)} per check-month`],
            ['Vigil edge, 6 checks per alarm (still 2 rows written per run)', `$${fmt(costBatched, 3)} per check-month`],
            ['goal', '≤ $0.01 per check-month'],
            ['Route 53 health check, non-AWS endpoint, fast (10 s) interval', `$${fmt(route53, 2)} per check-month ($${PRICES.route53NonAws} + $${PRICES.route53FastInterval} fast interval)`],
          ],
        ),
        '',
        `Prices as published (date ${PRICES.date}): Durable Objects $${PRICES.doRequestPerM}/M requests (alarms and RPC count), $${PRICES.doGbSecondPerM}/M GB-s duration (128 MB per object), SQLite rows written $${PRICES.rowsWrittenPerM}/M; Route 53 $${PRICES.route53NonAws}/month per non-AWS health check plus $${PRICES.route53FastInterval} for the 10 s interval. DO CPU is not billed apart from duration, so the CPU figures matter for capacity, not price. ${cpu.note}.`,
        'Rows written dominate: the goal needs the Prober to keep checker state in memory and write it rarely, and the Board to persist votes in batches, not per vote.',
      ].join('\n'),
    },
  ];
}
