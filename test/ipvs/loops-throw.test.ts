import { afterEach, describe, expect, it } from 'vitest';
import { readKeepalivedConfig, singleFileHost } from '../../core/keepalived/index.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { importPublicJwk, type Snapshot } from '../../core/vote/snapshot.ts';
import { BoardSubscriber } from '../../shim/daemon/board-subscriber.ts';
import { Faults } from '../../shim/daemon/faults.ts';
import { IpvsDaemon } from '../../shim/daemon/ipvs-daemon.ts';
import { Metrics } from '../../shim/daemon/metrics.ts';
import { eventually } from '../helpers/eventually.ts';
import { RecordingIpvsBackend } from '../helpers/recording-ipvs-backend.ts';
import { verdictFor } from './snapshots.ts';
import { TestBoard } from './test-board.ts';

/**
 * What the issue saw: one throw and the chain never ran again (long-poll
 * applied 0 of 3 later snapshots; WebSocket mode died on the rejection; the
 * reconcile chain applied no batch after one thrown read). A throw cannot be
 * caused through the real seams (they return failures as values), so here the
 * consumer and the backend throw on purpose, in process: the loops are real.
 */
const VSS: Snapshot['virtualServers'] = [{ key: 'tcp/10.0.0.1:80', quorumUp: true, aliveWeight: 1, realServers: [] }];

describe('a throw in a loop is counted and the loop goes on', () => {
  let board: TestBoard | undefined;
  let sub: BoardSubscriber | undefined;
  let daemon: IpvsDaemon | undefined;
  afterEach(async () => {
    await sub?.stop();
    await daemon?.stop(false);
    await board?.stop();
    sub = daemon = board = undefined;
  });

  it.each([
    { transport: 'websocket', websocket: true },
    { transport: 'long-poll', websocket: false },
  ])('$transport: the snapshot consumer throws once; the next three snapshots are delivered', async ({ websocket }) => {
    board = await new TestBoard({ cluster: 'c1', token: 't' }).init();
    board.websocket = websocket;
    await board.start();
    const jwk = await board.jwk();
    const metrics = new Metrics();
    const faults = new Faults(metrics, () => undefined);
    const got: number[] = [];
    let throwOnce = true;
    sub = new BoardSubscriber({
      url: board.url(),
      cluster: 'c1',
      token: 't',
      keys: new Map([[jwk.kid, await importPublicJwk(jwk)]]),
      log: () => undefined,
      faults,
      wsFailuresBeforePoll: 1,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      pollWaitS: 1,
      onSnapshot: (s) => {
        if (throwOnce) {
          throwOnce = false;
          throw new Error('consumer bug');
        }
        got.push(s.seq);
      },
    });
    await board.publish(VSS);
    sub.start();
    await eventually('the throw counted', () => metrics.get('vigil_shim_faults_total', { where: 'snapshot', reason: 'apply_threw' }) === 1 || undefined, { timeoutMs: 8000 });
    for (const seq of [2, 3, 4]) {
      await board.publish(VSS);
      await eventually(`snapshot ${seq} delivered`, () => got.includes(seq) || undefined, { timeoutMs: 8000, detail: () => `got ${got.join(', ')}` });
    }
    expect(got).toEqual([2, 3, 4]);
  });

  it('the IPVS backend’s read throws once: the fault is counted and the retry, a fresh read, applies the verdict', async () => {
    const text = 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  real_server 192.168.1.1 80 {\n  }\n}\n';
    const r = readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', text), configId: 't' });
    if (!r.ok) throw new Error('config');
    let throwOnce = true;
    const backend = new (class extends RecordingIpvsBackend {
      override async read() {
        if (throwOnce) {
          throwOnce = false;
          throw new Error('backend bug');
        }
        return super.read();
      }
    })();
    const metrics = new Metrics();
    daemon = new IpvsDaemon(r.config, { backend, clock: systemClock, log: () => undefined, metrics, retryBaseMs: 50 });
    daemon.start();
    const now = Date.now();
    daemon.acceptSnapshot({ v: 1, cluster: 'c1', seq: 1, configVersion: 1, issuedAtMs: now, expiresAtMs: now + 60_000, virtualServers: verdictFor(r.config) });
    await eventually('the verdict in the table after the thrown read', () => (!throwOnce && backend.table.size === 1) || undefined, { timeoutMs: 5000, detail: () => backend.text() });
    expect(metrics.get('vigil_shim_faults_total', { where: 'ipvs', reason: 'reconcile_threw' })).toBe(1);
    expect(backend.text()).toContain('-r 192.168.1.1:80');
  });
});
