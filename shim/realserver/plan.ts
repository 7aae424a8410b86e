/**
 * What `vigil realserver setup` changes on an LVS-DR real server, as a list of
 * actions computed from what is wanted and what the host has now (so a second
 * run finds nothing to do). Pure: reading and writing the host is host.ts.
 *
 * Which sysctls: the kernel decides ARP replies and ARP source addresses with
 * max(conf/all, conf/IFACE) for arp_ignore and arp_announce, so
 * net.ipv4.conf.all alone takes effect on every interface, including ones
 * that appear after setup (a VLAN, a bond rebuilt at boot). Each --interface
 * is set as well: it pins the interfaces the VIP traffic arrives on, so a
 * later tool lowering `all` does not quietly bring back ARP replies for the
 * VIP there. Interfaces not named are not written: a per-interface list taken
 * at setup would miss later ones anyway, and would touch interfaces the
 * operator never mentioned (container veths) that --undo may no longer find.
 * IPv6 needs none: Linux answers a neighbour solicitation only for addresses
 * on the interface it arrived on, so a VIP on lo is never advertised.
 */
import { addArgs, delArgs } from '../vrrp/addresses.ts';
import { groupsToIpv6, ipv6ToGroups, ipv4ToInt, parsePrefix } from '../../core/config/ip.ts';
import { IFNAME, type RealserverState, type SysctlParam } from './state.ts';

/** The values an LVS-DR real server needs: reply to ARP only for addresses on the interface asked (1), and announce from the best local address of the outgoing interface (2). */
export const ARP_VALUES: Readonly<Record<SysctlParam, number>> = { arp_ignore: 1, arp_announce: 2 };
export const VIP_DEV = 'lo';

export interface Vip {
  /** Canonical address (IPv6 in RFC 5952 form) with its /32 or /128. */
  cidr: string;
  address: string;
  family: 4 | 6;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A --vip value: one unicast address, bare or as /32 (/128). */
export function parseVip(raw: string): Parsed<Vip> {
  const p = parsePrefix(raw.trim());
  if (!p || raw.includes('%')) return { ok: false, message: `--vip ${raw}: not an IPv4 or IPv6 address` };
  const full = p.family === 4 ? 32 : 128;
  if (p.prefixLength !== undefined && p.prefixLength !== full) {
    return { ok: false, message: `--vip ${raw}: a VIP on lo must be one address (/${full}): with /${p.prefixLength} the kernel would take the whole subnet as local and stop reaching its neighbours` };
  }
  const address = p.family === 4 ? p.address : groupsToIpv6(ipv6ToGroups(p.address));
  const why = unusable(address, p.family);
  if (why) return { ok: false, message: `--vip ${raw}: ${why}` };
  return { ok: true, value: { cidr: `${address}/${full}`, address, family: p.family } };
}

function unusable(address: string, family: 4 | 6): string | null {
  if (family === 4) {
    const first = ipv4ToInt(address) >>> 24;
    if (first === 0) return 'an unspecified or "this network" address cannot be a VIP';
    if (first === 127) return 'a loopback address cannot be a VIP';
    if (first >= 224) return 'a multicast or reserved address cannot be a VIP';
    if (address.startsWith('169.254.')) return 'a link-local address cannot be a VIP';
    return null;
  }
  const g = ipv6ToGroups(address);
  if (g.every((x) => x === 0)) return 'the unspecified address cannot be a VIP';
  if (address === '::1') return 'a loopback address cannot be a VIP';
  if (g[0]! >= 0xff00) return 'a multicast address cannot be a VIP';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'a link-local address cannot be a VIP';
  return null;
}

export function parseInterface(raw: string): Parsed<string> {
  if (!IFNAME.test(raw)) return { ok: false, message: `--interface ${JSON.stringify(raw)}: not an interface name` };
  if (raw === 'all' || raw === 'default') return { ok: false, message: `--interface ${raw}: not an interface (net.ipv4.conf.all is always set; ${raw} is a sysctl section)` };
  return { ok: true, value: raw };
}

export interface SysctlTarget {
  iface: string;
  param: SysctlParam;
}

export type Action =
  | ({ kind: 'sysctl'; value: number } & SysctlTarget)
  | { kind: 'add-vip' | 'del-vip'; vip: Vip };

/** The sysctl's name as `sysctl` spells it: dots in an interface name (eth0.100) become slashes. */
export function sysctlName(t: SysctlTarget): string {
  return `net.ipv4.conf.${t.iface.replace(/\./g, '/')}.${t.param}`;
}

/** The action as the argument list that does the same by hand (what --dry-run prints). */
export function actionArgs(a: Action): string[] {
  if (a.kind === 'sysctl') return ['sysctl', '-w', `${sysctlName(a)}=${a.value}`];
  const v = { address: a.vip.cidr, options: [] };
  return a.kind === 'add-vip' ? addArgs(v, VIP_DEV) : delArgs(v, VIP_DEV);
}

/** What the host has now, as far as the plan cares. */
export interface Observed {
  /** Addresses on lo, canonical, with prefix. */
  lo: ReadonlySet<string>;
  /** Current value of a sysctl, or null when its interface does not exist. */
  sysctl(t: SysctlTarget): number | null;
}

export function targets(interfaces: readonly string[]): SysctlTarget[] {
  const ifaces = ['all', ...new Set(interfaces)];
  return ifaces.flatMap((iface) => (['arp_ignore', 'arp_announce'] as const).map((param) => ({ iface, param })));
}

/**
 * Sysctls first, then addresses: the VIP must never sit on lo while the host
 * still answers ARP for it, or a client may learn this host's MAC for the VIP.
 */
export function setupPlan(vips: readonly Vip[], interfaces: readonly string[], seen: Observed): Action[] {
  const actions: Action[] = [];
  if (vips.some((v) => v.family === 4)) {
    for (const t of targets(interfaces)) {
      if (seen.sysctl(t) !== ARP_VALUES[t.param]) actions.push({ kind: 'sysctl', ...t, value: ARP_VALUES[t.param] });
    }
  }
  for (const vip of vips) if (!seen.lo.has(vip.cidr)) actions.push({ kind: 'add-vip', vip });
  return actions;
}

/** The state after setup: values recorded by an earlier setup win (they are the ones from before any setup). */
export function stateAfterSetup(prev: RealserverState | null, vips: readonly Vip[], interfaces: readonly string[], seen: Observed): RealserverState {
  const before = [...(prev?.before ?? [])];
  const has = (t: SysctlTarget) => before.some((b) => b.iface === t.iface && b.param === t.param);
  if (vips.some((v) => v.family === 4)) {
    for (const t of targets(interfaces)) {
      const value = seen.sysctl(t);
      if (value !== null && !has(t)) before.push({ ...t, value });
    }
  }
  const all = [...new Set([...(prev?.vips ?? []), ...vips.map((v) => v.cidr)])];
  return { v: 1, vips: all, before };
}

/** Addresses first, then sysctls back to their recorded values (the reverse of setup's order). */
export function undoPlan(vips: readonly Vip[], state: RealserverState | null, seen: Observed): Action[] {
  const actions: Action[] = [];
  const recorded = (state?.vips ?? []).map((c) => parseVip(c)).flatMap((p) => (p.ok ? [p.value] : []));
  const all = new Map([...recorded, ...vips].map((v) => [v.cidr, v]));
  for (const vip of all.values()) if (seen.lo.has(vip.cidr)) actions.push({ kind: 'del-vip', vip });
  for (const b of state?.before ?? []) {
    const now = seen.sysctl(b);
    if (now !== null && now !== b.value) actions.push({ kind: 'sysctl', iface: b.iface, param: b.param, value: b.value });
  }
  return actions;
}
