/**
 * The rule that makes a cloud move safe: only a director holding a current
 * lease calls the API, and it checks the lease before *every* call (each
 * retry, each route table). The deadline is the director's own
 * (localLeaseDeadline: counted from when the heartbeat was sent, less a drift
 * margin), so it stops before the Board could grant the lease to anyone else.
 */
import type { Clock } from '../../core/ports/clock.ts';
import { fail } from './cloud-result.ts';
import type { Caller } from './ec2-caller.ts';
import { deadline } from '../ports/deadline.ts';

export interface HeldLease {
  token: number;
  /** On the director's clock. */
  deadlineMs: number;
}

/** Reads the current lease at call time (it changes under a running reconcile). */
export type LeaseView = () => HeldLease | null;

export function withLeaseGuard(inner: Caller, lease: LeaseView, clock: Clock): Caller {
  return async (call, signal) => {
    const held = lease();
    const leftMs = held ? held.deadlineMs - clock.nowMs() : 0;
    if (!held || leftMs <= 0) return fail('ERR_LEASE_LOST', `${call.action}: no current lease; not calling`);
    // The call may not outlive the lease either: abort it at the deadline.
    const limit = deadline(Math.ceil(leftMs), `${call.action} within the lease`, signal);
    return inner(call, limit.signal).finally(limit.clear);
  };
}
