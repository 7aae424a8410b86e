import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifySnapshot } from '../../core/vote/snapshot.ts';
import { BoardClient } from '../../shim/probe/board-client.ts';
import { DemoBackend } from '../../devstack/demo-backends.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { workerForSuite } from '../helpers/worker-for-suite.ts';
import { spawnDaemon } from '../helpers/daemon.ts';
import { within } from '../helpers/eventually.ts';

/**
 * The Worker under `wrangler dev` (workerd, local mode), read from Node: a
 * shim's view. The snapshot verifies with Node's own WebCrypto against the
 * key from /v1/keys, and stops verifying when a single byte changes.
 */
const secrets = localSecrets({ clusters: ['node-sign', 'node-probe'], vantagePoints: ['dc1'] });
const sign = tokensOf(secrets.tokens, 'node-sign');
const probed = tokensOf(secrets.tokens, 'node-probe');

const dev = workerForSuite({ secrets });

describe('signed snapshots, verified in Node', () => {
  it('verify with Node WebCrypto and fail after one byte changes', async () => {
    const admin = new BoardClient(`${dev.url}/v1/clusters/node-sign`, secrets.tokens.admin);
    const conf = readFileSync(join(import.meta.dirname, '../../devstack/keepalived.conf'), 'utf8').replace(/\$\{_ENV VIGIL_DEMO_PORT_[ABC]\}/g, '9');
    await admin.putConfig(conf);
    const shim = new BoardClient(`${dev.url}/v1/clusters/node-sign`, sign.shim);
    const got = await shim.verdict(0, 0);
    expect(got).not.toBeNull();
    const keys = await shim.keys();
    const exp = { cluster: 'node-sign', nowMs: Date.now(), lastSeq: 0, keys };
    const ok = await verifySnapshot(got!.body, got!.signature, exp);
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    for (const at of [0, Math.floor(got!.body.length / 2), got!.body.length - 1]) {
      const bad = got!.body.slice();
      bad[at] = bad[at]! ^ 0x01;
      expect((await verifySnapshot(bad, got!.signature, exp)).ok).toBe(false);
    }
    // A replay of the same snapshot is refused too.
    expect(await verifySnapshot(got!.body, got!.signature, { ...exp, lastSeq: ok.ok ? ok.snapshot.seq : 0 })).toMatchObject({ ok: false, reason: 'stale_sequence' });
  }, 60_000);
});

describe('vigil probe (a self-hosted vantage point as its own process)', () => {
  it('fetches its assignment, checks, and its votes reach the verdict', async () => {
    const backend = new DemoBackend('probe-target');
    await backend.start();
    try {
      const conf = `virtual_server 10.9.0.1 80 {\n    delay_loop 1\n    protocol TCP\n    real_server 127.0.0.1 ${backend.port} {\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n}\nvigil {\n    vantage_point dc1 {\n        kind self-hosted\n    }\n}\n`;
      await new BoardClient(`${dev.url}/v1/clusters/node-probe`, secrets.tokens.admin).putConfig(conf);
      const probe = spawnDaemon(process.execPath, [join(import.meta.dirname, '../../bin/vigil.js'), 'probe', '--board', `${dev.url}/v1/clusters/node-probe`, '--vantage', 'dc1', '--for-ms', '4000'], { env: { ...process.env, VIGIL_TOKEN: probed.probers.dc1 } });
      // --for-ms 4000: it stops by itself; the deadline allows for start-up on a loaded machine.
      const code = await within('vigil probe --for-ms 4000 to exit', probe.exited, 40_000).catch((err: Error) => `${err.message}\n${probe.output()}`);
      const out = probe.output();
      expect(code, out).toBe(0);
      expect(out).toContain('1 real server(s)');
      expect(out).not.toContain(probed.probers.dc1!); // the token never reaches the log
      const got = await new BoardClient(`${dev.url}/v1/clusters/node-probe`, probed.shim).verdict(0, 0);
      const snap = JSON.parse(new TextDecoder().decode(got!.body)) as { virtualServers: { realServers: { state: string; votes?: unknown }[] }[] };
      const rs = snap.virtualServers[0]!.realServers[0]!;
      expect(rs.votes).toBeUndefined(); // lean: the desired state only
      const detail = await new BoardClient(`${dev.url}/v1/clusters/node-probe`, probed.shim).voteDetail();
      expect(detail.realServers[0]!.votes.dc1?.up, out).toBe(true);
      expect(rs.state).toBe('up');
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
