/**
 * The lease protocol on the wire, shared by the director (lease-client.ts)
 * and the LeaseKeeper Durable Object (workers/src/lease-keeper.ts). Runtime-free:
 * zod only, so workerd and Node both import it.
 */
import * as z from 'zod';

export const ObservedPlacement = z.enum(['here', 'elsewhere', 'unassigned', 'unknown']);

export const Heartbeat = z.object({
  /** The director's own checks (local checker, tracked scripts). */
  healthy: z.boolean(),
  /** The bindings this director serves; the keeper steps only these. */
  bindings: z.array(z.string().min(1)).max(256),
  /** Where the director last saw each address, for the Board's view and the dashboard. */
  observed: z.record(z.string(), ObservedPlacement).default({}),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const BindingLease = z.object({
  holder: z.boolean(),
  /** The fencing token of the current lease (anyone's), null when none is granted. */
  token: z.number().int().min(1).nullable(),
  /** For the holder: how long its lease has left on the keeper's clock. 0 otherwise. */
  remainingMs: z.number().int().min(0),
  /** For the others: when the current lease ends, so they can ask again right after. */
  leaseEndsInMs: z.number().int().min(0).nullable(),
});
export type BindingLease = z.infer<typeof BindingLease>;

export const HeartbeatReply = z.object({ leases: z.record(z.string(), BindingLease) });
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;

