import { describe, expect, it } from 'vitest';
import { api, putConfig, RS1, threeVantageConfig, tokensFor, vote } from '../test/helpers.ts';
import { MAX_VOTES_BYTES } from './app.ts';
import { MAX_HEARTBEAT_BYTES } from './lease-keeper.ts';

/** A JSON body of exactly `bytes` bytes: the document, then spaces (still the same JSON). */
const padded = (doc: unknown, bytes: number) => {
  const text = JSON.stringify(doc);
  return text + ' '.repeat(bytes - text.length);
};

async function refusal(res: Response): Promise<[number, string, string]> {
  const body = (await res.json()) as { code: string; message: string };
  return [res.status, body.code, body.message];
}

describe('body limits on the routes directors and probers post to', () => {
  it(`heartbeat: a body of ${MAX_HEARTBEAT_BYTES} bytes is read, one byte more is a 413 naming the limit`, async () => {
    const binding = { name: 'web', kind: 'elastic-ip', allocationId: 'eipalloc-0123456789abcdef0', leaseTtlMs: 2000, directors: [{ id: 'lb1', priority: 200, instanceId: 'i-0000000000000000a' }] };
    const cfg = await api('/v1/clusters/limit-a/config', { method: 'PUT', body: JSON.stringify({ vigil: { cloudBindings: [binding] } }), headers: { 'Content-Type': 'application/json' } });
    expect(cfg.status, await cfg.clone().text()).toBe(201);
    const post = (body: string) =>
      api('/v1/clusters/limit-a/directors/lb1/heartbeat', { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, token: tokensFor('limit-a').directors.lb1 });
    const hb = { healthy: true, bindings: ['web'] };
    const atLimit = await post(padded(hb, MAX_HEARTBEAT_BYTES));
    expect(atLimit.status, await atLimit.clone().text()).toBe(200);
    const [status, code, message] = await refusal(await post(padded(hb, MAX_HEARTBEAT_BYTES + 1)));
    expect([status, code]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
    expect(message).toContain(String(MAX_HEARTBEAT_BYTES));
  });

  it(`votes: a body of ${MAX_VOTES_BYTES} bytes is read, one byte more is a 413 naming the limit`, async () => {
    expect((await putConfig('limit-b', threeVantageConfig())).status).toBe(201);
    const post = (body: string) => api('/v1/clusters/limit-b/votes', { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, token: tokensFor('limit-b').probers.dc1 });
    const batch = { votes: [vote(RS1, 'dc1', true)] };
    const atLimit = await post(padded(batch, MAX_VOTES_BYTES));
    expect(atLimit.status, await atLimit.clone().text()).toBe(200);
    const [status, code, message] = await refusal(await post(padded(batch, MAX_VOTES_BYTES + 1)));
    expect([status, code]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
    expect(message).toContain(String(MAX_VOTES_BYTES));
  });
});
