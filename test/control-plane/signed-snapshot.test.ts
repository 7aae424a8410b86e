import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySnapshot } from '../../core/vote/snapshot.ts';
import { BoardClient } from '../../shim/probe/board-client.ts';
import { localSecrets } from '../../shim/local/local-secrets.ts';
import { startWranglerDev, type WranglerDev } from '../../shim/local/wrangler-dev.ts';

/**
 * The Worker under `wrangler dev` (workerd, local mode), read from Node: a
 * shim's view. The snapshot verifies with Node's own WebCrypto against the
 * key from /v1/keys, and stops verifying when a single byte changes.
 */
const secrets = localSecrets(['dc1']);
let dev: WranglerDev;

beforeAll(async () => {
  dev = await startWranglerDev({ secrets });
}, 120_000);
afterAll(async () => {
  await dev?.stop();
});

describe('signed snapshots, verified in Node', () => {
  it('verify with Node WebCrypto and fail after one byte changes', async () => {
    const admin = new BoardClient(`${dev.url}/v1/clusters/node-sign`, secrets.tokens.admin);
    const conf = readFileSync(join(import.meta.dirname, '../../infra/local/keepalived.conf'), 'utf8').replace(/\$\{_ENV VIGIL_DEMO_PORT_[ABC]\}/g, '9');
    await admin.putConfig(conf);
    const shim = new BoardClient(`${dev.url}/v1/clusters/node-sign`, secrets.tokens.shim);
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
