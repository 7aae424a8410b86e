/**
 * What the lease keeper does with one heartbeat, pure and runtime-free, so the
 * LeaseKeeper Durable Object and the in-process keeper of the simulated chaos
 * runs execute the same code. The rules themselves are core/lease's stepLease.
 */
import type { CloudBinding, DirectorBinding } from '../config/vigil.ts';
import { stepLease, type DirectorView, type LeaseState } from './lease.ts';
import type { BindingLease, Heartbeat, HeartbeatReply } from './lease-wire.ts';

export interface DirectorRecord {
  id: string;
  lastHeartbeatMs: number;
  healthy: boolean;
}

/** A real server's verdict as the keeper needs it (from the Board's snapshot). */
export interface PathVerdict {
  ip: string;
  state: 'up' | 'down' | 'unknown';
}

/**
 * A director's path is the real servers at its own private address, as the
 * vantage points see them. No such real server: nothing to disagree with (up).
 * `unknown` does not count as down: with too few fresh vantage points, hold still.
 */
export function pathUp(d: DirectorBinding, verdicts: readonly PathVerdict[]): boolean {
  if (!d.privateIp) return true;
  return !verdicts.some((v) => v.ip === d.privateIp && v.state === 'down');
}

export const EMPTY_LEASE: LeaseState = { current: null, lastToken: 0 };

export type HeartbeatAnswer = { ok: true; reply: HeartbeatReply; changed: Map<string, LeaseState> } | { ok: false; message: string; path: string };

export function answerHeartbeat(o: {
  directorId: string;
  body: Heartbeat;
  nowMs: number;
  bindings: readonly CloudBinding[];
  /** Every director's last heartbeat, this one's already recorded. */
  directors: ReadonlyMap<string, DirectorRecord>;
  leases: ReadonlyMap<string, LeaseState>;
  verdicts: readonly PathVerdict[];
}): HeartbeatAnswer {
  const leases: Record<string, BindingLease> = {};
  const changed = new Map<string, LeaseState>();
  for (const name of o.body.bindings) {
    const b = o.bindings.find((x) => x.name === name);
    if (!b) return { ok: false, message: `no cloud_binding ${name} in the running config`, path: 'body.bindings' };
    if (!b.directors.some((d) => d.id === o.directorId)) return { ok: false, message: `director ${o.directorId} is not listed in cloud_binding ${name}`, path: 'body.bindings' };
    const views: DirectorView[] = b.directors.map((d) => {
      const r = o.directors.get(d.id);
      return { id: d.id, priority: d.priority, lastHeartbeatMs: r?.lastHeartbeatMs, healthy: r?.healthy ?? false, pathUp: pathUp(d, o.verdicts) };
    });
    // A director that stopped heartbeating for a whole TTL is stale by then: the expired holder is never re-granted on old news.
    const policy = { ttlMs: b.leaseTtlMs, preempt: b.preempt, heartbeatFreshMs: b.leaseTtlMs };
    const before = o.leases.get(name) ?? EMPTY_LEASE;
    const { state, action } = stepLease(name, before, views, o.nowMs, policy, o.directorId);
    if (action !== 'none' && action !== 'held') changed.set(name, state);
    const cur = state.current && state.current.expiresAtMs > o.nowMs ? state.current : null;
    const holder = cur?.holder === o.directorId;
    leases[name] = { holder, token: cur?.token ?? null, remainingMs: holder ? cur!.expiresAtMs - o.nowMs : 0, leaseEndsInMs: cur && !holder ? cur.expiresAtMs - o.nowMs : null };
  }
  return { ok: true, reply: { leases }, changed };
}
