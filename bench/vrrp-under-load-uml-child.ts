/**
 * Runs inside UML for bench/vrrp-under-load.bench.ts: one VRRP master (the
 * shim, or keepalived as the peer) on eth0, whose adverts the host captures
 * on the other side of the tap, while the same process is made to do a full
 * IPVS apply of 10,000 real servers (SIGHUP onto a 500 × 20 config) and then
 * a SIGHUP reload of the 227k-line config (1,000 × 20 with HTTP_GET). Prints
 * one JSON line: the wall-clock marks of each phase, which the host lines up
 * with the capture.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepalivedConf } from '../test/vrrp/conf.ts';
import { generateConfig } from './gen-config.ts';
import { shimNodeFlags } from './ipvs-shim-flags.ts';

const MODE = process.argv[2] === 'keepalived' ? 'keepalived' : 'shim';
const REPO = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-vul-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const marks: Record<string, number> = {};
const mark = (name: string) => (marks[name] = Date.now());

const vrrp = keepalivedConf('uml', [{ name: 'VI_1', vrid: 61, version: 3, advertInt: '0.1', priority: 200, vip: '10.252.0.100/24' }]);
function servers(vs: number, rs: number): string {
  const out: string[] = [];
  for (let v = 0; v < vs; v++) {
    out.push(`virtual_server 10.${1 + (v >> 8)}.${v & 255}.1 80 {`, '  protocol TCP', '  lb_algo wrr', '  delay_loop 60');
    for (let r = 0; r < rs; r++) out.push(`  real_server 192.168.${Math.floor((v * rs + r) / 250)}.${((v * rs + r) % 250) + 1} 80 {`, '    weight 1', '  }');
    out.push('}');
  }
  return out.join('\n') + '\n';
}
// generateConfig's own global_defs (router_id only) is dropped: the VRRP part brings one.
const huge = vrrp + generateConfig(1000, 20).split('\n').slice(3).join('\n');
const cfg = join(dir, 'keepalived.conf');
const put = (text: string) => {
  writeFileSync(`${cfg}.tmp`, text);
  renameSync(`${cfg}.tmp`, cfg);
};
put(vrrp + servers(1, 1));

/**
 * Real servers the kernel lists under one service (ipvsadm over netlink, one
 * service looked up). Reading /proc/net/ip_vs instead walks the whole table
 * again for every page read, inside a one-CPU kernel that cannot preempt it:
 * the observer would stall the master it observes.
 */
function destinations(vip: string): number {
  const r = spawnSync('ipvsadm', ['-Ln', '-t', `${vip}:80`], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? (r.stdout.match(/^\s+-> \d/gm)?.length ?? 0) : 0;
}
async function until(what: string, fn: () => boolean, timeoutMs: number, stepMs = 100): Promise<void> {
  const t = Date.now();
  while (!fn()) {
    if (Date.now() - t > timeoutMs) throw new Error(`timed out waiting for ${what}\n${out.slice(-3000)}`);
    await sleep(stepMs);
  }
}

let out = '';
const proc =
  MODE === 'shim'
    ? spawn(process.execPath, [...shimNodeFlags(REPO), join(REPO, 'bin/vigil.js'), 'shim', '--config', cfg, '--config-id', 'uml', '--local', '--ipvs-backend', 'netlink'], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('/usr/sbin/keepalived', ['-n', '-l', '-D', '-f', cfg, '-p', join(dir, 'ka.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'chk.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
// Only a tail is kept: the observer must not compete with the master it observes (one CPU in UML).
const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
proc.stdout!.on('data', keep);
proc.stderr!.on('data', keep);
// This observer (its ipvsadm polls) runs behind both masters' processes, whose own priorities stay as they set them.
setPriority(0, 15);
const masterLine = MODE === 'shim' ? /"to":"MASTER"/ : /\(VI_1\) Entering MASTER STATE/;
try {
  await until('master', () => masterLine.test(out), 60_000);
  mark('master');
  await sleep(3_000);
  // Full apply: from 1 service to 500 services × 20 real servers.
  mark('reload10k');
  put(vrrp + servers(500, 20));
  proc.kill('SIGHUP');
  // The last of the 500 services with its 20 real servers (services are applied in order).
  await until('10,000 real servers in the table', () => destinations('10.2.243.1') >= 20, 180_000, 500);
  mark('applied10k');
  await sleep(2_000);
  mark('reload227k');
  put(huge);
  proc.kill('SIGHUP');
  // The last of the big config's 1,000 services (its checks may already be taking real servers out again).
  await until('the 227k-line config applied', () => destinations('10.3.231.1') >= 1, 240_000, 500);
  mark('applied227k');
  await sleep(3_000);
} finally {
  mark('stop');
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('close', r));
}
process.stdout.write('BENCH ' + JSON.stringify({ mode: MODE, marks, tail: out.slice(-1500) }) + '\n');
