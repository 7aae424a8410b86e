import { groupsToIpv6, intToIpv4, ipv4ToInt, ipv6ToGroups, isIPv4 } from '../config/ip.ts';
import type { LvsMethod } from '../config/primitives.ts';
import type { RealServer, VirtualServer } from '../config/lvs.ts';
import type { Config } from '../config/model.ts';
import { realServerKey, virtualServerKey } from '../vote/targets.ts';
import type { DesiredVirtualServer } from '../vote/virtual-server.ts';
import { serviceId, type IpvsDest, type IpvsService, type IpvsTable } from './table.ts';

/** ipvsadm prints addresses in canonical form; the desired table must use the same spelling to compare. */
export function canonicalIp(ip: string): string {
  return isIPv4(ip) ? ip : groupsToIpv6(ipv6ToGroups(ip.toLowerCase()));
}

const HOST_MASKS = new Set(['255.255.255.255', '128', '/128']);

function baseService(vs: VirtualServer, family: 'inet' | 'inet6'): Omit<IpvsService, 'proto' | 'addr' | 'port' | 'fwmark'> {
  const persistent = vs.persistenceTimeoutS !== undefined;
  const g = vs.persistenceGranularity?.replace(/^\//, '');
  return {
    family,
    scheduler: vs.lbAlgo,
    flags: [...vs.schedulerFlags].sort(),
    persistenceS: persistent ? vs.persistenceTimeoutS : undefined,
    netmask: persistent && g !== undefined && !HOST_MASKS.has(g) ? g : undefined,
    onePacket: vs.ops,
    pe: vs.persistenceEngine,
  };
}

function familyOf(vs: VirtualServer): 'inet' | 'inet6' {
  if (vs.ipFamily) return vs.ipFamily;
  const first = vs.realServers[0]?.ip ?? vs.sorryServer?.ip;
  return first && !isIPv4(first) ? 'inet6' : 'inet';
}

/** Expands `a.b.c.d-e` (last octet, keepalived's form) and `a-b` whole-address ranges. */
function expandRange(range: string): string[] | string {
  const dash = range.indexOf('-');
  if (range.includes('/')) return `CIDR group entry ${range} is not supported by the shim yet`;
  if (dash < 0) return [canonicalIp(range)];
  const from = range.slice(0, dash);
  let to = range.slice(dash + 1);
  if (!isIPv4(from)) return `IPv6 range ${range} is not supported by the shim yet`;
  if (/^\d+$/.test(to)) to = from.replace(/\d+$/, to);
  if (!isIPv4(to)) return `bad range ${range}`;
  const out: string[] = [];
  for (let n = ipv4ToInt(from); n <= ipv4ToInt(to) && out.length <= 4096; n++) out.push(intToIpv4(n));
  return out;
}

/** The IPVS services one virtual_server stands for: one, or one per group entry. */
export function servicesOf(config: Config, vs: VirtualServer): { services: IpvsService[]; problems: string[] } {
  const fam = familyOf(vs);
  const proto = (vs.protocol ?? 'UDP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
  if (vs.fwmark !== undefined) return { services: [{ ...baseService(vs, fam), proto: 'fwmark', fwmark: vs.fwmark }], problems: [] };
  if (vs.ip !== undefined) {
    const addr = canonicalIp(vs.ip);
    return { services: [{ ...baseService(vs, isIPv4(addr) ? 'inet' : 'inet6'), proto, addr, port: vs.port ?? 0 }], problems: [] };
  }
  const group = config.virtualServerGroups.find((g) => g.name === vs.group);
  if (!group) return { services: [], problems: [`virtual_server_group ${vs.group} is not defined`] };
  const services: IpvsService[] = [];
  const problems: string[] = [];
  for (const e of group.entries) {
    if ('fwmark' in e) {
      services.push({ ...baseService(vs, e.family ?? fam), proto: 'fwmark', fwmark: e.fwmark });
      continue;
    }
    const addrs = expandRange(e.range);
    if (typeof addrs === 'string') problems.push(addrs);
    else for (const addr of addrs) services.push({ ...baseService(vs, isIPv4(addr) ? 'inet' : 'inet6'), proto, addr, port: e.port ?? vs.port ?? 0 });
  }
  return { services, problems };
}

function toDest(method: LvsMethod, ip: string, port: number | undefined, weight: number, rs?: RealServer): IpvsDest {
  const m = method.kind === 'NAT' ? 'masq' : method.kind === 'DR' ? 'gate' : 'ipip';
  return {
    addr: canonicalIp(ip),
    port: port ?? 0,
    method: m,
    weight,
    upperThreshold: rs?.uthreshold || undefined,
    lowerThreshold: rs?.lthreshold || undefined,
    tunType: m === 'ipip' ? (method.tunnelType ?? 'ipip') : undefined,
    tunPort: m === 'ipip' && method.tunnelType && method.tunnelType !== 'ipip' ? method.tunnelPort : undefined,
    tunCsum: m === 'ipip' && method.tunnelType && method.tunnelType !== 'ipip' ? method.tunnelChecksum : undefined,
  };
}

/**
 * The port the kernel will hold: IPVS forces a direct-routing or tunnelled
 * destination onto the service's own port (seen in the UML kernel: -g with
 * :8080 under a :80 service reads back as :80), so the desired table says so
 * too, or every reconcile would try to "fix" it.
 */
function destPort(s: IpvsService, d: IpvsDest): number {
  if (d.method !== 'masq') return s.port ?? 0;
  return s.proto === 'fwmark' || d.port ? d.port : (s.port ?? 0);
}

export interface DesiredTable {
  table: IpvsTable;
  /** Every service the configuration names, with or without a verdict yet: the only ones the shim may ever touch. */
  scope: Set<string>;
  problems: string[];
}

/**
 * The IPVS table keepalived would hold for `config` given each virtual server's
 * decided state (present/weight/sorry: the Board's, through desiredFromSnapshot,
 * or the shim's own foldVirtualServer with no Board). A virtual server
 * with no folded state yet is left out of `table` but stays in `scope`: with no
 * verdict there is nothing to act on, and its services are held as they are.
 */
export function desiredTable(config: Config, folded: ReadonlyMap<string, DesiredVirtualServer>): DesiredTable {
  const table: IpvsTable = new Map();
  const scope = new Set<string>();
  const problems: string[] = [];
  for (const vs of config.virtualServers) {
    const { services, problems: p } = servicesOf(config, vs);
    problems.push(...p);
    for (const s of services) scope.add(serviceId(s));
    const d = folded.get(virtualServerKey(vs));
    if (!d) continue;
    const rsByKey = new Map(vs.realServers.map((rs) => [realServerKey(vs, rs), rs]));
    const dests: IpvsDest[] = [];
    for (const r of d.realServers) {
      if (!r.present) continue;
      const rs = r.sorry ? undefined : rsByKey.get(r.key);
      const method = r.sorry ? (vs.sorryServerLvsMethod ?? vs.lvsMethod) : (rs?.lvsMethod ?? vs.lvsMethod);
      dests.push(toDest(method, r.ip, r.port, r.weight, rs));
    }
    for (const s of services) {
      const id = serviceId(s);
      if (table.has(id)) problems.push(`${id} is named by more than one virtual_server; the last one wins`);
      table.set(id, { service: s, dests: dests.map((x) => ({ ...x, port: destPort(s, x) })) });
    }
  }
  return { table, scope, problems };
}
