/**
 * The one factory: a binding's kind picks its backend, and anything it cannot
 * serve (an unknown kind, a director missing the identifier its kind needs) is
 * refused with a reason, never defaulted.
 */
import type { CloudBinding } from '../../core/config/vigil.ts';
import type { AddressBackend } from './backend.ts';
import type { Caller } from './ec2-caller.ts';
import { ElasticIpBackend } from './elastic-ip-backend.ts';
import type { LocalAddress } from './local-address.ts';
import { RouteBackend } from './route-backend.ts';
import { SecondaryIpBackend } from './secondary-ip-backend.ts';

export type BackendChoice = { ok: true; backend: AddressBackend } | { ok: false; reason: string };

export function createBackend(binding: CloudBinding, directorId: string, deps: { caller: Caller; local: LocalAddress }): BackendChoice {
  const me = binding.directors.find((d) => d.id === directorId);
  const where = `cloud_binding ${binding.name}`;
  if (!me) return { ok: false, reason: `${where}: director ${directorId} is not listed` };
  const kind: string = binding.kind;
  switch (kind) {
    case 'elastic-ip': {
      const { allocationId } = binding;
      if (!allocationId) return { ok: false, reason: `${where}: elastic-ip needs allocation_id` };
      if (!me.instanceId && !me.networkInterfaceId) return { ok: false, reason: `${where}: director ${me.id} needs instance_id or network_interface_id` };
      return { ok: true, backend: new ElasticIpBackend({ ...binding, allocationId }, me, deps.caller) };
    }
    case 'secondary-ip': {
      const { address } = binding;
      const eni = me.networkInterfaceId;
      if (!address) return { ok: false, reason: `${where}: secondary-ip needs address` };
      if (!eni) return { ok: false, reason: `${where}: director ${me.id} needs network_interface_id` };
      return { ok: true, backend: new SecondaryIpBackend({ ...binding, address }, { ...me, networkInterfaceId: eni }, deps.caller, deps.local) };
    }
    case 'route': {
      const { address } = binding;
      if (!address) return { ok: false, reason: `${where}: route needs address (the /32)` };
      if (binding.routeTableIds.length === 0) return { ok: false, reason: `${where}: route needs at least one route_table_id` };
      if (!me.instanceId && !me.networkInterfaceId) return { ok: false, reason: `${where}: director ${me.id} needs instance_id or network_interface_id` };
      return { ok: true, backend: new RouteBackend({ ...binding, address }, me, deps.caller) };
    }
    default:
      return { ok: false, reason: `${where}: unknown kind ${kind}` };
  }
}
