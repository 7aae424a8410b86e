import * as z from 'zod';

/**
 * Leases for cloud address bindings: at most one director may move an address,
 * and only while it holds a current lease. The rules, pure:
 *
 * - a director is eligible while its heartbeat is fresh, its own checks say
 *   healthy, and the vantage points' verdict on its path is up;
 * - the holder renews by heartbeating while eligible (and, with preempt, while
 *   no eligible director outranks it);
 * - a new lease is granted only once the previous one has expired, to the
 *   highest-priority eligible director (nopreempt: the previous holder first),
 *   with a fencing token one greater than any granted before.
 *
 * Because grants wait for expiry, two leases never overlap in Board time; the
 * director side keeps a safety margin against clock drift (localLeaseDeadline).
 */
export const Lease = z.object({
  binding: z.string(),
  holder: z.string(),
  token: z.number().int().min(1),
  grantedAtMs: z.number().int(),
  expiresAtMs: z.number().int(),
});
export type Lease = z.infer<typeof Lease>;

export const LeaseState = z.object({
  current: Lease.nullable(),
  /** The highest fencing token ever granted for this binding; survives restarts. */
  lastToken: z.number().int().min(0),
});
export type LeaseState = z.infer<typeof LeaseState>;

export interface DirectorView {
  id: string;
  priority: number;
  lastHeartbeatMs: number | undefined;
  healthy: boolean;
  pathUp: boolean;
}

export interface LeasePolicy {
  ttlMs: number;
  preempt: boolean;
  /** A heartbeat older than this makes a director ineligible. */
  heartbeatFreshMs: number;
}

export type LeaseAction = 'none' | 'renewed' | 'granted' | 'expired' | 'held';

export function isEligible(d: DirectorView, nowMs: number, p: LeasePolicy): boolean {
  return d.lastHeartbeatMs !== undefined && nowMs - d.lastHeartbeatMs <= p.heartbeatFreshMs && d.healthy && d.pathUp;
}

function rank(a: DirectorView, b: DirectorView): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * One step of the lease rules for one binding. `renewFor` names the director
 * whose heartbeat triggered this step (only the holder's own heartbeat renews).
 */
export function stepLease(binding: string, state: LeaseState, directors: readonly DirectorView[], nowMs: number, p: LeasePolicy, renewFor?: string): { state: LeaseState; action: LeaseAction } {
  const eligible = directors.filter((d) => isEligible(d, nowMs, p)).sort(rank);
  const cur = state.current;
  if (cur && cur.expiresAtMs > nowMs) {
    const holder = directors.find((d) => d.id === cur.holder);
    const outranked = p.preempt && holder !== undefined && eligible.some((d) => d.id !== holder.id && rank(d, holder) < 0);
    if (renewFor === cur.holder && holder && isEligible(holder, nowMs, p) && !outranked) {
      return { state: { ...state, current: { ...cur, expiresAtMs: nowMs + p.ttlMs } }, action: 'renewed' };
    }
    // Never a second lease before this one runs out, whatever else has changed.
    return { state, action: 'held' };
  }
  const previous = cur?.holder;
  const expired = cur !== null;
  let pick = eligible[0];
  if (!p.preempt && previous !== undefined) pick = eligible.find((d) => d.id === previous) ?? pick;
  if (!pick) return { state: { ...state, current: null }, action: expired ? 'expired' : 'none' };
  const token = state.lastToken + 1;
  return { state: { current: { binding, holder: pick.id, token, grantedAtMs: nowMs, expiresAtMs: nowMs + p.ttlMs }, lastToken: token }, action: 'granted' };
}

/**
 * When the director must consider its lease gone, by its own clock: the Board
 * said `remainingMs` were left; counting from when the request was *sent*
 * (not answered) and less a margin for clock rate drift, the director always
 * stops before the Board could grant the lease to anyone else.
 */
export function localLeaseDeadline(requestSentAtMs: number, remainingMs: number, driftMargin = 0.05, minMarginMs = 250): number {
  return requestSentAtMs + remainingMs - Math.max(minMarginMs, remainingMs * driftMargin);
}
