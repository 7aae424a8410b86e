import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportPublicJwk, importPublicJwk, signSnapshot, verifySnapshot, type Snapshot } from './snapshot.ts';

const snap = (seq: number, now = 1_000_000): Snapshot => ({
  v: 1, cluster: 'prod', seq, configVersion: 3, issuedAtMs: now, expiresAtMs: now + 30_000,
  virtualServers: [{ key: 'tcp/192.0.2.1:80', quorumUp: true, aliveWeight: 1, realServers: [{ key: 'tcp/192.0.2.1:80|10.0.0.1:80', ip: '10.0.0.1', port: 80, present: true, weight: 1, state: 'up', effective: 'up', sorry: false, votes: { a: { up: true, reason: 'ok', atMs: now, fresh: true } } }] }],
});

async function keys() {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as { privateKey: CryptoKey; publicKey: CryptoKey };
  const pub = await importPublicJwk(await exportPublicJwk(pair.publicKey, 'k1'));
  return { priv: pair.privateKey, pub: new Map([['k1', pub]]) };
}
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

describe('signed snapshots', () => {
  it('verifies with the published key, and fails after any one byte changes', async () => {
    const k = await keys();
    const signed = await signSnapshot(snap(5), k.priv, 'k1');
    const exp = { cluster: 'prod', nowMs: 1_000_500, lastSeq: 4, keys: k.pub };
    expect(await verifySnapshot(signed.body, signed.signature, exp)).toMatchObject({ ok: true, snapshot: { seq: 5 } });
    for (const i of [0, 10, Math.floor(signed.body.length / 2), signed.body.length - 1]) {
      const forged = signed.body.slice();
      forged[i] = forged[i]! ^ 0x01;
      expect(await verifySnapshot(forged, signed.signature, exp)).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
  });

  it('refuses a replay, an expired snapshot, another cluster, and an unknown key', async () => {
    const k = await keys();
    const signed = await signSnapshot(snap(5), k.priv, 'k1');
    const base = { cluster: 'prod', nowMs: 1_000_500, lastSeq: 4, keys: k.pub };
    expect(await verifySnapshot(signed.body, signed.signature, { ...base, lastSeq: 5 })).toMatchObject({ ok: false, reason: 'stale_sequence' });
    expect(await verifySnapshot(signed.body, signed.signature, { ...base, nowMs: 1_030_000 })).toMatchObject({ ok: false, reason: 'expired' });
    expect(await verifySnapshot(signed.body, signed.signature, { ...base, cluster: 'dev' })).toMatchObject({ ok: false, reason: 'wrong_cluster' });
    expect(await verifySnapshot(signed.body, signed.signature.replace('keyid=k1', 'keyid=k2'), base)).toMatchObject({ ok: false, reason: 'unknown_key' });
    expect(await verifySnapshot(signed.body, null, base)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('lean snapshots (no per-vantage detail) and older ones with it both verify and parse', async () => {
    const k = await keys();
    const full = snap(5);
    const lean: Snapshot = { ...full, virtualServers: full.virtualServers.map((v) => ({ ...v, realServers: v.realServers.map(({ votes: _v, ...r }) => r) })) };
    const exp = { cluster: 'prod', nowMs: 1_000_500, lastSeq: 4, keys: k.pub };
    const a = await signSnapshot(lean, k.priv, 'k1');
    const b = await signSnapshot(full, k.priv, 'k1');
    expect(new TextDecoder().decode(a.body)).not.toContain('"votes"');
    expect(a.body.length).toBeLessThan(b.body.length);
    expect(await verifySnapshot(a.body, a.signature, exp)).toMatchObject({ ok: true, snapshot: { seq: 5 } });
    expect(await verifySnapshot(b.body, b.signature, exp)).toMatchObject({ ok: true, snapshot: { seq: 5 } });
  });

  it('property: a consumer applying what verifies never goes back in sequence', async () => {
    const k = await keys();
    const signedBySeq = new Map<number, Awaited<ReturnType<typeof signSnapshot>>>();
    for (let s = 1; s <= 20; s++) signedBySeq.set(s, await signSnapshot(snap(s), k.priv, 'k1'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 40 }), async (arrivals) => {
        let applied = 0;
        for (const s of arrivals) {
          const sig = signedBySeq.get(s)!;
          const r = await verifySnapshot(sig.body, sig.signature, { cluster: 'prod', nowMs: 1_000_001, lastSeq: applied, keys: k.pub });
          if (r.ok) {
            expect(r.snapshot.seq).toBeGreaterThan(applied);
            applied = r.snapshot.seq;
          }
        }
        // The newest snapshot that arrived is the one in force, whatever the order.
        expect(applied).toBe(Math.max(...arrivals));
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
