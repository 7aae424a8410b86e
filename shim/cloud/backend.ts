/**
 * One address binding as the director sees it: where the address is now,
 * and how to bring it here or let it go. Every method returns a result value;
 * every API call inside goes through the lease-guarded, retrying Caller.
 */
import type { CloudBinding, DirectorBinding } from '../../core/config/vigil.ts';
import type { CloudResult } from './cloud-result.ts';

export type Placement =
  /** On this director (for routes: in every named table). */
  | 'here'
  | 'elsewhere'
  | 'unassigned';

export interface Observation {
  placement: Placement;
  /** Where it is, for logs: an instance, interface or per-table targets. */
  detail: string;
}

export interface Moved {
  /** False when observe showed the address already where it should be (no mutating call made). */
  changed: boolean;
}

export interface AddressBackend {
  readonly kind: CloudBinding['kind'];
  readonly binding: string;
  observe(signal: AbortSignal): Promise<CloudResult<Observation>>;
  /** Brings the address here; idempotent (observes first). */
  acquire(signal: AbortSignal): Promise<CloudResult<Moved>>;
  /** Lets the address go on graceful shutdown, while the lease is still held. */
  release(signal: AbortSignal): Promise<CloudResult<Moved>>;
  /** On-host only, no API call: the lease went elsewhere, so stop answering for the address here. */
  stepDown(signal: AbortSignal): Promise<CloudResult<Moved>>;
}

/** Which way a director is addressed in API calls: the interface (+ private IP) when named, else the instance. */
export function target(d: DirectorBinding): { NetworkInterfaceId: string } | { InstanceId: string } {
  if (d.networkInterfaceId) return { NetworkInterfaceId: d.networkInterfaceId };
  return { InstanceId: d.instanceId! };
}

export function isDirector(d: DirectorBinding, instanceId: string | undefined, networkInterfaceId: string | undefined): boolean {
  if (d.networkInterfaceId) return d.networkInterfaceId === networkInterfaceId;
  return d.instanceId !== undefined && d.instanceId === instanceId;
}
