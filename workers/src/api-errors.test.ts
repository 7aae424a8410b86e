import { describe, expect, it } from 'vitest';
import { api, postVotes, putConfig, RS1, threeVantageConfig, tokensFor, vote } from '../test/helpers.ts';
import { MAX_CONFIG_BYTES } from './app.ts';

async function code(res: Response): Promise<[number, string, string | undefined]> {
  const body = (await res.json()) as { code: string; path?: string };
  return [res.status, body.code, body.path];
}

describe('unauthorised and malformed requests', () => {
  it('401 without a token or with an unknown one', async () => {
    expect(await code(await api('/v1/clusters/err-a/verdict', { token: null }))).toEqual([401, 'ERR_UNAUTHORIZED', undefined]);
    expect((await code(await api('/v1/clusters/err-a/verdict', { token: 'vgl_shim_' + 'A'.repeat(43) })))[0]).toBe(401);
  });

  it('403 for the wrong scope, and for a prober voting as another vantage point', async () => {
    expect((await code(await api('/v1/clusters/err-a/config', { method: 'PUT', body: 'x', token: tokensFor('err-a').probers.dc1 })))[0]).toBe(403);
    await putConfig('err-b', threeVantageConfig());
    const res = await postVotes('err-b', 'dc1', [vote(RS1, 'dc2', false)]);
    expect(await code(res)).toEqual([403, 'ERR_FORBIDDEN', 'votes.0.vantagePoint']);
  });

  it('400 with the path for a malformed vote batch; 400 for a bad cluster name', async () => {
    await putConfig('err-c', threeVantageConfig());
    const res = await api('/v1/clusters/err-c/votes', { method: 'POST', body: JSON.stringify({ votes: [{ ...vote(RS1, 'dc1', true), up: 'yes' }] }), headers: { 'Content-Type': 'application/json' }, token: tokensFor('err-c').probers.dc1 });
    expect(await code(res)).toEqual([400, 'ERR_BAD_REQUEST', 'votes.0.up']);
    const notJson = await api('/v1/clusters/err-c/votes', { method: 'POST', body: '{', headers: { 'Content-Type': 'application/json' }, token: tokensFor('err-c').probers.dc1 });
    expect((await code(notJson))[0]).toBe(400);
    expect(await code(await api('/v1/clusters/Bad!Name/verdict', { token: tokensFor('err-c').shim }))).toEqual([400, 'ERR_BAD_REQUEST', 'cluster']);
    expect((await code(await api('/v1/clusters/err-c/verdict?wait=abc', { token: tokensFor('err-c').shim })))[0]).toBe(400);
  });

  it('413 for a body over the limit', async () => {
    const huge = '#'.repeat(MAX_CONFIG_BYTES + 10);
    expect((await code(await putConfig('err-d', huge)))[0]).toBe(413);
  });

  it('404 for a cluster without config and for unknown routes', async () => {
    expect(await code(await api('/v1/clusters/nobody/verdict', { token: tokensFor('nobody').shim }))).toEqual([404, 'ERR_NOT_FOUND', undefined]);
    expect((await code(await api('/v1/nothing-here')))[0]).toBe(404);
  });

  it('412 for a stale If-Match', async () => {
    await putConfig('err-e', threeVantageConfig());
    expect((await code(await putConfig('err-e', threeVantageConfig(), { 'If-Match': '"9-000000000000"' })))[0]).toBe(412);
  });

  it('415 for votes that are not JSON by Content-Type; 426 for /stream without Upgrade', async () => {
    await putConfig('err-f', threeVantageConfig());
    const res = await api('/v1/clusters/err-f/votes', { method: 'POST', body: '{}', headers: { 'Content-Type': 'text/plain' }, token: tokensFor('err-f').probers.dc1 });
    expect((await code(res))[0]).toBe(415);
    expect((await code(await api('/v1/clusters/err-f/stream', { token: tokensFor('err-f').shim })))[0]).toBe(426);
  });

  it('serves the OpenAPI document and the public key without a token', async () => {
    const doc = (await (await api('/v1/openapi.json', { token: null })).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/clusters/{cluster}/verdict');
    const keys = (await (await api('/v1/keys', { token: null })).json()) as { keys: { kty: string; crv: string }[] };
    expect(keys.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });
});
