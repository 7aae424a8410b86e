import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localLeaseDeadline, stepLease, type DirectorView, type LeaseState } from './lease.ts';

const P = { ttlMs: 10_000, preempt: true, heartbeatFreshMs: 3000 };
const d = (id: string, priority: number, hb: number | undefined, healthy = true, pathUp = true): DirectorView => ({ id, priority, lastHeartbeatMs: hb, healthy, pathUp });
const empty: LeaseState = { current: null, lastToken: 0 };

describe('lease rules', () => {
  it('grants to the highest-priority eligible director with a fencing token', () => {
    const r = stepLease('eip', empty, [d('a', 100, 0), d('b', 150, 0), d('c', 200, 0, false)], 1000, P);
    expect(r).toMatchObject({ action: 'granted', state: { current: { holder: 'b', token: 1, expiresAtMs: 11_000 }, lastToken: 1 } });
  });

  it('the holder renews on its own heartbeat; others cannot renew it', () => {
    const s = stepLease('eip', empty, [d('a', 100, 0)], 0, P).state;
    expect(stepLease('eip', s, [d('a', 100, 5000)], 5000, P, 'a')).toMatchObject({ action: 'renewed', state: { current: { token: 1, expiresAtMs: 15_000 } } });
    expect(stepLease('eip', s, [d('a', 100, 5000), d('b', 50, 5000)], 5000, P, 'b').action).toBe('held');
  });

  it('never grants a new lease before the previous one expires, even when the holder dies', () => {
    const s = stepLease('eip', empty, [d('a', 200, 0), d('b', 100, 0)], 0, P).state;
    // a stops heartbeating at t=0; b is eligible all along.
    for (const t of [3001, 6000, 9999]) expect(stepLease('eip', s, [d('a', 200, 0), d('b', 100, t)], t, P, 'b').action).toBe('held');
    expect(stepLease('eip', s, [d('a', 200, 0), d('b', 100, 10_000)], 10_000, P, 'b')).toMatchObject({ action: 'granted', state: { current: { holder: 'b', token: 2 } } });
  });

  it('preempt: a higher-priority director that appears takes over after the current lease runs out; nopreempt keeps the holder', () => {
    const s = stepLease('eip', empty, [d('low', 100, 0)], 0, P).state;
    const both = (t: number) => [d('low', 100, t), d('high', 200, t)];
    expect(stepLease('eip', s, both(5000), 5000, P, 'low').action).toBe('held');
    expect(stepLease('eip', s, both(10_000), 10_000, P).state.current?.holder).toBe('high');
    const np = { ...P, preempt: false };
    const s2 = stepLease('eip', s, both(5000), 5000, np, 'low').state;
    expect(s2.current?.expiresAtMs).toBe(15_000);
    expect(stepLease('eip', s2, both(15_000), 15_000, np).state.current?.holder).toBe('low');
  });

  it('an unhealthy holder or one whose path the vantage points see down stops renewing', () => {
    const s = stepLease('eip', empty, [d('a', 100, 0)], 0, P).state;
    expect(stepLease('eip', s, [d('a', 100, 1000, false)], 1000, P, 'a').action).toBe('held');
    expect(stepLease('eip', s, [d('a', 100, 1000, true, false)], 1000, P, 'a').action).toBe('held');
  });

  it('property: leases never overlap and fencing tokens only grow', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 4000 }), who: fc.integer({ min: 0, max: 2 }), beats: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), healthy: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }), { maxLength: 80 }),
        fc.boolean(),
        (steps, preempt) => {
          const p = { ...P, preempt };
          let now = 0;
          let state = empty;
          const hb: (number | undefined)[] = [undefined, undefined, undefined];
          const granted: { holder: string; from: number; token: number }[] = [];
          let lastEnd = -Infinity;
          for (const s of steps) {
            now += s.dt;
            s.beats.forEach((b, i) => b && (hb[i] = now));
            const ds = [0, 1, 2].map((i) => d(`d${i}`, 100 + i * 10, hb[i], s.healthy[i]));
            const prevEnd = state.current?.expiresAtMs ?? -Infinity;
            const r = stepLease('eip', state, ds, now, p, `d${s.who}`);
            if (r.action === 'granted') {
              expect(now).toBeGreaterThanOrEqual(Math.max(prevEnd, lastEnd));
              expect(r.state.current!.token).toBe(state.lastToken + 1);
              granted.push({ holder: r.state.current!.holder, from: now, token: r.state.current!.token });
            }
            if (r.state.current) lastEnd = Math.max(lastEnd, r.state.current.expiresAtMs);
            expect(r.state.lastToken).toBeGreaterThanOrEqual(state.lastToken);
            state = r.state;
          }
          for (let i = 1; i < granted.length; i++) expect(granted[i]!.token).toBeGreaterThan(granted[i - 1]!.token);
        },
      ),
      { numRuns: 1000, seed: 99 },
    );
  });

  it('the director stops before the Board could re-grant', () => {
    expect(localLeaseDeadline(1000, 10_000)).toBe(1000 + 10_000 - 500);
    expect(localLeaseDeadline(1000, 1000)).toBe(1000 + 1000 - 250);
  });
});
