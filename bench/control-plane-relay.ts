/**
 * The relay path end to end on Miniflare (the real workerd): the Board plans
 * the shards, each Prober's alarms hand rounds to the ProbeRunner entrypoint,
 * the runner checks loopback servers over cloudflare:sockets and reports,
 * the Board folds the votes. What it measures is all of workerd's CPU per
 * check run over a window in steady state (runner, Prober, Board, Worker
 * together), and how many rounds carried those runs: the figures the cost
 * per check-month is computed from.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalSecrets } from '../devstack/local-secrets.ts';
import { BoardClient } from '../shim/probe/board-client.ts';
import { startMiniflare } from './control-plane-miniflare.ts';
import { workerdCpuMs } from './workerd-checks.ts';

const PORTS = 30;
const VIRTUAL_SERVERS = 20;
const WARMUP_MS = 15_000;
const WINDOW_MS = 60_000;
const BODY = 'vigil bench\n';

export interface RelayFigure {
  kind: 'TCP_CHECK' | 'HTTP_GET';
  checks: number;
  shards: number;
  runs: number;
  rounds: number;
  lost: number;
  failedRounds: number;
  /** Runs whose last result was not ok (should be 0: every server answers). */
  failing: number;
  cpuMsPerRun: number;
  windowS: number;
}

interface StatusLike {
  rounds: { dispatched: number; reported: number; lost: number; failed: number };
  jobs: { runs: number; up: boolean; last: { reason: string } | null }[];
}
interface ProberLike {
  status(): Promise<StatusLike>;
}
interface BoardLike {
  shardPlacement(): Promise<Record<string, Record<string, string[]>>>;
}
/** Miniflare's Node-side proxies (its types are the workers types, which this Node project does not load). */
interface NamespaceLike<T> {
  idFromName(name: string): unknown;
  get(id: unknown): T;
}
interface WorkerLike {
  scheduled(o: { cron: string }): Promise<unknown>;
}

function config(kind: RelayFigure['kind'], ports: number[]): string {
  const digest = createHash('md5').update(BODY).digest('hex');
  const check =
    kind === 'TCP_CHECK'
      ? `        TCP_CHECK {\n            connect_timeout 2\n        }`
      : `        HTTP_GET {\n            url {\n                path /\n                digest ${digest}\n            }\n            connect_timeout 2\n        }`;
  const vs = Array.from({ length: VIRTUAL_SERVERS }, (_, v) => {
    const rs = ports.map((p) => `    real_server 127.0.0.1 ${p} {\n${check}\n    }`).join('\n');
    return `virtual_server 192.0.2.${v + 1} 80 {\n    delay_loop 10\n    protocol TCP\n${rs}\n}`;
  });
  return `${vs.join('\n')}\nvigil {\n    vantage_point weur {\n        kind edge\n        region weur\n    }\n}\n`;
}

/** Connections accepted by the loopback servers: one per check run, counted where it lands (the Prober learns of runs only when a round reports). */
let accepted = 0;

async function servers(): Promise<Server[]> {
  return Promise.all(
    Array.from({ length: PORTS }, async () => {
      const s = createServer((_q, r) => {
        r.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(BODY.length), connection: 'close' });
        r.end(BODY);
      });
      s.on('connection', () => accepted++);
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return s;
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One kind of check over VIRTUAL_SERVERS × PORTS real servers at delay_loop 10 s: CPU per run in steady state. */
export async function measureRelay(secrets: LocalSecrets): Promise<RelayFigure[]> {
  const listening = await servers();
  const ports = listening.map((s) => (s.address() as AddressInfo).port);
  const out: RelayFigure[] = [];
  try {
    for (const kind of ['TCP_CHECK', 'HTTP_GET'] as const) {
      const mf = await startMiniflare(secrets, 'probe');
      try {
        const cluster = `relay-${kind.toLowerCase()}`;
        await new BoardClient(`${mf.url}/v1/clusters/${cluster}`, secrets.tokens.admin).putConfig(config(kind, ports));
        const boards = (await mf.mf.getDurableObjectNamespace('BOARD')) as unknown as NamespaceLike<BoardLike>;
        const probers = (await mf.mf.getDurableObjectNamespace('PROBER')) as unknown as NamespaceLike<ProberLike>;
        const board = boards.get(boards.idFromName(cluster));
        // The first plan sizes shards for every check holding its connect_timeout (nothing measured yet).
        // Once every checker has run (first runs are spread over warmup = delay_loop), the cron's re-plan
        // sizes them by measured latency, as in production a minute after a config lands.
        await sleep(WARMUP_MS);
        await ((await mf.mf.getWorker()) as unknown as WorkerLike).scheduled({ cron: '* * * * *' });
        await sleep(WARMUP_MS);
        const shards = Object.keys((await board.shardPlacement()).weur ?? {});
        const stubs = shards.map((s) => probers.get(probers.idFromName(`${cluster}/weur/${s}`)));
        const read = async () => {
          const st = await Promise.all(stubs.map((s) => s.status()));
          const sum = (f: (x: StatusLike) => number) => st.reduce((n, x) => n + f(x), 0);
          return {
            rounds: sum((x) => x.rounds.reported),
            lost: sum((x) => x.rounds.lost),
            failed: sum((x) => x.rounds.failed),
            failing: sum((x) => x.jobs.filter((j) => j.last !== null && j.last.reason !== 'ok').length),
            checks: sum((x) => x.jobs.length),
            accepted,
            cpu: workerdCpuMs(),
            at: performance.now(),
          };
        };
        const a = await read();
        await sleep(WINDOW_MS);
        const b = await read();
        const runs = b.accepted - a.accepted;
        out.push({ kind, checks: b.checks, shards: shards.length, runs, rounds: b.rounds - a.rounds, lost: b.lost, failedRounds: b.failed, failing: b.failing, cpuMsPerRun: (b.cpu - a.cpu) / Math.max(1, runs), windowS: (b.at - a.at) / 1000 });
        process.stderr.write(`control-plane bench: relay ${kind}: ${JSON.stringify(out[out.length - 1])}\n`);
      } finally {
        await mf.stop();
      }
    }
  } finally {
    for (const s of listening) s.close();
  }
  return out;
}
