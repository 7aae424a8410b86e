import { abortAllDurableObjects, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, tokens } from '../test/helpers.ts';

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

const heartbeat = (c: string, id: string, body: unknown = { healthy: true, bindings: ['web'] }, token: string | null = tokens.shim) =>
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
    expect((await heartbeat('lease-b', 'lb1', undefined, Object.values(tokens.probers)[0] ?? null)).status).toBe(403);
    expect((await heartbeat('lease-b', 'lb1', { healthy: 'yes', bindings: ['web'] })).status).toBe(400);
    const unknown = await heartbeat('lease-b', 'lb1', { healthy: true, bindings: ['nope'] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { path: string }).path).toBe('body.bindings');
  });
});
