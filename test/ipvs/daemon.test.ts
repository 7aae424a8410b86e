import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseIpvsadmSave } from '../../core/ipvs/ipvsadm-format.ts';
import { readKeepalivedConfig, singleFileHost } from '../../core/keepalived/index.ts';
import type { Config } from '../../core/config/model.ts';
import { systemClock } from '../../core/ports/clock.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { lookupUser } from '../../shim/checks/script-security.ts';
import { IpvsDaemon } from '../../shim/daemon/ipvs-daemon.ts';
import { Metrics } from '../../shim/daemon/metrics.ts';
import { eventually } from '../helpers/eventually.ts';
import { RecordingIpvsBackend } from '../helpers/recording-ipvs-backend.ts';
import { verdictFor } from './snapshots.ts';

/**
 * The daemon's decisions (who decides, what is held, what is notified) with
 * the recording backend; the kernel side of the same flow is test/ipvs/e2e-uml.test.ts.
 *
 * Two real servers on one port the test itself holds: 127.0.0.1:PORT answers
 * (the listener), 127.0.0.2:PORT refuses (the listener is bound to 127.0.0.1
 * only, and the port stays ours for the whole file, so nothing else can
 * answer there), so the local checks have one up and one down without a port
 * picked, closed and handed on.
 */
const UP = '127.0.0.1';
const DOWN = '127.0.0.2';
const FOREIGN = '-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n';
const WAIT_MS = 5000;
const NOBODY_UID = lookupUser('nobody')?.uid;
/** Local checks: delay_loop 1 s and connect_timeout 1 s, but their first run may wait up to a delay_loop. */
const LOCAL_CHECKS_MS = 8000;

function conf(dir: string, port: number, vsExtra = '', extra = ''): Config {
  const text = `
global_defs {
  lvs_notify_fifo ${dir}/fifo
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  delay_loop 1
${vsExtra}
  real_server ${UP} ${port} {
    weight 2
    notify_down "/usr/bin/touch ${dir}/rs1-down"
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server ${DOWN} ${port} {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
${extra}`;
  const r = readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', text), configId: 't' });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.config;
}

/**
 * What the Board publishes for `config` when the real servers in `down`
 * (by ip) are down: its own fold (foldCluster) over its memory, so the
 * snapshot carries the Board's quorum and sorry server decision.
 */
function snap(config: Config, seq: number, down: string[], ttlMs: number): Snapshot {
  const now = Date.now();
  return { v: 1, cluster: 'c1', seq, configVersion: 1, issuedAtMs: now, expiresAtMs: now + ttlMs, virtualServers: verdictFor(config, down) };
}

const sorted = (s: string) => s.split('\n').sort().join('\n');
/** For eventually: true once `ok`, else fails with what is there now, so a timed-out wait says what it saw. */
const holds = (ok: boolean, now: () => string): true => {
  if (ok) return true;
  throw new Error(now());
};

describe('IPVS daemon: Board verdicts, fail-static hold, local fallback, release', () => {
  let listener: Server;
  let port: number;

  beforeAll(async () => {
    listener = createServer((s) => s.destroy());
    await new Promise<void>((r) => listener.listen(0, UP, r));
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => listener.close(() => r()));
  });

  /** A daemon of this test's own, with a foreign service already in the kernel; stopped and cleaned up when the test ends. */
  function setUp(o: { localAfterMs?: number; vsExtra?: string } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ipvs-daemon-'));
    // notify_down runs as nobody (no script_user): it must be able to write here.
    chmodSync(dir, 0o777);
    const config = conf(dir, port, o.vsExtra);
    const backend = new RecordingIpvsBackend();
    // Someone else's service, already in the kernel: never touched.
    const other = parseIpvsadmSave(FOREIGN);
    if (!other.ok) throw new Error('foreign table does not parse');
    backend.table = other.table;
    const logs: Array<Record<string, unknown>> = [];
    const daemon = new IpvsDaemon(config, {
      backend,
      clock: systemClock,
      log: (msg, f) => logs.push({ msg, ...f }),
      metrics: new Metrics(),
      localAfterMs: o.localAfterMs ?? 1500,
      tickEveryMs: 50,
      resyncEveryMs: 100,
    });
    daemon.start();
    onTestFinished(async () => {
      await daemon.stop(true);
      rmSync(dir, { recursive: true, force: true });
    });
    const mine = () => backend.text().split('\n').filter((l) => l.includes('10.0.0.1:80')).join('\n');
    return { dir, config, backend, daemon, logs, mine };
  }

  const both = () => `-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r ${UP}:${port} -m -w 2\n-a -t 10.0.0.1:80 -r ${DOWN}:${port} -m -w 1`;
  const upOnly = () => `-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r ${UP}:${port} -m -w 2`;
  const downOnly = () => `-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r ${DOWN}:${port} -m -w 1`;

  it('before any verdict the table is held: not even read', async () => {
    const { daemon, backend } = setUp();
    // A reconcile pass asked for and finished: the same path every decision and resync takes.
    await daemon.requestReconcile();
    expect(daemon.mode()).toBe('waiting');
    expect(backend.reads).toBe(0);
    expect(backend.text()).toBe(FOREIGN);
  });

  it('a verdict is applied; when it flips the server leaves, notify_down runs and the FIFO gets keepalived’s line', async () => {
    const { daemon, dir, config, mine } = setUp();
    daemon.acceptSnapshot(snap(config, 1, [], 60_000));
    await eventually('both real servers in the table', () => holds(sorted(mine()) === sorted(both()), mine), { timeoutMs: WAIT_MS });
    daemon.acceptSnapshot(snap(config, 2, [UP], 60_000));
    await eventually(`${UP}:${port} to leave the table`, () => holds(mine() === downOnly(), mine), { timeoutMs: WAIT_MS });
    await eventually('notify_down to touch rs1-down', () => existsSync(join(dir, 'rs1-down')), { timeoutMs: WAIT_MS });
    // No script_user in the config: the script ran as nobody, never as the daemon's root.
    expect(statSync(join(dir, 'rs1-down')).uid).toBe(NOBODY_UID);
    expect(readFileSync(join(dir, 'fifo'), 'utf8')).toBe(`RS [${UP}]:tcp:${port} [10.0.0.1]:tcp:80 DOWN\n\0`);
  });

  it('when the snapshot expires the table is held exactly, drift included, until the local checks take over', async () => {
    const { daemon, config, backend, mine } = setUp({ localAfterMs: 1500 });
    daemon.acceptSnapshot(snap(config, 1, [], 1000));
    await eventually('both real servers in the table', () => holds(sorted(mine()) === sorted(both()), mine), { timeoutMs: WAIT_MS });
    await eventually('the daemon to hold once the snapshot expired', () => holds(daemon.mode() === 'holding', () => daemon.mode()), { timeoutMs: WAIT_MS });
    // Someone edits the table while nobody valid decides: the shim must not repair it.
    const drifted = backend.text().replace(`-r ${UP}:${port} -m -w 2`, `-r ${UP}:${port} -m -w 7`);
    expect(drifted).not.toBe(backend.text());
    const parsed = parseIpvsadmSave(drifted);
    if (!parsed.ok) throw new Error('drifted table does not parse');
    backend.table = parsed.table;
    const reads = backend.reads;
    await daemon.requestReconcile();
    expect(daemon.mode()).toBe('holding');
    expect(backend.reads).toBe(reads);
    expect(backend.text()).toBe(drifted);
    // After localAfterMs the shim checks for itself: the listener is up, 127.0.0.2 refuses; the drift is repaired.
    await eventually('local checks to take over', () => holds(daemon.mode() === 'local', () => daemon.mode()), { timeoutMs: WAIT_MS });
    await eventually('the local verdict in the table', () => holds(mine() === upOnly(), mine), { timeoutMs: LOCAL_CHECKS_MS });
    expect(backend.text()).toContain(FOREIGN.split('\n')[1]);
  });

  it('the Board’s verdict wins again as soon as a fresh snapshot arrives', async () => {
    const { daemon, config, logs, mine } = setUp({ localAfterMs: 200 });
    daemon.acceptSnapshot(snap(config, 1, [], 300));
    await eventually('local checks to take over', () => holds(daemon.mode() === 'local', () => daemon.mode()), { timeoutMs: WAIT_MS });
    await eventually('the local verdict in the table', () => holds(mine() === upOnly(), mine), { timeoutMs: LOCAL_CHECKS_MS });
    daemon.acceptSnapshot(snap(config, 2, [], 60_000));
    expect(daemon.mode()).toBe('board');
    expect(logs.some((l) => l.msg === 'local checks stopped: the Board decides again')).toBe(true);
    await eventually(`the Board's verdict (${DOWN} back in) in the table`, () => holds(sorted(mine()) === sorted(both()), mine), { timeoutMs: WAIT_MS });
  });

  it('a director whose config says another quorum applies the Board’s decision, not its own', async () => {
    // Here quorum 5 with a sorry server: alone, alive weight 3 would call in the sorry server.
    const { daemon, dir, config, mine } = setUp({ vsExtra: '  quorum 5\n  sorry_server 192.168.9.9 80' });
    // The Board's config is the same but for its quorum (keepalived's default, 1): it decides quorum up, the pool serves.
    const board = snap(conf(dir, port, '  sorry_server 192.168.9.9 80'), 1, [], 60_000);
    expect(board.virtualServers[0]!.quorumUp).toBe(true);
    expect(board.virtualServers[0]!.realServers.find((r) => r.sorry)).toMatchObject({ ip: '192.168.9.9', present: false });
    daemon.acceptSnapshot(board);
    await eventually('the pool in the table', () => holds(mine().includes('-r'), mine), { timeoutMs: WAIT_MS });
    expect(sorted(mine())).toBe(sorted(both()));
    expect(config.virtualServers[0]!.quorum).toBe(5);
  });

  it('a reload that drops a virtual server removes exactly its service; stop releases the rest, never the foreign one', async () => {
    const { daemon, dir, config, backend, mine } = setUp();
    daemon.acceptSnapshot(snap(config, 1, [], 60_000));
    await eventually('both real servers in the table', () => holds(sorted(mine()) === sorted(both()), mine), { timeoutMs: WAIT_MS });
    const bigger = conf(dir, port, '', 'virtual_server 10.0.0.2 443 {\n  protocol TCP\n  real_server 192.168.1.9 443 {\n  }\n}\n');
    await daemon.reload(bigger);
    daemon.acceptSnapshot(snap(bigger, 2, [], 60_000));
    await eventually('10.0.0.2:443 in the table', () => holds(backend.text().includes('10.0.0.2:443'), () => backend.text()), { timeoutMs: WAIT_MS });
    await daemon.reload(config);
    expect(backend.text()).not.toContain('10.0.0.2:443');
    expect(sorted(mine())).toBe(sorted(both()));
    await daemon.stop(true);
    expect(backend.text()).toBe(FOREIGN);
  });
});
