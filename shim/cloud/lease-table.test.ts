import { describe, expect, it } from 'vitest';
import { CloudBinding } from '../../core/config/vigil.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { LocalLeaseKeeper } from './local-lease-keeper.ts';

const b = (over: Partial<CloudBinding> = {}) =>
  CloudBinding.parse({
    name: 'web',
    kind: 'elastic-ip',
    allocationId: 'eipalloc-0123456789abcdef0',
    leaseTtlMs: 2000,
    directors: [
      { id: 'lb1', priority: 200, instanceId: 'i-0000000000000000a', privateIp: '10.0.1.11' },
      { id: 'lb2', priority: 150, instanceId: 'i-0000000000000000b', privateIp: '10.0.1.12' },
    ],
    ...over,
  });

function setup(over: Partial<CloudBinding> = {}) {
  let now = 1_000_000;
  const clock: Clock = { nowMs: () => now, sleep: async (ms) => void (now += ms) };
  const k = new LocalLeaseKeeper([b(over)], clock);
  const hb = (id: string, healthy = true) => {
    const r = k.heartbeat(id, { healthy, bindings: ['web'], observed: {} });
    if (!r.ok) throw new Error(r.reason);
    return r.reply.leases['web']!;
  };
  return { k, hb, advance: (ms: number) => void (now += ms) };
}

describe('the lease keeper step (shared by the LeaseKeeper Durable Object)', () => {
  it('grants the first eligible director, then hands over to the higher priority only after expiry (preempt)', () => {
    const { hb, advance } = setup();
    expect(hb('lb2')).toMatchObject({ holder: true, token: 1, remainingMs: 2000 });
    expect(hb('lb1')).toMatchObject({ holder: false, token: 1, leaseEndsInMs: 2000 });
    advance(1000);
    // Preempt: lb2 is outranked, so its heartbeat no longer renews; the lease runs out.
    expect(hb('lb2')).toMatchObject({ holder: true, remainingMs: 1000 });
    advance(1001);
    expect(hb('lb1')).toMatchObject({ holder: true, token: 2, remainingMs: 2000 });
    expect(hb('lb2')).toMatchObject({ holder: false, token: 2 });
  });

  it('nopreempt keeps the holder while it heartbeats', () => {
    const { hb, advance } = setup({ preempt: false });
    hb('lb2');
    for (let i = 0; i < 5; i++) {
      advance(900);
      hb('lb1');
      expect(hb('lb2')).toMatchObject({ holder: true, token: 1, remainingMs: 2000 });
    }
  });

  it("a director whose own checks fail, or whose path the vantage points see down, is not granted; tokens survive a restart", () => {
    const { k, hb, advance } = setup();
    k.verdicts = [{ ip: '10.0.1.11', state: 'down' }];
    hb('lb1');
    expect(hb('lb2', false)).toMatchObject({ holder: false, token: null });
    expect(hb('lb2')).toMatchObject({ holder: true, token: 1 });
    k.restart();
    advance(2001);
    k.verdicts = [{ ip: '10.0.1.11', state: 'unknown' }];
    expect(hb('lb1')).toMatchObject({ holder: true, token: 2 });
  });

  it('refuses a binding the director does not serve', () => {
    const { k } = setup();
    expect(k.heartbeat('lb9', { healthy: true, bindings: ['web'], observed: {} })).toMatchObject({ ok: false });
    expect(k.heartbeat('lb1', { healthy: true, bindings: ['nope'], observed: {} })).toMatchObject({ ok: false });
  });
});
