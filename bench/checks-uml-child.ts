/**
 * Runs inside UML for bench/checks-uml.bench.ts: keepalived 2.2.7's checker
 * (`keepalived -C`) and Vigil's engine against the same loopback targets in the
 * same kernel, at the same offered rate (every target once per delay_loop), and
 * the CPU each spends per check. keepalived's checker cannot start on the
 * host (no IP_VS there), so both sides run here; UML makes every syscall slow,
 * so only the ratio means anything.
 *
 * Roles: (default) orchestrator and target servers; `vigil` the engine's prober.
 * The orchestrator hosts the targets itself and counts their accepts: that count
 * (one connection per check, for both sides) is the number of checks, and the
 * checker's utime+stime from /proc/<pid>/stat over the same window is its CPU.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpGetCheck, TcpCheck, type Check } from '../core/config/checks.ts';
import { runCheck } from '../core/check/run-check.ts';
import { Scheduler } from '../core/check/scheduler.ts';
import { nodeTcpPorts } from '../shim/ports/node-ports.ts';

export type Kind = 'TCP_CHECK' | 'HTTP_GET';
export interface UmlSample {
  /** vigil-net: the engine with VIGIL_NATIVE_TCP=0, every connect through node:net (TCP_CHECK only). */
  who: 'keepalived' | 'vigil' | 'vigil-net';
  kind: Kind;
  checks: number;
  seconds: number;
  cpuSeconds: number;
  /** Real servers still in the IPVS table at the end (keepalived: removed on a failed check). */
  alive?: number;
  failures?: number;
  /** Vigil's failed checks by reason code. */
  reasons?: Record<string, number>;
}

const PAGE = Buffer.alloc(1024, 'v');
const RESPONSE = Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${PAGE.length}\r\n\r\n`), PAGE]);
const PAGE_MD5 = createHash('md5').update(PAGE).digest('hex');
const BASE_PORT = 20000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The engine's side: the scheduler with keepalived's timing on every target, until stdin closes or a cap. */
async function vigil(kind: Kind, n: number, delayLoopMs: number): Promise<void> {
  const check: Check =
    kind === 'TCP_CHECK' ? TcpCheck.parse({ type: 'TCP_CHECK' }) : HttpGetCheck.parse({ type: 'HTTP_GET', urls: [{ path: '/', digest: PAGE_MD5 }] });
  const timing = { connectTimeoutMs: 5000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: delayLoopMs, delayLoopMs, alpha: false };
  const reasons: Record<string, number> = {};
  const sched = new Scheduler({
    clock: nodeTcpPorts.clock,
    maxConcurrent: n,
    jitterFraction: 0,
    run: (job, signal) => runCheck(check, { ip: '127.0.0.1', port: BASE_PORT + Number(job.id) }, nodeTcpPorts, { timeoutMs: 5000, signal }),
    onReport: (r) => {
      if (!r.result.ok) reasons[r.result.reason] = (reasons[r.result.reason] ?? 0) + 1;
    },
  });
  for (let i = 0; i < n; i++) sched.add({ id: String(i), type: kind, timing });
  const stop = () => sched.close();
  process.stdin.on('end', stop);
  process.stdin.resume();
  const cap = setTimeout(stop, 10 * 60_000);
  process.stdout.write('READY\n');
  await sched.loop();
  clearTimeout(cap);
  process.stdout.write(`FAILURES ${JSON.stringify(reasons)}\n`);
  process.exit(0);
}

/** utime + stime of one process, in seconds (USER_HZ is 100 on Linux). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function keepalivedConf(kind: Kind, n: number, delayLoopS: number): string {
  const check =
    kind === 'TCP_CHECK'
      ? ['    TCP_CHECK {', '      connect_timeout 5', '    }']
      : ['    HTTP_GET {', '      url {', '        path /', `        digest ${PAGE_MD5}`, '      }', '      connect_timeout 5', '    }'];
  const out = ['global_defs {', '  router_id vigil_bench', '}'];
  // Ten virtual services of n/10 real servers: keepalived's usual shape, not one giant service.
  const perVs = Math.ceil(n / 10);
  for (let v = 0; v * perVs < n; v++) {
    out.push(`virtual_server 10.1.0.${v + 1} 80 {`, `  delay_loop ${delayLoopS}`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let i = v * perVs; i < Math.min(n, (v + 1) * perVs); i++) out.push(`  real_server 127.0.0.1 ${BASE_PORT + i} {`, '    weight 1', ...check, '  }');
    out.push('}');
  }
  return out.join('\n') + '\n';
}

async function waitLine(child: ChildProcess, want: string, ms: number): Promise<string> {
  let buf = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${want} within ${ms} ms`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const at = buf.indexOf(want);
      const eol = at >= 0 ? buf.indexOf('\n', at) : -1;
      if (eol >= 0) {
        clearTimeout(t);
        resolve(buf.slice(at, eol));
      }
    });
  });
}

async function orchestrate(n: number, delayLoopS: number, httpDelayLoopS: number, warmupS: number, windowS: number, repeats: number): Promise<void> {
  let accepts = 0;
  for (let i = 0; i < n; i++) {
    const srv = net.createServer({ noDelay: true }, (s) => {
      accepts++;
      s.on('error', () => {});
      s.once('data', () => s.end(RESPONSE));
    });
    await new Promise<void>((r) => srv.listen({ port: BASE_PORT + i, host: '127.0.0.1', backlog: 1024 }, () => r()));
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-checks-uml-'));
  const samples: UmlSample[] = [];
  /** Counts accepts and the checker's CPU over `windowS`, after `warmupS` of settling. */
  const window = async (pid: number) => {
    await sleep(warmupS * 1000);
    const a0 = accepts;
    const c0 = cpuOf(pid);
    const t0 = performance.now();
    await sleep(windowS * 1000);
    return { checks: accepts - a0, cpuSeconds: cpuOf(pid) - c0, seconds: (performance.now() - t0) / 1000 };
  };
  for (let rep = 0; rep < repeats; rep++) {
    for (const kind of ['TCP_CHECK', 'HTTP_GET'] as const) {
      const delay = kind === 'TCP_CHECK' ? delayLoopS : httpDelayLoopS;
      // keepalived: -C checker only, -n foreground; the checker is the child that writes the -c pid file.
      spawnSync('ipvsadm', ['-C']);
      const conf = join(dir, `k-${kind}.conf`);
      writeFileSync(conf, keepalivedConf(kind, n, delay));
      const kpid = join(dir, `ka-${rep}-${kind}.pid`);
      const cpid = join(dir, `kc-${rep}-${kind}.pid`);
      const ka = spawn('/usr/sbin/keepalived', ['-C', '-n', '-l', '-f', conf, '-p', kpid, '-c', cpid], { stdio: ['ignore', 'ignore', 'pipe'] });
      let kaLog = '';
      ka.stderr!.on('data', (d: Buffer) => (kaLog = (kaLog + d.toString()).slice(-4000)));
      let checker = 0;
      for (let i = 0; i < 300 && !checker; i++) {
        await sleep(100);
        try {
          checker = Number(readFileSync(cpid, 'utf8').trim());
        } catch {
          /* not written yet */
        }
      }
      if (!checker) throw new Error(`keepalived checker did not start: ${kaLog}`);
      const w = await window(checker);
      const alive = spawnSync('ipvsadm', ['-Sn'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('-a ')).length;
      ka.kill('SIGTERM');
      await new Promise((r) => ka.once('close', r));
      samples.push({ who: 'keepalived', kind, ...w, alive });
      process.stderr.write(`uml checks: keepalived ${kind} ${JSON.stringify(w)} alive ${alive}\n`);

      for (const who of kind === 'TCP_CHECK' ? (['vigil', 'vigil-net'] as const) : (['vigil'] as const)) {
        const v = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'vigil', kind, String(n), String(delay * 1000)], {
          stdio: ['pipe', 'pipe', 'inherit'],
          env: { ...process.env, VIGIL_NATIVE_TCP: who === 'vigil-net' ? '0' : '1' },
        });
        await waitLine(v, 'READY', 120_000);
        const wv = await window(v.pid!);
        const done = waitLine(v, 'FAILURES', 60_000);
        v.stdin!.end();
        const reasons = JSON.parse((await done).slice('FAILURES '.length)) as Record<string, number>;
        await new Promise((r) => (v.exitCode !== null ? r(null) : v.once('close', r)));
        const failures = Object.values(reasons).reduce((a, b) => a + b, 0);
        samples.push({ who, kind, ...wv, failures, reasons });
        process.stderr.write(`uml checks: ${who} ${kind} ${JSON.stringify(wv)} failures ${JSON.stringify(reasons)}\n`);
      }
    }
  }
  process.stdout.write('BENCH ' + JSON.stringify({ n, delayLoopS, httpDelayLoopS, windowS, samples }) + '\n');
  process.exit(0);
}

const [role, ...rest] = process.argv.slice(2);
if (role === 'vigil') await vigil(rest[0] as Kind, Number(rest[1]), Number(rest[2]));
else await orchestrate(Number(role ?? 1000), Number(rest[0] ?? 1), Number(rest[1] ?? 2), Number(rest[2] ?? 5), Number(rest[3] ?? 15), Number(rest[4] ?? 3));
