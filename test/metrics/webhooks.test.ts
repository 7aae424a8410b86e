import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { WebhookBody } from '../../core/webhook/event.ts';
import { verifyWebhook, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from '../../core/webhook/signature.ts';
import { eventually } from '../helpers/eventually.ts';
import { workerForSuite } from '../helpers/worker-for-suite.ts';
import { RS1, RS2, threeVantageConfig, vote } from '../../workers/test/configs.ts';

/**
 * Alert webhooks from the real Worker (wrangler dev, workerd) to a receiver
 * on loopback that refuses each event's first two attempts: every event
 * arrives, once accepted, after its retries; every attempt's signature
 * verifies with the secret the Worker holds; ids are unique per event and
 * the same across its retries; viewers see the deliveries.
 */
const CLUSTER = 'hook-a';
const SECRET = 'whsec-test-only-0123456789abcdef';
const REFUSED_ATTEMPTS = 2;
const secrets = localSecrets({ clusters: [CLUSTER], vantagePoints: ['dc1', 'dc2', 'dc3'], directors: ['lb1'] });
const t = tokensOf(secrets.tokens, CLUSTER);
const dev = workerForSuite({ secrets, extraSecrets: { VIGIL_WEBHOOK_RECV: SECRET } });

interface Received {
  id: string | undefined;
  signature: string | undefined;
  body: string;
  answered: number;
}
const received: Received[] = [];
let receiver: Server;
let port = 0;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = req.headers[WEBHOOK_ID_HEADER.toLowerCase()] as string | undefined;
      const tries = received.filter((r) => r.id === id).length;
      const answered = tries < REFUSED_ATTEMPTS ? 503 : 204;
      received.push({ id, signature: req.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()] as string | undefined, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

// delay_loop 10: votes stay fresh 32 s, past this test, so no vantage point turns silent on its own.
const conf = () =>
  threeVantageConfig(
    `    cloud_binding web-eip {
        kind elastic-ip
        allocation_id eipalloc-0123456789abcdef0
        lease_ttl 30
        director lb1 {
            instance_id i-0123456789abcdef0
        }
    }
    alert_webhook recv {
        url http://127.0.0.1:${port}/hook
        secret_env VIGIL_WEBHOOK_RECV
    }`,
    10,
  );

function call(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return fetch(`${dev.url}/v1/clusters/${CLUSTER}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
}
const json = { 'Content-Type': 'application/json' };
const post = (vp: string, votes: unknown[]) => call('/votes', t.probers[vp]!, { method: 'POST', body: JSON.stringify({ votes }), headers: json });

interface Status {
  webhooks: { name: string; url: string; pending: number; delivered: number; failed: number }[];
  deliveries: { eventId: string; state: string; attempts: number; lastStatus: number | null }[];
}

describe('alert webhooks from the Board', () => {
  it('a receiver that refuses the first attempts gets every event, each signed, once accepted, with one id across its retries', async () => {
    expect((await call('/config', secrets.tokens.admin, { method: 'PUT', body: conf(), headers: { 'Content-Type': 'text/plain' } })).status).toBe(201);
    // 10.1.0.1 down by dc1 and dc2 (a verdict change); all three vantage points start voting (each stops being silent).
    for (const vp of ['dc1', 'dc2']) expect((await post(vp, [vote(RS1, vp, false), vote(RS2, vp, true)])).status).toBe(200);
    expect((await post('dc3', [vote(RS1, 'dc3', false), vote(RS2, 'dc3', true)])).status).toBe(200);
    // lb1 takes the lease nobody held: lease_moved.
    expect((await call('/directors/lb1/heartbeat', t.directors.lb1!, { method: 'POST', body: JSON.stringify({ healthy: true, bindings: ['web-eip'] }), headers: json })).status).toBe(200);

    const expected = (bodies: WebhookBody[]) => {
      const has = (type: string, data: Record<string, unknown>) => bodies.some((b) => b.type === type && Object.entries(data).every(([k, v]) => JSON.stringify(b.data[k]) === JSON.stringify(v)));
      return {
        rsDown: has('verdict_change', { kind: 'real_server', key: RS1, from: 'up', to: 'down' }),
        dc1Back: has('vantage_point_silent', { vantagePoint: 'dc1', silent: false }),
        dc3Back: has('vantage_point_silent', { vantagePoint: 'dc3', silent: false }),
        leaseMoved: has('lease_moved', { binding: 'web-eip', from: null, to: 'lb1', fencingToken: 1 }),
      };
    };
    const all = { rsDown: true, dc1Back: true, dc3Back: true, leaseMoved: true };
    const status = await eventually(
      'the Board to report every queued delivery delivered (receiver refusing the first two attempts of each)',
      async () => {
        const s = (await (await call('/webhooks', t.viewer)).json()) as Status;
        const accepted = received.filter((r) => r.answered === 204).map((r) => WebhookBody.parse(JSON.parse(r.body)));
        const done = s.deliveries.length > 0 && s.webhooks[0]!.pending === 0 && JSON.stringify(expected(accepted)) === JSON.stringify(all);
        return done ? s : null;
      },
      { timeoutMs: 60_000, intervalMs: 250, detail: () => `received: ${JSON.stringify(received.map((r) => [r.id, r.answered]))}` },
    );

    const ids = new Set(received.map((r) => r.id));
    console.log(`webhooks: ${ids.size} events (${[...new Set(received.map((r) => WebhookBody.parse(JSON.parse(r.body)).type))].join(', ')}) in ${received.length} attempts`);
    for (const r of received) {
      const check = await verifyWebhook(SECRET, r.signature, r.body, Date.now());
      expect(check, `signature of an attempt at ${r.id}`).toMatchObject({ ok: true });
      expect(JSON.parse(r.body).id, 'the id header is the body id').toBe(r.id);
      expect((await verifyWebhook('another secret', r.signature, r.body, Date.now())).ok).toBe(false);
    }
    for (const id of ids) {
      const attempts = received.filter((r) => r.id === id);
      expect(attempts.map((a) => a.answered), `attempts at ${id}`).toEqual([503, 503, 204]);
      expect(new Set(attempts.map((a) => a.body)).size, 'a retry carries the same body').toBe(1);
    }
    const eventIds = received.filter((r) => r.answered === 204).map((r) => WebhookBody.parse(JSON.parse(r.body)).id);
    expect(new Set(eventIds).size, 'every event has its own id').toBe(eventIds.length);

    // What a viewer sees: the URL's origin only, every delivery delivered after three attempts.
    const hook = status.webhooks[0]!;
    expect(hook).toMatchObject({ name: 'recv', url: `http://127.0.0.1:${port}/…`, pending: 0, failed: 0, delivered: ids.size });
    expect(status.deliveries.every((d) => d.state === 'delivered' && d.attempts === 3 && d.lastStatus === 204), JSON.stringify(status.deliveries)).toBe(true);
    expect((await call('/webhooks', t.shim)).status, 'a shim token does not read webhook state').toBe(403);
    const metrics = await (await call('/metrics', t.viewer)).text();
    expect(metrics).toContain(`vigil_webhook_deliveries{cluster="${CLUSTER}",webhook="recv",state="delivered"} ${ids.size}`);
  }, 90_000);
});
