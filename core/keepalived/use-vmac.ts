/**
 * keepalived's `use_vmac` and `vmac_xmit_base`, planned: the macvlan's name,
 * its MAC, which interface adverts leave by and where the virtual addresses
 * go (keepalived's vrrp_parser.c vrrp_vmac_handler, vrrp.c
 * vrrp_complete_instance / create_vmac_name). Pure; keepalived's config
 * notices as values, in its words: check-config reports them (cross-check.ts)
 * and the shim logs them at start.
 */
import type { Passthrough } from '../config/primitives.ts';
import type { VirtualAddress, VrrpInstance } from '../config/vrrp.ts';
import { parsePrefix } from '../config/ip.ts';

type Family = 4 | 6;

export interface VmacPlan {
  /** The private-mode macvlan keepalived would create (vrrp.<VRID> unless named). */
  name: string;
  /** The configured interface the macvlan sits on. */
  base: string;
  /** aa:bb:cc:dd:ee:ff; 00:00:5e:00:01:<VRID> (IPv4) or 00:00:5e:00:02:<VRID> (IPv6) unless given. */
  mac: string;
  family: Family;
  /** vmac_xmit_base: adverts go out (and come in) on the base interface, addresses still on the macvlan. */
  xmitBase: boolean;
  /** IPv6: the configured source (mcast_src_ip), put on the macvlan instead of the interface's link-local address. */
  source?: string;
  /** keepalived leaves IPv6 on an IPv4 macvlan only when some virtual_ipaddress_excluded is IPv6. */
  otherFamilyExcluded: boolean;
  /** keepalived's config notices about use_vmac (it goes on, as Vigil does). */
  notices: string[];
  /** Vigil's own notes: what Vigil does differently (not keepalived's words, so never a warning). */
  notes: string[];
}

export interface VmacPlanned {
  vmac: VmacPlan;
  addresses: VirtualAddress[];
  excludedAddresses: VirtualAddress[];
}

/** Linux's IFNAMSIZ less the NUL, and the characters dev_name_valid() refuses. */
const IFNAME_MAX = 15;
const validIfname = (n: string) => n.length > 0 && n.length <= IFNAME_MAX && n !== '.' && n !== '..' && !/[/:\s]/.test(n);

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** `aa:bb:cc:dd:ee:ff`, or five octets to which the VRID is appended; null when keepalived would ignore it. */
function parseMac(text: string, vrid: number): { mac?: string; problem?: string } {
  const parts = text.replace(/:$/, '').split(':');
  if (parts.length < 5 || parts.length > 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return { problem: `VMAC invalid MAC address ${text} - ignored` };
  const bytes = parts.map((p) => parseInt(p, 16));
  if (bytes.length === 5) bytes.push(vrid);
  if (bytes[0]! & 1) return { problem: `VMAC MAC address is multicast ${text} - ignoring` };
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x5e && bytes[3] === 0 && (bytes[4] === 1 || bytes[4] === 2)) return { problem: `VMAC MAC address not allowed to be RFC5798 address (${text}) - ignoring` };
  return { mac: bytes.map(hex2).join(':') };
}

/** The words of `use_vmac`: [name] NAME, a MAC address, netlink_notify_msg, group G. */
export function readUseVmac(args: string[], vrid: number): { name?: string; mac?: string; warnings: string[]; notes: string[] } {
  const out: { name?: string; mac?: string; warnings: string[]; notes: string[] } = { warnings: [], notes: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.includes(':')) {
      if (out.mac) out.warnings.push('VMAC interface address already specified');
      else {
        const m = parseMac(a, vrid);
        if (m.problem) out.warnings.push(m.problem);
        out.mac = m.mac;
      }
      continue;
    }
    // Neither changes what the macvlan is: Vigil polls links, and the group stays the base's (a noted difference).
    if (a === 'netlink_notify_msg') continue;
    if (a === 'group') {
      out.notes.push(`use_vmac group ${args[++i] ?? ''} is not applied by vigil shim: the macvlan keeps the default group`);
      continue;
    }
    const name = a === 'name' ? args[++i] : a;
    if (name === undefined) continue;
    if (out.name) out.warnings.push('VMAC interface name already specified');
    else if (!validIfname(name)) out.warnings.push(`VMAC interface name '${name}' too long or invalid characters - ignoring`);
    else out.name = name;
  }
  return out;
}

/** keepalived's create_vmac_name: <prefix>.<VRID>, then <prefix>6.<VRID> first for IPv6, then <prefix>1.<VRID>, ... */
export function defaultVmacName(prefix: string, vrid: number, family: Family, taken: ReadonlyMap<string, string>): string {
  const fit = (p: string, tail: string) => p.slice(0, Math.max(0, IFNAME_MAX - tail.length)) + tail;
  let name = fit(prefix, `.${vrid}`);
  let num = 0;
  while (taken.has(name)) {
    if (family === 6) num = num === 0 ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
    else num++;
    name = fit(prefix, `${num}.${vrid}`);
  }
  return name;
}

const has = (p: Passthrough, keyword: string) => p.some((e) => e.keyword === keyword);
const familyOf = (a: VirtualAddress) => parsePrefix(a.address)?.family;

/**
 * The macvlan of one instance. `taken` holds the names earlier instances use
 * (in config order, as keepalived reads them), each with its instance, and
 * gets this one's added.
 */
export function planVmac(
  vi: VrrpInstance,
  base: string,
  family: Family,
  opts: { prefix?: string; strict: boolean; unicast: boolean; taken: Map<string, string> },
): VmacPlanned | null {
  if (!vi.useVmac) return null;
  const read = readUseVmac(vi.useVmac, vi.virtualRouterId);
  const warnings = [...read.warnings];
  let name = read.name;
  const user = name !== undefined ? opts.taken.get(name) : undefined;
  if (user !== undefined) {
    warnings.push(`(${vi.name}) VRRP instance ${user} is already using ${name} - ignoring name`);
    name = undefined;
  }
  name ??= defaultVmacName(opts.prefix ?? 'vrrp', vi.virtualRouterId, family, opts.taken);
  opts.taken.set(name, vi.name);
  let mac = read.mac;
  if (mac && opts.strict) {
    warnings.push(`(${vi.name}): cannot specify MAC address with strict mode - clearing`);
    mac = undefined;
  }
  mac ??= `00:00:5e:00:0${family === 4 ? 1 : 2}:${hex2(vi.virtualRouterId)}`;
  let xmitBase = has(vi.passthrough, 'vmac_xmit_base');
  // vrrp_parser.c: unicast needs the base interface's address to send from.
  if (opts.unicast && !xmitBase) {
    warnings.push(`(${vi.name}) unicast with use_vmac requires vmac_xmit_base - setting`);
    xmitBase = true;
  }
  if (opts.strict && xmitBase) {
    warnings.push(`(${vi.name}) xmit_base is incompatible with strict mode - resetting`);
    xmitBase = false;
  }
  // Addresses of the instance's family on no interface or the configured one go on the macvlan; the rest stay put.
  const place = (a: VirtualAddress): VirtualAddress => {
    if (a.dev !== undefined && a.dev !== base) return a;
    return familyOf(a) === family ? { ...a, dev: name } : { ...a, dev: base };
  };
  const otherFamilyExcluded = vi.virtualIpaddressExcluded.some((a) => familyOf(a) !== family);
  return {
    vmac: { name, base, mac, family, xmitBase, otherFamilyExcluded, notices: warnings, notes: read.notes, source: family === 6 ? (vi.mcastSrcIp ?? vi.unicastSrcIp) : undefined },
    addresses: vi.virtualIpaddress.map(place),
    excludedAddresses: vi.virtualIpaddressExcluded.map(place),
  };
}

/** keepalived's notices about use_vmac and vmac_xmit_base for one instance, as check-config reports them. */
export function useVmacNotices(vi: VrrpInstance, family: Family, opts: { prefix?: string; strict: boolean; taken: Map<string, string> }): { warnings: string[]; notes: string[] } {
  const vm = vi.interface === undefined ? null : planVmac(vi, vi.interface, family, { ...opts, unicast: vi.unicastPeers.length > 0 });
  if (vm) return { warnings: vm.vmac.notices, notes: vm.vmac.notes };
  return { warnings: !vi.useVmac && has(vi.passthrough, 'vmac_xmit_base') ? [`(${vi.name}) vmac_xmit_base is only valid with a vmac`] : [], notes: [] };
}
