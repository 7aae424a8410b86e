/**
 * lvs_sync_daemon end to end: `vigil shim` inside a real IPVS kernel (UML),
 * Debian's keepalived as its VRRP peer in a network namespace of this run's
 * own, bridged to UML's eth0 through a tap. The kernel's own `ipvsadm -L
 * --daemon` says which sync daemon runs at each step
 * (test/ipvs/inside/syncd-steps.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf } from '../vrrp/conf.ts';
import { ip, keepalivedUnavailable } from '../vrrp/lab.ts';
import { netUnavailable } from './uml-net.ts';
import { nodeInUml, steps, umlUnavailable, type UmlRun } from './uml.ts';

const skip = umlUnavailable() ?? netUnavailable() ?? keepalivedUnavailable();
const NS = `vgsd${process.pid}`;

describe.skipIf(!!skip)(skipTitle('lvs_sync_daemon: the shim switches the kernel’s IPVS sync daemons with VRRP (UML kernel, keepalived peer)', skip), () => {
  let run: UmlRun;
  let got: Map<string, Record<string, unknown>>;
  let peer: Daemon | null = null;
  const dir = mkdtempSync(join(tmpdir(), `${NS}-`));

  beforeAll(async () => {
    spawnSync('ip', ['netns', 'del', NS], { timeout: 10_000 });
    ip(['netns', 'add', NS]);
    ip(['-n', NS, 'link', 'set', 'lo', 'up']);
    ip(['-n', NS, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    ip(['-n', NS, 'tuntap', 'add', 'dev', 'vtap0', 'mode', 'tap']);
    ip(['-n', NS, 'link', 'set', 'vtap0', 'master', 'br0', 'up']);
    ip(['-n', NS, 'addr', 'add', '10.253.0.1/24', 'dev', 'br0']);
    ip(['-n', NS, 'link', 'set', 'br0', 'up']);
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
