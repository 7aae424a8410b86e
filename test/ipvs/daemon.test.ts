import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIpvsadmSave } from '../../core/ipvs/ipvsadm-format.ts';
import { readKeepalivedConfig, singleFileHost } from '../../core/keepalived/index.ts';
import type { Config } from '../../core/config/model.ts';
import { systemClock } from '../../core/ports/clock.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { IpvsDaemon } from '../../shim/daemon/ipvs-daemon.ts';
import { Metrics } from '../../shim/daemon/metrics.ts';
import { RecordingIpvsBackend } from '../helpers/recording-ipvs-backend.ts';
import { waitFor } from '../vrrp/lab.ts';
import { verdictFor } from './snapshots.ts';

/**
 * The daemon's decisions (who decides, what is held, what is notified) with
 * the recording backend; the kernel side of the same flow is test/ipvs/e2e-uml.test.ts.
 */
function conf(dir: string, upPort: number, downPort: number, extra = ''): Config {
  const text = `
global_defs {
  lvs_notify_fifo ${dir}/fifo
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  delay_loop 1
  real_server 127.0.0.1 ${upPort} {
    weight 2
    notify_down "/usr/bin/touch ${dir}/rs1-down"
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 127.0.0.1 ${downPort} {
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

function snap(config: Config, seq: number, down: string[], ttlMs: number): Snapshot {
  const now = Date.now();
  return { v: 1, cluster: 'c1', seq, configVersion: 1, issuedAtMs: now, expiresAtMs: now + ttlMs, virtualServers: verdictFor(config, down) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('IPVS daemon: Board verdicts, fail-static hold, local fallback, release', () => {
  let dir: string;
  let listener: Server;
  let upPort: number;
  let downPort: number;
  const logs: Array<Record<string, unknown>> = [];
  const backend = new RecordingIpvsBackend();
  let daemon: IpvsDaemon;
  let config: Config;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ipvs-daemon-'));
    listener = createServer((s) => s.destroy());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    upPort = (listener.address() as { port: number }).port;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    downPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    config = conf(dir, upPort, downPort);
    // Someone else's service, already in the kernel: never touched.
    const other = parseIpvsadmSave('-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n');
    if (other.ok) backend.table = other.table;
    daemon = new IpvsDaemon(config, {
      backend,
      clock: systemClock,
      log: (msg, f) => logs.push({ msg, ...f }),
      metrics: new Metrics(),
      localAfterMs: 1500,
      tickEveryMs: 50,
      resyncEveryMs: 100,
    });
    daemon.start();
  });
  afterAll(async () => {
    await daemon.stop(true);
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mine = () => backend.text().split('\n').filter((l) => l.includes('10.0.0.1:80')).join('\n');
  const sorted = (s: string) => s.split('\n').sort().join('\n');

  it('before any verdict the table is held: not even read', async () => {
    await sleep(300);
    expect(daemon.mode()).toBe('waiting');
    expect(backend.reads).toBe(0);
  });

  it('a verdict is applied; when it flips the server leaves, notify_down runs and the FIFO gets keepalived’s line', async () => {
    daemon.acceptSnapshot(snap(config, 1, [], 60_000));
    await waitFor(() => (mine().includes(`127.0.0.1:${downPort}`) ? true : undefined), 3000);
    expect(sorted(mine())).toBe(sorted(`-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 127.0.0.1:${upPort} -m -w 2\n-a -t 10.0.0.1:80 -r 127.0.0.1:${downPort} -m -w 1`));
    daemon.acceptSnapshot(snap(config, 2, [`127.0.0.1:${upPort}`], 1000));
    await waitFor(() => (!mine().includes(`:${upPort}`) ? true : undefined), 3000);
    expect(mine()).toBe(`-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 127.0.0.1:${downPort} -m -w 1`);
    await waitFor(() => (existsSync(join(dir, 'rs1-down')) ? true : undefined), 3000);
    expect(readFileSync(join(dir, 'fifo'), 'utf8')).toBe(`RS [127.0.0.1]:tcp:${upPort} [10.0.0.1]:tcp:80 DOWN\n\0`);
  });

  it('when the snapshot expires the table is held exactly, drift included, until the local checks take over', async () => {
    await waitFor(() => (daemon.mode() === 'holding' ? true : undefined), 3000);
    const reads = backend.reads;
    const held = backend.text();
    await sleep(500);
    expect(daemon.mode()).toBe('holding');
    expect(backend.reads).toBe(reads);
    expect(backend.text()).toBe(held);
    // After localAfterMs the shim checks for itself: the listener is up, the closed port is down.
    await waitFor(() => (daemon.mode() === 'local' ? true : undefined), 3000);
    await waitFor(() => (mine() === `-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 127.0.0.1:${upPort} -m -w 2` ? true : undefined), 8000);
    expect(mine()).toBe(`-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 127.0.0.1:${upPort} -m -w 2`);
  });

  it('the Board’s verdict wins again as soon as a fresh snapshot arrives', async () => {
    daemon.acceptSnapshot(snap(config, 3, [], 60_000));
    expect(daemon.mode()).toBe('board');
    await waitFor(() => (mine().includes(`:${downPort}`) ? true : undefined), 3000);
    expect(mine()).toContain(`-r 127.0.0.1:${downPort} -m -w 1`);
    expect(logs.some((l) => l.msg === 'local checks stopped: the Board decides again')).toBe(true);
  });

  it('a reload that drops a virtual server removes exactly its service; stop releases the rest, never the foreign one', async () => {
    const bigger = conf(dir, upPort, downPort, 'virtual_server 10.0.0.2 443 {\n  protocol TCP\n  real_server 192.168.1.9 443 {\n  }\n}\n');
    await daemon.reload(bigger);
    daemon.acceptSnapshot(snap(bigger, 4, [], 60_000));
    await waitFor(() => (backend.text().includes('10.0.0.2:443') ? true : undefined), 3000);
    await daemon.reload(config);
    expect(backend.text()).not.toContain('10.0.0.2:443');
    await daemon.stop(true);
    expect(backend.text()).toBe('-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n');
  });
});
