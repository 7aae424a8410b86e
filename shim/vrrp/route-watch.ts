/**
 * Tracking of virtual routes and rules, as keepalived's netlink monitor does
 * it: a tracked route or rule of a MASTER instance deleted by someone else
 * (not through the shim's own release) makes the instance leave MASTER; it
 * comes back by the usual election, adding everything again. Matching follows
 * keepalived's compare_route / compare_rule: for a route table, family,
 * destination and its length, metric, tos and device; for a rule priority,
 * action, goto target, table, `not`, from, to and tos.
 */
import type { Route, Rule } from '../../core/config/ip-route.ts';
import { loadAddon } from './link.ts';
import { addressBytes, AF, FIB_RULE_INVERT, FRA, RTA, RTM_DELROUTE, RTM_DELRULE, rtnetlink } from './rtnetlink-routes.ts';
import type { IpRoutes } from './route-plan.ts';

export type Deleted =
  | { kind: 'route'; family: number; dstLen: number; tos: number; table: number; attrs: Map<number, Buffer> }
  | { kind: 'rule'; family: number; dstLen: number; srcLen: number; tos: number; table: number; action: number; flags: number; attrs: Map<number, Buffer> };

const HDR = 16;

/** One RTM_DELROUTE / RTM_DELRULE message from the kernel; null when it is neither or is cut short. */
export function decodeDeleted(msg: Buffer): Deleted | null {
  if (msg.length < HDR + 12) return null;
  const type = msg.readUInt16LE(4);
  if (type !== RTM_DELROUTE && type !== RTM_DELRULE) return null;
  const attrs = new Map<number, Buffer>();
  for (let at = HDR + 12; at + 4 <= msg.length; ) {
    const len = msg.readUInt16LE(at);
    if (len < 4 || at + len > msg.length) break;
    attrs.set(msg.readUInt16LE(at + 2) & 0x3fff, msg.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  const b = msg.subarray(HDR, HDR + 12);
  const table = (id: number) => (attrs.get(id)?.length === 4 ? attrs.get(id)!.readUInt32LE(0) : b[4]!);
  // struct rtmsg and struct fib_rule_hdr share family, dst_len, src_len, tos, table.
  if (type === RTM_DELROUTE) return { kind: 'route', family: b[0]!, dstLen: b[1]!, tos: b[3]!, table: table(RTA.TABLE), attrs };
  return { kind: 'rule', family: b[0]!, dstLen: b[1]!, srcLen: b[2]!, tos: b[3]!, table: table(FRA.TABLE), action: b[7]!, flags: b.readUInt32LE(8), attrs };
}

const u32 = (b: Buffer | undefined) => (b && b.length >= 4 ? b.readUInt32LE(0) : undefined);
const sameAddress = (b: Buffer | undefined, address: string, family: 4 | 6) => (address ? !!b && b.equals(addressBytes(address, family)) : !b || b.every((x) => x === 0));

export function routeDeleted(r: Route, d: Deleted, ifIndex: (name: string) => number): boolean {
  if (d.kind !== 'route' || d.family !== AF[r.family] || d.table !== r.table || d.dstLen !== r.dst.length) return false;
  if ((u32(d.attrs.get(RTA.PRIORITY)) ?? 0) !== (r.metric ?? 0) || d.tos !== (r.tos ?? 0)) return false;
  if (r.dev && u32(d.attrs.get(RTA.OIF)) !== ifIndex(r.dev)) return false;
  return sameAddress(d.attrs.get(RTA.DST), r.dst.address, r.family);
}

export function ruleDeleted(r: Rule, d: Deleted): boolean {
  if (d.kind !== 'rule' || d.family !== AF[r.family] || u32(d.attrs.get(FRA.PRIORITY)) !== r.priority || d.action !== r.action) return false;
  if (r.goto !== undefined && u32(d.attrs.get(FRA.GOTO)) !== r.goto) return false;
  if (r.table !== undefined && d.table !== r.table) return false;
  if (!!(d.flags & FIB_RULE_INVERT) !== r.invert || d.tos !== r.tos) return false;
  const side = (p: Rule['from'], len: number, b: Buffer | undefined) => (p?.address ? len === p.length && sameAddress(b, p.address, r.family) : !b);
  return side(r.from, d.srcLen, d.attrs.get(FRA.SRC)) && side(r.to, d.dstLen, d.attrs.get(FRA.DST));
}

/** The tracked lines of `r` that `d` deletes (none, or one). */
export function deletedLines(r: IpRoutes, d: Deleted, ifIndex: (name: string) => number): IpRoutes {
  return { routes: r.routes.filter((x) => x.track && routeDeleted(x, d, ifIndex)), rules: r.rules.filter((x) => x.track && ruleDeleted(x, d)) };
}

/** The first tracked line of `r` that `d` deletes, described for the log; undefined when none. */
export function trackedLineDeleted(r: IpRoutes, d: Deleted, ifIndex: (name: string) => number): string | undefined {
  const { routes: [route], rules: [rule] } = deletedLines(r, d, ifIndex);
  if (route) return `route ${route.dst.address || 'default'}/${route.dst.length} table ${route.table}`;
  return rule ? `rule ${rule.priority}` : undefined;
}

export const hasTracked = (r: IpRoutes) => r.routes.some((x) => x.track) || r.rules.some((x) => x.track);

/**
 * The kernel's route and rule deletions, decoded, for as long as it is open.
 * A subscription that cannot open (or a message that does not decode) is
 * reported once through `onError` and tracking stays off: the routes are still
 * added and removed.
 */
export class IpRouteWatch {
  private handle: object | null = null;
  constructor(onDeleted: (d: Deleted, ifIndex: (name: string) => number) => void, onError: (detail: string) => void) {
    try {
      const h = rtnetlink().watch((msg) => {
        const d = decodeDeleted(msg);
        if (d) onDeleted(d, (name) => loadAddon().ifIndex(name));
      });
      if ('errno' in h) onError(`${String(h.syscall)}: errno ${String(h.errno)}`);
      else this.handle = h;
    } catch (err) {
      onError(String(err));
    }
  }
  close(): void {
    if (this.handle) rtnetlink().unwatch(this.handle);
    this.handle = null;
  }
}
