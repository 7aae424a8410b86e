import { describe, expect, it } from 'vitest';
import { api } from '../test/helpers.ts';

const json = (body: string) => ({ method: 'PUT', body, headers: { 'Content-Type': 'application/json' } });

describe('the Board refuses JSON it does not understand', () => {
  it('answers 400 naming a typo’d key’s path and position, and keeps the running config', async () => {
    const good = JSON.stringify({ virtualServers: [], vigil: { vantagePoints: [{ name: 'dc1', kind: 'self-hosted' }] } }, null, 2);
    const first = await api('/v1/clusters/strict-a/config', json(good));
    expect(first.status, await first.clone().text()).toBe(201);
    const etag = first.headers.get('ETag');

    const bad = await api('/v1/clusters/strict-a/config', json('{\n  "virtualServer": []\n}'));
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; message: string; errors: string[] };
    expect(body.code).toBe('ERR_CONFIG');
    expect(body.message).toBe('strict-a.json:2:3: error: virtualServer: unknown key "virtualServer"');

    const still = await api('/v1/clusters/strict-a/config');
    expect(still.headers.get('ETag')).toBe(etag);
    expect(await still.text()).toBe(good);
  });
});
