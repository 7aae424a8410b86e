import { abortAllDurableObjects, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, tokensFor } from '../test/helpers.ts';

const binding = {
  name: 'web',
  kind: 'elastic-ip',
  allocationId: 'eipalloc-0123456789abcdef0',
  leaseTtlMs: 2000,
  directors: [
    { id: 'lb1', priority: 200, instanceId: 'i-0000000000000000a' },
    { id: 'lb2', priority: 100, instanceId: 'i-0000000000000000b' },
  ],
};

async function cluster(name: string) {
  const res = await api(`/v1/clusters/${name}/config`, { method: 'PUT', body: JSON.stringify({ vigil: { cloudBindings: [binding] } }), headers: { 'Content-Type': 'application/json' } });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** As director `id` of cluster `c`, by default with that director's own token. */
const heartbeat = (c: string, id: string, body: unknown = { healthy: true, bindings: ['web'] }, token: string | null = tokensFor(c).directors[id] ?? null) =>
  api(`/v1/clusters/${c}/directors/${id}/heartbeat`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, token });

describe('LeaseKeeper (cloud failover leases) in workerd', () => {
  it('grants one director a fenced lease, tells the other when it ends, and keeps both across a restart', async () => {
    await cluster('lease-a');
    const first = (await (await heartbeat('lease-a', 'lb2')).json()) as { leases: Record<string, { holder: boolean; token: number; remainingMs: number }> };
    expect(first.leases['web']).toMatchObject({ holder: true, token: 1, remainingMs: 2000 });
    const other = (await (await heartbeat('lease-a', 'lb1')).json()) as { leases: Record<string, { holder: boolean; leaseEndsInMs: number }> };
    expect(other.leases['web']?.holder).toBe(false);
    expect(other.leases['web']?.leaseEndsInMs).toBeGreaterThan(0);
    await abortAllDurableObjects();
    const states = await env.LEASE_KEEPER.get(env.LEASE_KEEPER.idFromName('lease-a')).leaseStates();
    expect(states['web']).toMatchObject({ current: { holder: 'lb2', token: 1 }, lastToken: 1 });
    // After the restart the lease still stands: no second grant before it expires.
    const again = (await (await heartbeat('lease-a', 'lb1')).json()) as { leases: Record<string, { holder: boolean; token: number }> };
    expect(again.leases['web']).toMatchObject({ holder: false, token: 1 });
  });

  it('refuses no token (401), a prober token (403), a bad body or an unknown binding (400)', async () => {
    await cluster('lease-b');
    expect((await heartbeat('lease-b', 'lb1', undefined, null)).status).toBe(401);
    expect((await heartbeat('lease-b', 'lb1', undefined, tokensFor('lease-b').probers.dc1!)).status).toBe(403);
    expect((await heartbeat('lease-b', 'lb1', { healthy: 'yes', bindings: ['web'] })).status).toBe(400);
    const unknown = await heartbeat('lease-b', 'lb1', { healthy: true, bindings: ['nope'] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { path: string }).path).toBe('body.bindings');
  });

  it("accepts a shim token only as the director it names, in its own cluster; a shim token naming no director cannot heartbeat", async () => {
    await cluster('lease-c');
    await cluster('lease-d');
    const refused = async (res: Response, path: string, message: RegExp) => {
      const body = (await res.json()) as { code: string; path?: string; message: string };
      expect([res.status, body.code, body.path]).toEqual([403, 'ERR_FORBIDDEN', path]);
      expect(body.message).toMatch(message);
    };
    // lb1's token heartbeating as lb2 (which would take lb2's place in the lease) is refused.
    await refused(await heartbeat('lease-c', 'lb2', undefined, tokensFor('lease-c').directors.lb1!), 'id', /only as director lb1/);
    // The cluster's verdict-reading shim token names no director.
    await refused(await heartbeat('lease-c', 'lb1', undefined, tokensFor('lease-c').shim), 'id', /names no director/);
    // lb1 of another cluster is not lb1 of this one.
    await refused(await heartbeat('lease-c', 'lb1', undefined, tokensFor('lease-d').directors.lb1!), 'cluster', /cluster lease-d, not lease-c/);
    // None of those touched the lease: the first real heartbeat is granted token 1.
    const granted = (await (await heartbeat('lease-c', 'lb1')).json()) as { leases: Record<string, { holder: boolean; token: number }> };
    expect(granted.leases['web']).toMatchObject({ holder: true, token: 1 });
  });
});
