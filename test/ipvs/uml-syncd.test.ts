/**
 * lvs_sync_daemon end to end: `vigil shim` inside a real IPVS kernel (UML),
 * Debian's keepalived as its VRRP peer in a network namespace of this run's
 * own, bridged to UML's eth0 through a tap. The kernel's own `ipvsadm -L
 * --daemon` says which sync daemon runs at each step
 * (test/ipvs/inside/syncd-steps.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { eventually, within } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf } from '../vrrp/conf.ts';
import { ip, keepalivedUnavailable } from '../vrrp/lab.ts';
import { netUnavailable } from './uml-net.ts';
import { nodeInUml, steps, umlUnavailable, type UmlRun } from './uml.ts';

const skip = umlUnavailable() ?? netUnavailable() ?? keepalivedUnavailable();
const NS = `vgsd${process.pid}`;
const PAIR_NS = `vgsp${process.pid}`;

/** A namespace of this run's own: a bridge (multicast flooded, as a switch without snooping) holding the host address and one tap per UML kernel. */
function bridgeNetns(name: string, hostCidr: string, taps: string[]): void {
  spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
  ip(['netns', 'add', name]);
  ip(['-n', name, 'link', 'set', 'lo', 'up']);
  ip(['-n', name, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
  for (const tap of taps) {
    ip(['-n', name, 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    ip(['-n', name, 'link', 'set', tap, 'master', 'br0', 'up']);
  }
  ip(['-n', name, 'addr', 'add', hostCidr, 'dev', 'br0']);
  ip(['-n', name, 'link', 'set', 'br0', 'up']);
}

describe.skipIf(!!skip)(skipTitle('lvs_sync_daemon: the shim switches the kernel’s IPVS sync daemons with VRRP (UML kernel, keepalived peer)', skip), () => {
  let run: UmlRun;
  let got: Map<string, Record<string, unknown>>;
  let peer: Daemon | null = null;
  const dir = mkdtempSync(join(tmpdir(), `${NS}-`));

  beforeAll(async () => {
    bridgeNetns(NS, '10.253.0.1/24', ['vtap0']);
    const conf = join(dir, 'peer.conf');
    writeFileSync(conf, keepalivedConf('peer', [{ name: 'VI_1', vrid: 61, version: 3, advertInt: '0.1', priority: 100, vip: '10.253.0.100/24', interface: 'br0' }]));
    const pid = (k: string) => join(dir, `${k}.pid`);
    peer = spawnDaemon('ip', ['netns', 'exec', NS, '/usr/sbin/keepalived', '-n', '-l', '-P', '-f', conf, '-p', pid('m'), '-r', pid('v'), '-c', pid('c')]);
    run = await nodeInUml('test/ipvs/inside/syncd-steps.ts', [], { timeoutMs: 400_000, mem: '768M', net: { netns: NS, tap: 'vtap0', addr: '10.253.0.2/24' } });
    got = new Map(steps(run.stdout).map((s) => [String(s.name), s]));
  }, 460_000);

  afterAll(async () => {
    await peer?.stop('SIGTERM');
    spawnSync('ip', ['netns', 'del', NS], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  const why = () => `exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stderr.slice(-4000)}\npeer:\n${peer?.output().slice(-1500)}`;
  const daemonsAt = (name: string) => String(got.get(name)?.daemons ?? `(no step ${name}) ${why()}`);

  it('as VRRP master the shim runs the master sync daemon on the configured interface, syncid defaulting to the virtual_router_id', () => {
    expect(daemonsAt('master')).toMatch(/^master sync daemon \(mcast=eth0, syncid=61, maxlen=\d+, group=224\.0\.0\.81, port=8848, ttl=1\)$/);
  });

  it('on losing mastership to a higher-priority keepalived it stops the master daemon and runs the backup one, as keepalived', () => {
    expect(daemonsAt('backup')).toMatch(/^backup sync daemon \(mcast=eth0, syncid=61, maxlen=\d+, group=224\.0\.0\.81, port=8848, ttl=1\)$/);
  });

  it('on stop no sync daemon is left running', () => {
    expect(got.get('stopped')?.code, why()).toBe(0);
    expect(daemonsAt('stopped')).toBe('');
  });

  it('a sync interface that does not exist yet: VRRP goes on, the fault is counted, and the daemon starts once it appears', () => {
    const f = got.get('fault');
    expect(f?.alive, why()).toBe(true);
    expect(String(f?.faults)).toMatch(/vigil_shim_faults_total\{where="syncd",reason="start"\} [1-9]/);
    expect(daemonsAt('recovered')).toMatch(/^master sync daemon \(mcast=sync9, syncid=7, maxlen=\d+, group=224\.0\.0\.81, port=8850, ttl=1\)$/);
    expect(got.get('stopped2')?.code, why()).toBe(0);
    expect(daemonsAt('stopped2')).toBe('');
  });
});

describe.skipIf(!!skip)(skipTitle('lvs_sync_daemon between two shims: a connection made through the master is in the backup’s table (two UML kernels on one bridge)', skip), () => {
  const dir = mkdtempSync(join(tmpdir(), `${PAIR_NS}-`));
  let runs: UmlRun[] = [];

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the backup director lists the master’s UDP connection to the VIP, with its client and real server', async () => {
    bridgeNetns(PAIR_NS, '10.254.0.1/24', ['vtap0', 'vtap1']);
    try {
      const abort = new AbortController();
      const kernels = (['master', 'backup'] as const).map((role, i) =>
        nodeInUml('test/ipvs/inside/sync-pair.ts', [role, dir], { timeoutMs: 400_000, mem: '512M', signal: abort.signal, net: { netns: PAIR_NS, tap: `vtap${i}`, addr: `10.254.0.${2 + i}/24` } }),
      );
      const all = Promise.all(kernels).then((r) => (runs = r));
      const detail = () => runs.map((r) => `exit ${r.code}: ${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`).join('\n---\n');
      try {
        await eventually('both directors ready (MASTER and BACKUP, each with its sync daemon)', () => existsSync(join(dir, 'master.ready')) && existsSync(join(dir, 'backup.ready')), { timeoutMs: 360_000, intervalMs: 500, detail });
        // A client in the namespace: UDP datagrams to the VIP from a fixed port; the master NATs them to 10.254.0.1:53.
        const send = spawnSync('ip', ['netns', 'exec', PAIR_NS, process.execPath, '-e', SEND_UDP], { encoding: 'utf8', timeout: 30_000 });
        expect(send.status, send.stderr).toBe(0);
        const conns = await eventually('backup.conns: the backup kernel listing a synced connection', () => existsSync(join(dir, 'backup.conns')) && readFileSync(join(dir, 'backup.conns'), 'utf8'), { timeoutMs: 120_000, intervalMs: 500, detail });
        expect(conns).toMatch(/UDP\s+\S+\s+UDP\s+10\.254\.0\.1:40053\s+10\.254\.0\.100:53\s+10\.254\.0\.1:53/);
      } finally {
        writeFileSync(join(dir, 'done'), '');
        await within('both UML kernels to end', all, 120_000).catch(() => abort.abort());
      }
    } finally {
      spawnSync('ip', ['netns', 'del', PAIR_NS], { timeout: 10_000 });
    }
  }, 560_000);
});

/** Ten datagrams from 10.254.0.1:40053 to the VIP (IPVS syncs a UDP connection at its third packet). */
const SEND_UDP = `
const s = require('node:dgram').createSocket('udp4');
s.bind(40053, '10.254.0.1', async () => {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => s.send('x', 53, '10.254.0.100', r));
    await new Promise((r) => setTimeout(r, 200));
  }
  s.close();
});
`;
