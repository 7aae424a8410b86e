import { describe, expect, it } from 'vitest';
import { api, putConfig, threeVantageConfig, tokensFor } from '../test/helpers.ts';

describe('config lifecycle', () => {
  it('takes a keepalived.conf, versions it, and serves it back with its ETag', async () => {
    const first = await putConfig('cfg-a', threeVantageConfig());
    expect(first.status, await first.clone().text()).toBe(201);
    const etag = first.headers.get('ETag');
    expect(etag).toMatch(/^"1-[0-9a-f]{12}"$/);
    const got = await api('/v1/clusters/cfg-a/config');
    expect(got.headers.get('ETag')).toBe(etag);
    expect(await got.text()).toBe(threeVantageConfig());
  });

  it('refuses a bad config with file:line:col errors and keeps the running one', async () => {
    const ok = await putConfig('cfg-b', threeVantageConfig());
    const etag = ok.headers.get('ETag')!;
    const bad = threeVantageConfig().replace('weight 1', 'weight banana');
    const res = await putConfig('cfg-b', bad);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string; errors: string[] };
    expect(body.code).toBe('ERR_CONFIG');
    expect(body.message).toMatch(/^keepalived\.conf:\d+:\d+: /);
    const line = bad.split('\n').findIndex((l) => l.includes('banana')) + 1;
    expect(body.errors.some((e) => e.startsWith(`keepalived.conf:${line}:`)), body.errors.join('\n')).toBe(true);
    const still = await api('/v1/clusters/cfg-b/config');
    expect(still.headers.get('ETag')).toBe(etag);
    expect(await still.text()).toBe(threeVantageConfig());
  });

  it('honours If-Match: a stale ETag gets 412, the current one applies', async () => {
    const one = await putConfig('cfg-c', threeVantageConfig());
    const etag1 = one.headers.get('ETag')!;
    const two = await putConfig('cfg-c', threeVantageConfig('    vote {\n        quorum 3\n    }'), { 'If-Match': etag1 });
    expect(two.status).toBe(200);
    const etag2 = two.headers.get('ETag')!;
    expect(etag2).toMatch(/^"2-/);
    const stale = await putConfig('cfg-c', threeVantageConfig(), { 'If-Match': etag1 });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { code: string }).code).toBe('ERR_PRECONDITION_FAILED');
    expect((await api('/v1/clusters/cfg-c/config')).headers.get('ETag')).toBe(etag2);
  });

  it('takes Vigil JSON by Content-Type and reports JSON errors with their position', async () => {
    const json = JSON.stringify({ virtualServers: [], vigil: { vantagePoints: [{ name: 'dc1', kind: 'self-hosted' }] } }, null, 2);
    const res = await api('/v1/clusters/cfg-d/config', { method: 'PUT', body: json, headers: { 'Content-Type': 'application/json' } });
    expect(res.status, await res.clone().text()).toBe(201);
    const bad = await api('/v1/clusters/cfg-d/config', { method: 'PUT', body: '{\n  "virtualServers": 7\n}', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^cfg-d\.json:2:\d+: /);
  });

  it('only an admin token may change the config', async () => {
    const res = await api('/v1/clusters/cfg-e/config', { method: 'PUT', body: threeVantageConfig(), token: tokensFor('cfg-e').shim });
    expect(res.status).toBe(403);
  });

  it('refuses invalid UTF-8 at its file:line:col instead of replacing it, and keeps the running config', async () => {
    const ok = await putConfig('cfg-f', threeVantageConfig());
    const etag = ok.headers.get('ETag')!;
    const text = threeVantageConfig();
    const at = text.indexOf('weight 1');
    const line = text.slice(0, at).split('\n').length;
    const col = at - text.lastIndexOf('\n', at - 1);
    const enc = new TextEncoder();
    const body = new Uint8Array([...enc.encode(text.slice(0, at)), 0xff, ...enc.encode(text.slice(at))]);
    const res = await api('/v1/clusters/cfg-f/config', { method: 'PUT', body, headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(400);
    const err = (await res.json()) as { code: string; message: string; path: string; errors: string[] };
    expect(err).toMatchObject({ code: 'ERR_CONFIG', path: `keepalived.conf:${line}:${col}` });
    expect(err.message).toBe(`keepalived.conf:${line}:${col}: error: invalid UTF-8 (byte 0xff)`);
    const still = await api('/v1/clusters/cfg-f/config');
    expect(still.headers.get('ETag')).toBe(etag);
  });

  it('lists at most 100 errors and counts the rest', async () => {
    const bad = threeVantageConfig() + Array.from({ length: 250 }, (_, i) => `virtual_server 192.0.2.${i % 250} 80 {\n  delay_loop banana\n}\n`).join('');
    const res = await putConfig('cfg-g', bad);
    expect(res.status).toBe(400);
    const err = (await res.json()) as { errors: string[] };
    expect(err.errors).toHaveLength(101);
    expect(err.errors[100]).toMatch(/^… and \d+ more errors$/);
  });
});
