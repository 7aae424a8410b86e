/**
 * Elastic IP: AssociateAddress with AllowReassociation (the address moves in
 * one call, wherever it was), then DescribeAddresses to confirm it landed.
 */
import { AssociateAddressCommand, DescribeAddressesCommand, DisassociateAddressCommand, type Address } from '@aws-sdk/client-ec2';
import type { CloudBinding, DirectorBinding } from '../../core/config/vigil.ts';
import { fail, ok, type CloudResult } from './cloud-result.ts';
import { isDirector, type AddressBackend, type Moved, type Observation } from './backend.ts';
import type { Caller } from './ec2-caller.ts';

export class ElasticIpBackend implements AddressBackend {
  readonly kind = 'elastic-ip' as const;
  readonly binding: string;

  constructor(
    private readonly b: CloudBinding & { allocationId: string },
    private readonly me: DirectorBinding,
    private readonly call: Caller,
  ) {
    this.binding = b.name;
  }

  private async describe(signal: AbortSignal): Promise<CloudResult<Address>> {
    const r = await this.call({ action: 'DescribeAddresses', mutating: false, run: (c, s) => c.send(new DescribeAddressesCommand({ AllocationIds: [this.b.allocationId] }), { abortSignal: s }) }, signal);
    if (!r.ok) return r;
    const a = r.value.Addresses?.find((x) => x.AllocationId === this.b.allocationId);
    return a ? ok(a) : fail('ERR_CLOUD_REQUEST', `DescribeAddresses: ${this.b.allocationId} not in the answer`, 'InvalidAllocationID.NotFound');
  }

  private placement(a: Address): Observation {
    if (!a.AssociationId) return { placement: 'unassigned', detail: 'not associated' };
    const here = isDirector(this.me, a.InstanceId, a.NetworkInterfaceId) && (!this.me.privateIp || a.PrivateIpAddress === this.me.privateIp);
    return { placement: here ? 'here' : 'elsewhere', detail: `${a.InstanceId ?? '-'} ${a.NetworkInterfaceId ?? '-'} ${a.PrivateIpAddress ?? '-'}` };
  }

  async observe(signal: AbortSignal): Promise<CloudResult<Observation>> {
    const a = await this.describe(signal);
    return a.ok ? ok(this.placement(a.value)) : a;
  }

  async acquire(signal: AbortSignal): Promise<CloudResult<Moved>> {
    const before = await this.observe(signal);
    if (!before.ok) return before;
    if (before.value.placement === 'here') return ok({ changed: false });
    const where = this.me.networkInterfaceId ? { NetworkInterfaceId: this.me.networkInterfaceId, PrivateIpAddress: this.me.privateIp } : { InstanceId: this.me.instanceId };
    const r = await this.call(
      { action: 'AssociateAddress', mutating: true, run: (c, s) => c.send(new AssociateAddressCommand({ AllocationId: this.b.allocationId, AllowReassociation: true, ...where }), { abortSignal: s }) },
      signal,
    );
    if (!r.ok) return r;
    const after = await this.observe(signal);
    if (!after.ok) return after;
    if (after.value.placement !== 'here') return fail('ERR_CLOUD_SERVER', `AssociateAddress succeeded but DescribeAddresses shows ${after.value.detail}`);
    return ok({ changed: true });
  }

  async release(signal: AbortSignal): Promise<CloudResult<Moved>> {
    const a = await this.describe(signal);
    if (!a.ok) return a;
    if (this.placement(a.value).placement !== 'here' || !a.value.AssociationId) return ok({ changed: false });
    const id = a.value.AssociationId;
    const r = await this.call({ action: 'DisassociateAddress', mutating: true, run: (c, s) => c.send(new DisassociateAddressCommand({ AssociationId: id }), { abortSignal: s }) }, signal);
    return r.ok ? ok({ changed: true }) : r;
  }

  async stepDown(): Promise<CloudResult<Moved>> {
    // Nothing on the host: the public address is NATed to whichever interface AWS maps it to.
    return ok({ changed: false });
  }
}
