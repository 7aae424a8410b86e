/**
 * Secondary private IP: AssignPrivateIpAddresses with AllowReassignment moves
 * the address from whichever interface had it, then the address goes on the
 * local interface. The step down removes it locally (no API call: only the
 * holder calls the API).
 */
import { AssignPrivateIpAddressesCommand, DescribeNetworkInterfacesCommand, UnassignPrivateIpAddressesCommand } from '@aws-sdk/client-ec2';
import type { CloudBinding, DirectorBinding } from '../../core/config/vigil.ts';
import { ok, type CloudResult } from './cloud-result.ts';
import type { AddressBackend, Moved, Observation } from './backend.ts';
import type { Caller } from './ec2-caller.ts';
import type { LocalAddress } from './local-address.ts';

export class SecondaryIpBackend implements AddressBackend {
  readonly kind = 'secondary-ip' as const;
  readonly binding: string;

  constructor(
    private readonly b: CloudBinding & { address: string },
    private readonly me: DirectorBinding & { networkInterfaceId: string },
    private readonly call: Caller,
    private readonly local: LocalAddress,
  ) {
    this.binding = b.name;
  }

  async observe(signal: AbortSignal): Promise<CloudResult<Observation>> {
    const r = await this.call(
      {
        action: 'DescribeNetworkInterfaces',
        mutating: false,
        run: (c, s) => c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'addresses.private-ip-address', Values: [this.b.address] }] }), { abortSignal: s }),
      },
      signal,
    );
    if (!r.ok) return r;
    const owner = r.value.NetworkInterfaces?.find((n) => n.PrivateIpAddresses?.some((p) => p.PrivateIpAddress === this.b.address && !p.Primary));
    if (!owner) return ok({ placement: 'unassigned', detail: 'on no interface' });
    return ok({ placement: owner.NetworkInterfaceId === this.me.networkInterfaceId ? 'here' : 'elsewhere', detail: owner.NetworkInterfaceId ?? '?' });
  }

  async acquire(signal: AbortSignal): Promise<CloudResult<Moved>> {
    const before = await this.observe(signal);
    if (!before.ok) return before;
    let changed = false;
    if (before.value.placement !== 'here') {
      const r = await this.call(
        {
          action: 'AssignPrivateIpAddresses',
          mutating: true,
          run: (c, s) => c.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: this.me.networkInterfaceId, PrivateIpAddresses: [this.b.address], AllowReassignment: true }), { abortSignal: s }),
        },
        signal,
      );
      if (!r.ok) return r;
      changed = true;
    }
    // Level-triggered: the local half is checked every time, whatever the cloud side said.
    const l = await this.local.ensure(this.b.address, signal);
    if (!l.ok) return l;
    return ok({ changed: changed || l.value.changed });
  }

  async release(signal: AbortSignal): Promise<CloudResult<Moved>> {
    const l = await this.local.remove(this.b.address, signal);
    if (!l.ok) return l;
    const before = await this.observe(signal);
    if (!before.ok) return before;
    if (before.value.placement !== 'here') return ok({ changed: l.value.changed });
    const r = await this.call(
      {
        action: 'UnassignPrivateIpAddresses',
        mutating: true,
        run: (c, s) => c.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: this.me.networkInterfaceId, PrivateIpAddresses: [this.b.address] }), { abortSignal: s }),
      },
      signal,
    );
    return r.ok ? ok({ changed: true }) : r;
  }

  stepDown(signal: AbortSignal): Promise<CloudResult<Moved>> {
    return this.local.remove(this.b.address, signal);
  }
}
