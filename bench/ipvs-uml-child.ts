/**
 * Runs inside UML for bench/ipvs.bench.ts: the shim's reconcile against the
 * real kernel through each backend (netlink, the default; ipvsadm -R as
 * before), keepalived -C on the same kernel and config size, and the idle
 * shim's start and RSS. Prints one JSON line of samples.
 *
 * Start-to-complete-table is observed by reading /proc/net/ip_vs every 50 ms
 * for both daemons: the earlier 20 ms `ipvsadm -Sn` polling started a process
 * and dumped 10,500 lines 50 times a second on a 2-core machine, competing
 * with the daemon it was timing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { desiredTable } from '../core/ipvs/desired-table.ts';
import { readKeepalivedConfig, singleFileHost } from '../core/keepalived/index.ts';
import { realServerKey, virtualServerKey } from '../core/vote/targets.ts';
import { foldVirtualServer, type DesiredVirtualServer } from '../core/vote/virtual-server.ts';
import type { IpvsBackend } from '../shim/ipvs/backend.ts';
import { createIpvsBackend } from '../shim/ipvs/create-backend.ts';
import { reconcile } from '../shim/ipvs/reconcile.ts';
import { shimNodeFlags } from './ipvs-shim-flags.ts';

const VS = Number(process.argv[2] ?? 500);
const RS = Number(process.argv[3] ?? 20);
const RUNS = Number(process.argv[4] ?? 7);
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ipvs-'));
const REPO = join(import.meta.dirname, '..');

function conf(check: string, vsCount = VS): string {
  const out: string[] = [];
  for (let v = 0; v < vsCount; v++) {
    out.push(`virtual_server 10.${1 + (v >> 8)}.${v & 255}.1 80 {`, '  protocol TCP', '  lb_algo wrr', '  delay_loop 60');
    for (let r = 0; r < RS; r++) out.push(`  real_server 192.168.${Math.floor((v * RS + r) / 250)}.${((v * RS + r) % 250) + 1} 80 {`, '    weight 1', ...(check ? [check] : []), '  }');
    out.push('}');
  }
  return out.join('\n') + '\n';
}
const ipvsLines = () => spawnSync('ipvsadm', ['-Sn'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 }).stdout.split('\n').filter(Boolean).length;
/** Services + destinations from the kernel's own listing: one read(2), no process. */
function procEntries(): number {
  const lines = readFileSync('/proc/net/ip_vs', 'utf8').split('\n');
  let n = 0;
  for (const l of lines) if (/^(TCP|UDP|SCTP|FWM)\s|^\s+->\s+[0-9A-F[]/.test(l)) n++;
  return n;
}
const clear = () => spawnSync('ipvsadm', ['-C'], { timeout: 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const text = conf('');
const read = readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', text), configId: 'b' });
if (!read.ok) throw new Error('config');
const config = read.config;
function folded(downEvery: number, offset: number): Map<string, DesiredVirtualServer> {
  const m = new Map<string, DesiredVirtualServer>();
  let i = 0;
  for (const vs of config.virtualServers) {
    const alive = new Map(vs.realServers.map((rs) => [realServerKey(vs, rs), { alive: downEvery === 0 || (i++ + offset) % downEvery !== 0 }]));
    m.set(virtualServerKey(vs), foldVirtualServer(vs, alive, undefined));
  }
  return m;
}

const fullTable = desiredTable(config, folded(0, 0)).table;
async function reconcileRuns(backend: IpvsBackend, runs: number) {
  const full: number[] = [];
  const diff: number[] = [];
  const diffRead: number[] = [];
  const diffOps: number[] = [];
  for (let run = 0; run < runs; run++) {
    clear();
    let t = performance.now();
    const r = await reconcile(backend, fullTable);
    full.push(performance.now() - t);
    if (!r.ok) throw new Error(r.message);
    // 1% of real servers change (every 100th goes down), from a different offset each time:
    // as the daemon does it (diff against the table its last pass left), and with a fresh read first.
    let last = r.after;
    for (let k = 0; k < 3; k++) {
      const changed = desiredTable(config, folded(100, run * 3 + k)).table;
      t = performance.now();
      const d = await reconcile(backend, changed, [], undefined, last);
      diff.push(performance.now() - t);
      if (!d.ok) throw new Error(d.message);
      diffOps.push(d.ops.length);
      const back = await reconcile(backend, fullTable, [], undefined, d.after);
      if (!back.ok) throw new Error(back.message);
      t = performance.now();
      const d2 = await reconcile(backend, changed);
      diffRead.push(performance.now() - t);
      if (!d2.ok) throw new Error(d2.message);
      const again = await reconcile(backend, fullTable, [], undefined, d2.after);
      if (!again.ok) throw new Error(again.message);
      last = again.after;
    }
  }
  return { full, diff, diffRead, diffOps };
}
const netlink = await reconcileRuns(createIpvsBackend('netlink', { timeoutMs: 60_000 }), RUNS);
// The previous backend, as the before figure, in the same boot.
const ipvsadm = await reconcileRuns(createIpvsBackend('ipvsadm', { timeoutMs: 60_000 }), Math.min(RUNS, 3));
const lines = ipvsLines();
// The floor under every pass here: starting one ipvsadm process from this Node process in this kernel.
const spawnFloor: number[] = [];
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  spawnSync('ipvsadm', ['-v'], { timeout: 10_000 });
  spawnFloor.push(performance.now() - t);
}

// keepalived -C on the same kernel: config load to a complete table, and its RSS once idle.
clear();
const kaConf = join(dir, 'keepalived.conf');
writeFileSync(kaConf, text);
const kaStart: number[] = [];
const kaRss: number[] = [];
for (let run = 0; run < Math.min(RUNS, 3); run++) {
  clear();
  const t = performance.now();
  const ka = spawn('/usr/sbin/keepalived', ['-C', '-n', '-l', '-D', '-f', kaConf, '-p', join(dir, `ka${run}.pid`), '-c', join(dir, `kac${run}.pid`)], { stdio: 'ignore' });
  while (procEntries() < VS * (RS + 1) && performance.now() - t < 120_000) await sleep(50);
  kaStart.push(performance.now() - t);
  await sleep(1000);
  const pids = spawnSync('pgrep', ['-f', `kac${run}.pid`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  kaRss.push(pids.reduce((n, p) => n + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0), 0) / 1024);
  ka.kill('SIGTERM');
  await new Promise((r) => ka.on('close', r));
}

// The shim itself, as the systemd unit starts it (the node flags of infra/systemd/vigil-shim.service's
// ExecStart, the bundled CLI, the default backend): start (--local, the same config without checks,
// like keepalived's) to a complete table, the phases from its own log, then RSS once idle (after its
// start-up collection, which follows the first pass), for this config and a small one.
const NODE_FLAGS = shimNodeFlags(REPO);
const shimConf = join(dir, 'shim.conf');
writeFileSync(shimConf, text);
const smallConf = join(dir, 'small.conf');
writeFileSync(smallConf, conf('', 5));
const shimStart: number[] = [];
const shimLoaded: number[] = [];
const shimApplied: number[] = [];
const shimRss: number[] = [];
const shimRssSmall: number[] = [];
let shimBackend = '';
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
for (let run = 0; run < Math.min(RUNS, 3); run++) {
  for (const [file, entries] of [[shimConf, VS * (RS + 1)], [smallConf, 5 * (RS + 1)]] as const) {
    clear();
    const t = performance.now();
    const shim = spawn(process.execPath, [...NODE_FLAGS, join(REPO, 'bin/vigil.js'), 'shim', '--config', file, '--local'], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Phases from the shim's own JSON log: modules loaded and config parsed ('ipvs starting'), first pass done ('ipvs applied').
    createInterface({ input: shim.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { msg: string; backend?: string };
      if (file !== shimConf) return;
      if (m.msg === 'ipvs starting') (shimLoaded.push(performance.now() - t), (shimBackend = m.backend ?? ''));
      if (m.msg === 'ipvs applied' && shimApplied.length < shimLoaded.length) shimApplied.push(performance.now() - t);
    });
    while (procEntries() < entries && performance.now() - t < 120_000) await sleep(50);
    if (file === shimConf) shimStart.push(performance.now() - t);
    // Past the shim's collection of start-up garbage (after its first pass; 5 s after start at the latest).
    await sleep(Math.max(0, 8000 - (performance.now() - t)));
    (file === shimConf ? shimRss : shimRssSmall).push(rssOf(shim.pid!));
    shim.kill('SIGTERM');
    await new Promise((r) => shim.on('close', r));
  }
}
process.stdout.write('BENCH ' + JSON.stringify({ netlink, ipvsadm, spawnFloor, lines, kaStart, kaRss, shimStart, shimLoaded, shimApplied, shimRss, shimRssSmall, shimBackend }) + '\n');
