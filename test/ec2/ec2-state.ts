/**
 * The world the test EC2 endpoint keeps: Elastic IPs, instances with their
 * primary network interfaces, secondary private addresses, route tables.
 * Each operation follows EC2's documented behaviour for the parameters the
 * shim uses (reassociation/reassignment flags, NotFound codes), and answers
 * with a value or an Ec2Fault carrying the real error code.
 */

export class Ec2Fault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface ElasticIp {
  allocationId: string;
  publicIp: string;
  associationId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  privateIp?: string;
}

export interface NetworkInterface {
  networkInterfaceId: string;
  instanceId?: string;
  primaryPrivateIp: string;
  secondaryPrivateIps: Set<string>;
}

export interface Route {
  destinationCidrBlock: string;
  instanceId?: string;
  networkInterfaceId?: string;
}

export interface RouteTable {
  routeTableId: string;
  routes: Map<string, Route>;
}

export interface WorldSeed {
  addresses?: { allocationId: string; publicIp: string }[];
  /** Each instance gets one primary interface. */
  instances?: { instanceId: string; networkInterfaceId: string; privateIp: string }[];
  routeTables?: { routeTableId: string; routes?: Route[] }[];
}

export class Ec2World {
  readonly addresses = new Map<string, ElasticIp>();
  readonly interfaces = new Map<string, NetworkInterface>();
  readonly routeTables = new Map<string, RouteTable>();
  private associationSeq = 0;

  constructor(seed: WorldSeed = {}) {
    for (const a of seed.addresses ?? []) this.addresses.set(a.allocationId, { ...a });
    for (const i of seed.instances ?? []) {
      this.interfaces.set(i.networkInterfaceId, { networkInterfaceId: i.networkInterfaceId, instanceId: i.instanceId, primaryPrivateIp: i.privateIp, secondaryPrivateIps: new Set() });
    }
    for (const t of seed.routeTables ?? []) {
      this.routeTables.set(t.routeTableId, { routeTableId: t.routeTableId, routes: new Map((t.routes ?? []).map((r) => [r.destinationCidrBlock, { ...r }])) });
    }
  }

  private eni(id: string): NetworkInterface {
    const eni = this.interfaces.get(id);
    if (!eni) throw new Ec2Fault('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
    return eni;
  }

  private instanceEni(instanceId: string): NetworkInterface {
    for (const eni of this.interfaces.values()) if (eni.instanceId === instanceId) return eni;
    throw new Ec2Fault('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
  }

  private allocation(id: string): ElasticIp {
    const a = this.addresses.get(id);
    if (!a) throw new Ec2Fault('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
    return a;
  }

  describeAddresses(allocationIds: string[]): ElasticIp[] {
    if (allocationIds.length === 0) return [...this.addresses.values()];
    return allocationIds.map((id) => this.allocation(id));
  }

  associateAddress(p: { allocationId: string; instanceId?: string; networkInterfaceId?: string; privateIp?: string; allowReassociation: boolean }): string {
    const a = this.allocation(p.allocationId);
    if (!p.instanceId && !p.networkInterfaceId) throw new Ec2Fault('MissingParameter', 'Either an instance ID or a network interface ID must be specified');
    if (p.instanceId && p.networkInterfaceId) throw new Ec2Fault('InvalidParameterCombination', 'Specify either an instance ID or a network interface ID, not both');
    const eni = p.networkInterfaceId ? this.eni(p.networkInterfaceId) : this.instanceEni(p.instanceId!);
    const privateIp = p.privateIp ?? eni.primaryPrivateIp;
    if (privateIp !== eni.primaryPrivateIp && !eni.secondaryPrivateIps.has(privateIp)) {
      throw new Ec2Fault('InvalidParameterValue', `The private IP address ${privateIp} is not assigned to ${eni.networkInterfaceId}`);
    }
    const same = a.networkInterfaceId === eni.networkInterfaceId && a.privateIp === privateIp;
    if (a.associationId && !same && !p.allowReassociation) {
      throw new Ec2Fault('Resource.AlreadyAssociated', `resource ${a.allocationId} is already associated with associate-id ${a.associationId}`);
    }
    a.associationId = `eipassoc-${(++this.associationSeq).toString(16).padStart(17, '0')}`;
    a.networkInterfaceId = eni.networkInterfaceId;
    a.instanceId = eni.instanceId;
    a.privateIp = privateIp;
    return a.associationId;
  }

  disassociateAddress(associationId: string): void {
    for (const a of this.addresses.values()) {
      if (a.associationId === associationId) {
        delete a.associationId;
        delete a.instanceId;
        delete a.networkInterfaceId;
        delete a.privateIp;
        return;
      }
    }
    throw new Ec2Fault('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
  }

  describeNetworkInterfaces(ids: string[], privateIpFilter: string[]): NetworkInterface[] {
    let out = ids.length ? ids.map((id) => this.eni(id)) : [...this.interfaces.values()];
    if (privateIpFilter.length) out = out.filter((e) => privateIpFilter.some((ip) => e.primaryPrivateIp === ip || e.secondaryPrivateIps.has(ip)));
    return out;
  }

  assignPrivateIpAddresses(p: { networkInterfaceId: string; privateIps: string[]; allowReassignment: boolean }): string[] {
    const eni = this.eni(p.networkInterfaceId);
    if (p.privateIps.length === 0) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter PrivateIpAddress or SecondaryPrivateIpAddressCount');
    for (const ip of p.privateIps) {
      const owner = [...this.interfaces.values()].find((e) => e.primaryPrivateIp === ip || e.secondaryPrivateIps.has(ip));
      if (owner && owner.primaryPrivateIp === ip) throw new Ec2Fault('InvalidParameterValue', `Address ${ip} is the primary address of ${owner.networkInterfaceId}`);
      if (owner && owner !== eni && !p.allowReassignment) throw new Ec2Fault('PrivateIpAddressLimitExceeded', `Address ${ip} is already assigned to ${owner.networkInterfaceId}`, 400);
    }
    for (const ip of p.privateIps) {
      for (const e of this.interfaces.values()) e.secondaryPrivateIps.delete(ip);
      eni.secondaryPrivateIps.add(ip);
    }
    return p.privateIps;
  }

  unassignPrivateIpAddresses(p: { networkInterfaceId: string; privateIps: string[] }): void {
    const eni = this.eni(p.networkInterfaceId);
    for (const ip of p.privateIps) {
      if (!eni.secondaryPrivateIps.has(ip)) throw new Ec2Fault('InvalidParameterValue', `Some of the specified addresses are not assigned to interface ${eni.networkInterfaceId}`);
    }
    for (const ip of p.privateIps) eni.secondaryPrivateIps.delete(ip);
  }

  describeRouteTables(ids: string[]): RouteTable[] {
    if (ids.length === 0) return [...this.routeTables.values()];
    return ids.map((id) => {
      const t = this.routeTables.get(id);
      if (!t) throw new Ec2Fault('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
      return t;
    });
  }

  replaceRoute(p: { routeTableId: string; destinationCidrBlock: string; instanceId?: string; networkInterfaceId?: string }): void {
    const [t] = this.describeRouteTables([p.routeTableId]);
    const route = t!.routes.get(p.destinationCidrBlock);
    if (!route) throw new Ec2Fault('InvalidRoute.NotFound', `There is no route defined for '${p.destinationCidrBlock}' in the route table. Use CreateRoute instead.`);
    if (!p.instanceId && !p.networkInterfaceId) throw new Ec2Fault('MissingParameter', 'The request must contain a route target');
    const eni = p.networkInterfaceId ? this.eni(p.networkInterfaceId) : this.instanceEni(p.instanceId!);
    t!.routes.set(p.destinationCidrBlock, { destinationCidrBlock: p.destinationCidrBlock, networkInterfaceId: eni.networkInterfaceId, instanceId: eni.instanceId });
  }
}
