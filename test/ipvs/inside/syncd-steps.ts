/**
 * Runs inside UML for test/ipvs/uml-syncd.test.ts: the real `vigil shim` CLI
 * with lvs_sync_daemon, its VRRP peer (Debian's keepalived, priority 100) on
 * the far side of eth0. Prints one STEP line per phase with this kernel's
 * `ipvsadm -L --daemon`:
 *   master    the shim (priority 200) is MASTER
 *   backup    reloaded at priority 50: the peer took over
 *   stopped   after SIGTERM
 *   fault     a second shim whose sync interface does not exist yet (VRRP goes on; the fault is counted)
 *   recovered the interface appears: the retry starts the daemon
 *   stopped2  after SIGTERM
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { keepalivedConf } from '../../vrrp/conf.ts';
import { STEP } from '../uml.ts';

const REPO = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-syncd-'));
const cfg = join(dir, 'keepalived.conf');
const METRICS = '127.0.0.1:9119';
const WAIT_MS = 90_000;

const daemons = () => {
  const r = spawnSync('ipvsadm', ['-L', '--daemon'], { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
};
const step = (name: string, fields: Record<string, unknown>) => process.stdout.write(`${STEP}${JSON.stringify({ name, daemons: daemons(), ...fields })}\n`);
const conf = (priority: number, syncd: string) => {
  writeFileSync(`${cfg}.tmp`, keepalivedConf('uml', [{ name: 'VI_1', vrid: 61, version: 3, advertInt: '0.1', priority, vip: '10.253.0.100/24' }], [syncd]));
  renameSync(`${cfg}.tmp`, cfg);
};

function startShim(extra: string[] = []): { proc: ChildProcess; out: () => string } {
  let out = '';
  const proc = spawn(process.execPath, [join(REPO, 'bin/vigil.js'), 'shim', '--config', cfg, '--config-id', 'uml', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, out: () => out };
}
const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', (c) => r(c))));
const waitFor = (what: string, fn: () => unknown, out: () => string) => eventually(what, fn, { timeoutMs: WAIT_MS, intervalMs: 200, detail: () => out().slice(-3000) });
async function stop(s: { proc: ChildProcess }): Promise<number | null> {
  s.proc.kill('SIGTERM');
  return exited(s.proc);
}

// 1. Master, then backup after a reload that lets the peer win, then stopped.
conf(200, 'lvs_sync_daemon eth0 VI_1');
const one = startShim();
try {
  await waitFor('the shim to become MASTER with the master sync daemon', () => /"to":"MASTER"/.test(one.out()) && /master sync daemon/.test(daemons()), one.out);
  step('master', {});
  conf(50, 'lvs_sync_daemon eth0 VI_1');
  one.proc.kill('SIGHUP');
  await waitFor('the shim to go BACKUP (the peer preempts) with the backup sync daemon', () => /"from":"MASTER","to":"BACKUP"/.test(one.out()) && /backup sync daemon/.test(daemons()), one.out);
  step('backup', {});
} finally {
  step('stopped', { code: await stop(one), log: one.out().slice(-2000) });
}

// 2. The sync interface is missing: VRRP runs on, the fault is counted; once it exists, the retry converges.
conf(200, 'lvs_sync_daemon sync9 VI_1 id 7 port 8850');
const two = startShim(['--metrics-listen', METRICS]);
const metrics = async () => (await fetch(`http://${METRICS}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
try {
  await waitFor('a syncd fault logged while the instance is MASTER', () => /"to":"MASTER"/.test(two.out()) && /"msg":"fault".*"where":"syncd"/.test(two.out()), two.out);
  const faults = await eventually('vigil_shim_faults_total{where="syncd"} in /metrics', async () => /vigil_shim_faults_total\{where="syncd",reason="start"\} [1-9]/.exec(await metrics())?.[0], { timeoutMs: WAIT_MS, intervalMs: 500 });
  step('fault', { faults, alive: two.proc.exitCode === null });
  spawnSync('ip', ['link', 'add', 'sync9', 'type', 'dummy'], { timeout: 10_000 });
  spawnSync('ip', ['addr', 'add', '10.77.0.1/24', 'dev', 'sync9'], { timeout: 10_000 });
  spawnSync('ip', ['link', 'set', 'sync9', 'up'], { timeout: 10_000 });
  await waitFor('the retry to start the master sync daemon on sync9', () => /master sync daemon \(mcast=sync9/.test(daemons()) && /fault burst over/.test(two.out()), two.out);
  step('recovered', {});
} finally {
  step('stopped2', { code: await stop(two), log: two.out().slice(-2000) });
}
