/**
 * Check engine throughput on one core: 1,000 loopback targets, TCP_CHECK and
 * HTTP_GET (MD5 digest of a 1 KiB page) per second, the scheduler's p99
 * lateness against each checker's due time at a steady load, and RSS.
 * The prober runs pinned to CPU 0 (`taskset -c 0`), the servers to CPU 1, so
 * the figure is the prober's own. Every loop is bounded by a run count and a
 * wall-clock cap; all traffic is to 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HttpGetCheck, TcpCheck, type Check } from '../core/config/checks.ts';
import { runCheck } from '../core/check/run-check.ts';
import { Scheduler, type Job } from '../core/check/scheduler.ts';
import { nodeNetPorts, nodeTcpPorts } from '../shim/ports/node-ports.ts';
import { nativeTcpProbe } from '../shim/ports/node-tcp-probe.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import type { WorkerdFigure } from './workerd-checks.ts';

const TARGETS = 1000;
const REPEATS = 5;
const PAGE = Buffer.alloc(1024, 'v');
const RESPONSE = Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${PAGE.length}\r\n\r\n`), PAGE]);
const PAGE_MD5 = createHash('md5').update(PAGE).digest('hex');
const SELF = fileURLToPath(import.meta.url);
const ROLE = process.env.VIGIL_CHECKS_BENCH_ROLE;

interface Measure {
  kind: 'TCP_CHECK' | 'HTTP_GET';
  mode: 'throughput' | 'throughput, node:net' | 'lateness' | 'node floor';
  checksPerSec: number;
  /** Checks per second of the prober's own CPU time (user + system): its capacity on a core it does not share. */
  checksPerCpuSec: number;
  p99LatenessMs: number;
  failures: number;
  rssMiB: number;
}

/** Server role: 1,000 listeners; HTTP ones answer a 1 KiB page and close. */
async function serve(): Promise<void> {
  const ports: number[] = [];
  for (let i = 0; i < TARGETS; i++) {
    const srv = net.createServer({ noDelay: true }, (s) => {
      s.on('error', () => {});
      s.once('data', () => s.end(RESPONSE));
    });
    srv.maxConnections = 10_000;
    await new Promise<void>((r) => srv.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => r()));
    ports.push((srv.address() as net.AddressInfo).port);
  }
  process.stdout.write(JSON.stringify({ ports }) + '\n');
  // The parent kills us when done; never outlive a forgotten parent.
  setTimeout(() => process.exit(0), 15 * 60_000).unref();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

/** `throughput, node:net` is TCP_CHECK with every connect through node:net (the path before the native probe, and the fallback). */
async function measure(ports: number[], kind: Measure['kind'], mode: 'throughput' | 'throughput, node:net' | 'lateness'): Promise<Measure> {
  const checkPorts = mode === 'throughput, node:net' ? nodeNetPorts : nodeTcpPorts;
  const check: Check =
    kind === 'TCP_CHECK'
      ? TcpCheck.parse({ type: 'TCP_CHECK' })
      : HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/', digest: PAGE_MD5 }] });
  // Throughput: every checker re-runs at once, as many in flight as the loop can feed.
  // Lateness: a steady load well under capacity (10,000/s TCP, 4,000/s HTTP), as a prober would carry.
  const delayLoopMs = mode !== 'lateness' ? 0 : kind === 'TCP_CHECK' ? 100 : 250;
  const maxRuns = mode !== 'lateness' ? (kind === 'TCP_CHECK' ? 100_000 : 50_000) : kind === 'TCP_CHECK' ? 50_000 : 20_000;
  const timing = { connectTimeoutMs: 5000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: delayLoopMs, delayLoopMs, alpha: false };
  const lateness: number[] = [];
  let failures = 0;
  const cap = AbortSignal.timeout(60_000);
  const byId = new Map<string, number>();
  const sched = new Scheduler({
    clock: nodeTcpPorts.clock,
    maxConcurrent: mode !== 'lateness' ? 500 : 1000,
    maxRuns,
    run: (job: Job, signal) => runCheck(check, { ip: '127.0.0.1', port: byId.get(job.id)! }, checkPorts, { timeoutMs: 5000, signal }),
    onReport: (r) => {
      lateness.push(r.latenessMs);
      if (!r.result.ok) failures++;
    },
  });
  ports.forEach((p, i) => {
    byId.set(`t${i}`, p);
    sched.add({ id: `t${i}`, type: kind, timing });
  });
  cap.addEventListener('abort', () => sched.close());
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await sched.loop();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // Skip the warm-up spread: lateness counts from the second round on.
  const steady = lateness.slice(TARGETS);
  return {
    kind,
    mode,
    checksPerSec: lateness.length / seconds,
    checksPerCpuSec: lateness.length / cpuSeconds,
    p99LatenessMs: stats(steady).p99,
    failures,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

/**
 * Node's own floor on this machine: bare net.connect (+ request and read for
 * HTTP) with the same concurrency and no engine, so the table shows what the
 * engine adds on top of what the runtime and the kernel cost anyway.
 */
async function floor(ports: number[], kind: Measure['kind']): Promise<Measure> {
  const n = kind === 'TCP_CHECK' ? 60_000 : 30_000;
  const req = Buffer.from('GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1\r\n\r\n');
  let next = 0;
  let failures = 0;
  const one = (port: number) =>
    new Promise<void>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
      s.once('error', () => (failures++, resolve()));
      if (kind === 'TCP_CHECK') s.once('connect', () => (s.destroy(), resolve()));
      else {
        s.once('connect', () => s.write(req));
        s.on('data', () => {});
        s.once('end', () => (s.destroy(), resolve()));
      }
    });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 500 }, async () => {
      while (next < n) await one(ports[next++ % ports.length]!);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    kind,
    mode: 'node floor',
    checksPerSec: n / ((performance.now() - started) / 1000),
    checksPerCpuSec: n / ((cpu.user + cpu.system) / 1e6),
    p99LatenessMs: NaN,
    failures,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

async function prober(): Promise<void> {
  const ports = JSON.parse(process.env.VIGIL_CHECKS_BENCH_PORTS ?? '[]') as number[];
  const out: Measure[] = [];
  if (!nativeTcpProbe()) process.stderr.write('checks bench: tcp_probe addon not built; TCP_CHECK rows use node:net\n');
  for (const kind of ['TCP_CHECK', 'HTTP_GET'] as const) {
    const modes = kind === 'TCP_CHECK' ? (['throughput', 'throughput, node:net', 'lateness'] as const) : (['throughput', 'lateness'] as const);
    for (const mode of modes) out.push(await measure(ports, kind, mode));
    out.push(await floor(ports, kind));
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

function pinned(cpu: number, env: Record<string, string>): ReturnType<typeof spawn> {
  const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
  const args = ['--import', 'tsx', SELF];
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  return spawn(cmd, hasTaskset ? ['-c', String(cpu), process.execPath, ...args] : args, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

function firstLine(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
    child.once('exit', (code) => reject(new Error(`bench child exited ${code}`)));
  });
}

export async function run(): Promise<BenchSection> {
  // Others share these two cores: the load at both ends says how much the wall-clock rates were squeezed.
  const loadAt = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  const loadStart = loadAt();
  const server = pinned(1, { VIGIL_CHECKS_BENCH_ROLE: 'server' });
  try {
    const { ports } = JSON.parse(await firstLine(server)) as { ports: number[] };
    const runs: Measure[][] = [];
    for (let i = 0; i < REPEATS; i++) {
      const p = pinned(0, { VIGIL_CHECKS_BENCH_ROLE: 'prober', VIGIL_CHECKS_BENCH_PORTS: JSON.stringify(ports) });
      runs.push(JSON.parse(await firstLine(p)) as Measure[]);
      process.stderr.write(`checks bench: run ${i + 1}/${REPEATS} done\n`);
    }
    const rows = runs[0]!.map((m, j) => {
      const col = (f: (x: Measure) => number) => stats(runs.map((r) => f(r[j]!)));
      const rate = col((x) => x.checksPerSec);
      const perCpu = col((x) => x.checksPerCpuSec);
      const late = col((x) => x.p99LatenessMs);
      return [
        m.kind,
        m.mode,
        fmt(rate.median, 0),
        `${fmt(rate.min, 0)}–${fmt(rate.max, 0)}`,
        fmt(perCpu.median, 0),
        fmt((1000 / perCpu.median) * 1000, 1),
        fmt(late.median, 1),
        fmt(col((x) => x.failures).median, 0),
        fmt(col((x) => x.rssMiB).median, 0),
      ];
    });
    // Loaded here, not at the top: the pinned prober children must not carry Miniflare and esbuild in their RSS.
    const { measureWorkerd } = await import('./workerd-checks.ts');
    const wd: WorkerdFigure[][] = [];
    for (let i = 0; i < 3; i++) wd.push(await measureWorkerd(ports, PAGE_MD5, 10_000));
    const wdRows = wd[0]!.map((f, j) => {
      const per = stats(wd.map((r) => r[j]!.cpuMsPerCheck));
      return [f.kind, fmt(per.median * 1000, 0), `${fmt(per.min * 1000, 0)}–${fmt(per.max * 1000, 0)}`, fmt(stats(wd.map((r) => r[j]!.failures)).median, 0)];
    });
    const markdown = [
      `${TARGETS} loopback targets, prober pinned to CPU 0 (\`taskset -c 0\`), servers on CPU 1; median of ${REPEATS} runs.`,
      'Throughput: delay_loop 0, 500 in flight, 100,000 TCP / 50,000 HTTP runs. Lateness: delay_loop 100 ms (TCP, 10,000/s) or 250 ms (HTTP, 4,000/s), ' +
        'p99 of (start − due) after the first round. HTTP_GET checks an MD5 digest of a 1 KiB page on a new connection each time.',
      '"node floor": bare net.connect/destroy (TCP) or connect/write/read (HTTP) with 500 in flight and no engine.',
      'TCP_CHECK connects through the tcp_probe addon (shim/ports/node-tcp-probe.ts: non-blocking connect on an epoll set, no net.Socket); ' +
        '"throughput, node:net" is the same run with every connect through node:net (VIGIL_NATIVE_TCP=0, the fallback and the path before the addon).',
      `Load average at start: ${loadStart}; at the end: ${loadAt()} (${cpus().length} CPUs).`,
      'Goals: ≥ 20,000 TCP_CHECK/s, ≥ 8,000 HTTP_GET/s, p99 lateness < 50 ms.',
      '"checks per CPU-s" divides by the prober\'s own user+system CPU time (loopback TCP work in the kernel included): ' +
        'the rate a core it did not share would give. The wall-clock rate also depends on what else runs on CPU 0.',
      '',
      table(['check', 'mode', 'checks/s (median)', 'range', 'checks per CPU-s', 'CPU µs/check', 'p99 lateness ms', 'failures', 'RSS MiB'], rows),
      '',
      'workerd (Miniflare, the same engine bundled with esbuild, cloudflare:sockets, six sockets at a time): ' +
        "CPU per check from workerd's own user+system time in /proc around 10,000 checks; median of 3.",
      '',
      table(['check', 'workerd CPU µs/check', 'range', 'failures'], wdRows),
    ].join('\n');
    return { title: 'Check engine: TCP_CHECK and HTTP_GET on one core', markdown };
  } finally {
    server.stdin?.end();
    server.kill();
  }
}

if (ROLE === 'server') await serve();
else if (ROLE === 'prober') await prober();
