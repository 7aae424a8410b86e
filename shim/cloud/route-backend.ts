/**
 * Route table entries: ReplaceRoute of the /32 in each named table so the
 * address is routed to this director's interface (or instance). Each table is
 * its own call, so the lease is checked before each one.
 */
import { DescribeRouteTablesCommand, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import type { CloudBinding, DirectorBinding } from '../../core/config/vigil.ts';
import { ok, type CloudResult } from './cloud-result.ts';
import { isDirector, target, type AddressBackend, type Moved, type Observation } from './backend.ts';
import type { Caller } from './ec2-caller.ts';

export class RouteBackend implements AddressBackend {
  readonly kind = 'route' as const;
  readonly binding: string;
  private readonly cidr: string;

  constructor(
    private readonly b: CloudBinding & { address: string },
    private readonly me: DirectorBinding,
    private readonly call: Caller,
  ) {
    this.binding = b.name;
    this.cidr = `${b.address}/32`;
  }

  /** Per table: true when the /32 points here, false elsewhere, null when the table has no such route. */
  private async perTable(signal: AbortSignal): Promise<CloudResult<Map<string, boolean | null>>> {
    const r = await this.call({ action: 'DescribeRouteTables', mutating: false, run: (c, s) => c.send(new DescribeRouteTablesCommand({ RouteTableIds: this.b.routeTableIds }), { abortSignal: s }) }, signal);
    if (!r.ok) return r;
    const out = new Map<string, boolean | null>();
    for (const id of this.b.routeTableIds) {
      const route = r.value.RouteTables?.find((t) => t.RouteTableId === id)?.Routes?.find((x) => x.DestinationCidrBlock === this.cidr);
      out.set(id, route ? isDirector(this.me, route.InstanceId, route.NetworkInterfaceId) : null);
    }
    return ok(out);
  }

  async observe(signal: AbortSignal): Promise<CloudResult<Observation>> {
    const r = await this.perTable(signal);
    if (!r.ok) return r;
    const v = [...r.value.values()];
    const placement = v.every((x) => x === true) ? 'here' : v.some((x) => x === false) ? 'elsewhere' : 'unassigned';
    return ok({ placement, detail: [...r.value].map(([t, x]) => `${t}:${x === null ? 'none' : x ? 'here' : 'other'}`).join(' ') });
  }

  async acquire(signal: AbortSignal): Promise<CloudResult<Moved>> {
    const r = await this.perTable(signal);
    if (!r.ok) return r;
    let changed = false;
    for (const [table, here] of r.value) {
      // A missing route is replaced too: EC2 answers InvalidRoute.NotFound, which is the operator's to fix (CreateRoute once).
      if (here === true) continue;
      const m = await this.call(
        { action: 'ReplaceRoute', mutating: true, run: (c, s) => c.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: this.cidr, ...target(this.me) }), { abortSignal: s }) },
        signal,
      );
      if (!m.ok) return m;
      changed = true;
    }
    return ok({ changed });
  }

  async release(): Promise<CloudResult<Moved>> {
    // A route has no "nowhere": deleting it would black-hole the address until the next holder replaces it, so it stays.
    return ok({ changed: false });
  }

  async stepDown(): Promise<CloudResult<Moved>> {
    return ok({ changed: false });
  }
}
