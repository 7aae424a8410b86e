import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, BASE, putConfig, RS1, threeVantageConfig, tokensFor, vote } from '../test/helpers.ts';

async function answer(res: Response): Promise<{ status: number; code: string; path: string | undefined; message: string }> {
  const body = (await res.json()) as { code: string; path?: string; message: string };
  return { status: res.status, code: body.code, path: body.path, message: body.message };
}

/** Both clusters declare dc1: a dc1 prober token of one must still get nothing from the other. */
async function twoClusters(a: string, b: string): Promise<void> {
  for (const c of [a, b]) expect((await putConfig(c, threeVantageConfig())).status).toBe(201);
}

describe('tokens act only on their own cluster', () => {
  it("a prober token of one cluster neither fetches another cluster's assignment (its config) nor votes there", async () => {
    await twoClusters('api-a', 'api-b');
    const dc1OfA = tokensFor('api-a').probers.dc1!;
    expect((await api('/v1/clusters/api-a/assignment?vantage=dc1', { token: dc1OfA })).status).toBe(200);
    const fetched = await answer(await api('/v1/clusters/api-b/assignment?vantage=dc1', { token: dc1OfA }));
    expect(fetched).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN', path: 'cluster' });
    expect(fetched.message).toBe('this token is for cluster api-a, not api-b');
    const voted = await api('/v1/clusters/api-b/votes', { method: 'POST', body: JSON.stringify({ votes: [vote(RS1, 'dc1', false)] }), headers: { 'Content-Type': 'application/json' }, token: dc1OfA });
    expect(await answer(voted)).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN', path: 'cluster' });
    // The vote never reached api-b's Board.
    const detail = (await (await api('/v1/clusters/api-b/votes', { token: tokensFor('api-b').shim })).json()) as { realServers: { votes: Record<string, unknown> }[] };
    expect(detail.realServers.every((r) => Object.keys(r.votes).length === 0)).toBe(true);
  });

  it("a shim token of one cluster reads none of another cluster's verdict, votes, events or stream", async () => {
    await twoClusters('api-c', 'api-d');
    const shimOfC = tokensFor('api-c').shim;
    expect((await api('/v1/clusters/api-c/verdict', { token: shimOfC })).status).toBe(200);
    for (const path of ['verdict', 'votes', 'events']) {
      expect(await answer(await api(`/v1/clusters/api-d/${path}`, { token: shimOfC })), path).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN', path: 'cluster' });
    }
    const ws = await SELF.fetch(`${BASE}/v1/clusters/api-d/stream`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${shimOfC}` } });
    expect(ws.status).toBe(403);
    expect(ws.webSocket).toBeNull();
  });

  it('reads the Authorization scheme in any case (bearer, BEARER)', async () => {
    expect((await putConfig('api-e', threeVantageConfig())).status).toBe(201);
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await SELF.fetch(`${BASE}/v1/clusters/api-e/verdict`, { headers: { Authorization: `${scheme} ${tokensFor('api-e').shim}` } });
      expect(res.status, scheme).toBe(200);
    }
    expect((await SELF.fetch(`${BASE}/v1/clusters/api-e/verdict`, { headers: { Authorization: `Basic ${tokensFor('api-e').shim}` } })).status).toBe(401);
  });
});
