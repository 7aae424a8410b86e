/**
 * virtual_routes / virtual_rules on and off the host over rtnetlink, as
 * keepalived's netlink_route / netlink_rule send them (same header fields,
 * same attributes, same flags), through the addon's generic request
 * (native/vrrp-socket/src/rtnetlink.c). Idempotent: "already there" on add
 * (EEXIST) and "not there" on delete (ESRCH for routes, ENOENT for rules) are
 * done. Never throws: failures come back as values for the caller to count.
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { ipv4ToInt, ipv6ToGroups } from '../../core/config/ip.ts';
import type { Route, Rule } from '../../core/config/ip-route.ts';
import { loadAddon } from './link.ts';

export interface RtnetlinkAddon {
  request(msgs: Buffer[], errs: Int32Array, timeoutMs: number): null | { errno: number; syscall: string };
  watch(onDeleted: (msg: Buffer) => void): object | { errno: number; syscall: string };
  unwatch(handle: object): void;
}
let addon: RtnetlinkAddon | null = null;
export function rtnetlink(): RtnetlinkAddon {
  addon ??= createRequire(import.meta.url)('vrrp-socket/rtnetlink.cjs') as RtnetlinkAddon;
  return addon;
}

// <linux/rtnetlink.h>, <linux/fib_rules.h>, <linux/netlink.h>
const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NLM_F_APPEND = 0x800;
export const RTA = { DST: 1, SRC: 2, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, TABLE: 15 } as const;
export const FRA = { DST: 1, SRC: 2, IIFNAME: 3, GOTO: 4, PRIORITY: 6, FWMARK: 10, TABLE: 15, FWMASK: 16, OIFNAME: 17, UID_RANGE: 20, PROTOCOL: 21, IP_PROTO: 22, SPORT_RANGE: 23, DPORT_RANGE: 24 } as const;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_NOWHERE = 255;
const RT_TABLE_UNSPEC = 0;
const RT_TABLE_MAIN = 254;
const RTNH_F_ONLINK = 4;
export const FIB_RULE_INVERT = 2;
const FR_ACT_TO_TBL = 1;
export const AF = { 4: 2, 6: 10 } as const;
const HDR = 16;
const errnoName = (e: number) => Object.entries(constants.errno).find(([, v]) => v === e)?.[0] ?? `errno ${e}`;

/** Every request waits at most this long for the kernel's ACKs; the VRRP loop never waits on it. */
export const RTNETLINK_TIMEOUT_MS = 2_000;
const BATCH = 256;

export function addressBytes(a: string, family: 4 | 6): Buffer {
  if (family === 4) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(ipv4ToInt(a));
    return b;
  }
  const b = Buffer.alloc(16);
  ipv6ToGroups(a).forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

/** One netlink message: header (type and flags; the addon fills the rest), a fixed part, then attributes. */
class Message {
  private attrs: Buffer[] = [];
  constructor(
    private readonly type: number,
    private readonly flags: number,
    private readonly fixed: Buffer,
  ) {}
  attr(type: number, data: Buffer): this {
    const a = Buffer.alloc((4 + data.length + 3) & ~3);
    a.writeUInt16LE(4 + data.length, 0);
    a.writeUInt16LE(type, 2);
    data.copy(a, 4);
    this.attrs.push(a);
    return this;
  }
  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.attr(type, b);
  }
  u8(type: number, v: number): this {
    return this.attr(type, Buffer.from([v]));
  }
  text(type: number, s: string): this {
    return this.attr(type, Buffer.from(`${s}\0`));
  }
  range(type: number, [a, b]: [number, number], width: 2 | 4): this {
    const buf = Buffer.alloc(width * 2);
    if (width === 2) [buf.writeUInt16LE(a, 0), buf.writeUInt16LE(b, 2)];
    else [buf.writeUInt32LE(a, 0), buf.writeUInt32LE(b, 4)];
    return this.attr(type, buf);
  }
  build(): Buffer {
    const head = Buffer.alloc(HDR);
    head.writeUInt16LE(this.type, 4);
    head.writeUInt16LE(this.flags, 6);
    const out = Buffer.concat([head, this.fixed, ...this.attrs]);
    out.writeUInt32LE(out.length, 0);
    return out;
  }
}

/** RTM_NEWROUTE / RTM_DELROUTE for one route; `ifIndex` resolves `dev` (0: no such interface). */
export function routeMessage(add: boolean, r: Route, ifIndex: (name: string) => number): Buffer {
  const flags = add ? NLM_F_CREATE | (r.mode === 'add' ? NLM_F_EXCL : r.mode === 'append' ? NLM_F_APPEND : 0) : 0;
  // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags(u32)
  const rtm = Buffer.alloc(12);
  rtm[0] = AF[r.family];
  rtm[1] = r.dst.length;
  rtm[2] = r.from?.length ?? 0;
  rtm[3] = r.tos ?? 0;
  rtm[4] = r.table < 256 ? r.table : RT_TABLE_UNSPEC;
  rtm[5] = r.protocol;
  rtm[6] = r.scope ?? (add ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE);
  rtm[7] = add || r.typeSet ? r.type : 0;
  rtm.writeUInt32LE(r.onlink ? RTNH_F_ONLINK : 0, 8);
  const m = new Message(add ? RTM_NEWROUTE : RTM_DELROUTE, flags, rtm);
  if (r.table >= 256) m.u32(RTA.TABLE, r.table);
  if (r.dst.address) m.attr(RTA.DST, addressBytes(r.dst.address, r.family));
  if (r.from?.address) m.attr(RTA.SRC, addressBytes(r.from.address, 6));
  if (r.src) m.attr(RTA.PREFSRC, addressBytes(r.src, r.family));
  if (r.via) m.attr(RTA.GATEWAY, addressBytes(r.via, r.family));
  if (r.dev) m.u32(RTA.OIF, ifIndex(r.dev));
  if (r.metric !== undefined) m.u32(RTA.PRIORITY, r.metric);
  return m.build();
}

/** RTM_NEWRULE / RTM_DELRULE for one rule (its priority already resolved). */
export function ruleMessage(add: boolean, r: Rule): Buffer {
  // struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags(u32)
  const frh = Buffer.alloc(12);
  frh[0] = AF[r.family];
  frh[1] = r.to?.length ?? 0;
  frh[2] = r.from?.length ?? 0;
  frh[3] = r.tos;
  const table = r.table ?? 0;
  frh[4] = r.action === FR_ACT_TO_TBL && table < 256 ? table || RT_TABLE_MAIN : RT_TABLE_UNSPEC;
  frh[7] = r.action;
  frh.writeUInt32LE(r.invert ? FIB_RULE_INVERT : 0, 8);
  const m = new Message(add ? RTM_NEWRULE : RTM_DELRULE, add ? NLM_F_CREATE | NLM_F_EXCL : 0, frh);
  if (r.action === FR_ACT_TO_TBL && table >= 256) m.u32(FRA.TABLE, table);
  if (r.from?.address) m.attr(FRA.SRC, addressBytes(r.from.address, r.family));
  if (r.to?.address) m.attr(FRA.DST, addressBytes(r.to.address, r.family));
  if (r.priority !== undefined) m.u32(FRA.PRIORITY, r.priority);
  if (r.fwmark !== undefined) m.u32(FRA.FWMARK, r.fwmark);
  if (r.fwmask !== undefined) m.u32(FRA.FWMASK, r.fwmask);
  if (r.iif) m.text(FRA.IIFNAME, r.iif);
  if (r.oif) m.text(FRA.OIFNAME, r.oif);
  if (r.uidrange) m.range(FRA.UID_RANGE, r.uidrange, 4);
  m.u8(FRA.PROTOCOL, r.protocol);
  if (r.ipproto !== undefined) m.u8(FRA.IP_PROTO, r.ipproto);
  if (r.sport) m.range(FRA.SPORT_RANGE, r.sport, 2);
  if (r.dport) m.range(FRA.DPORT_RANGE, r.dport, 2);
  if (r.goto !== undefined) m.u32(FRA.GOTO, r.goto);
  return m.build();
}

export interface IpRouteFailure {
  /** `route 198.51.100.0/24` or `rule 100`: which line failed. */
  what: string;
  detail: string;
}

const describeRoute = (r: Route) => `route ${r.dst.address ? `${r.dst.address}/${r.dst.length}` : 'default'} table ${r.table}`;
const describeRule = (r: Rule) => `rule ${r.priority ?? '?'}`;

/**
 * Adds (routes, then rules, as keepalived on becoming master) or deletes
 * (rules, then routes) in one request. Returns the lines that failed.
 */
export function applyIpRoutes(add: boolean, routes: readonly Route[], rules: readonly Rule[]): IpRouteFailure[] {
  const failures: IpRouteFailure[] = [];
  const msgs: Buffer[] = [];
  const names: string[] = [];
  const ok = new Set<number>(add ? [constants.errno.EEXIST] : [constants.errno.ESRCH, constants.errno.ENOENT]);
  const pushRoutes = () => {
    for (const r of routes) {
      let missing = '';
      const msg = routeMessage(add, r, (name) => {
        const i = loadAddon().ifIndex(name);
        if (!i) missing = name;
        return i;
      });
      // Deleting a route whose device is gone: the kernel removed it with the device.
      if (missing) {
        if (add) failures.push({ what: describeRoute(r), detail: `no interface ${missing}` });
        continue;
      }
      msgs.push(msg);
      names.push(describeRoute(r));
    }
  };
  const pushRules = () => {
    for (const r of rules) {
      msgs.push(ruleMessage(add, r));
      names.push(describeRule(r));
    }
  };
  if (add) [pushRoutes(), pushRules()];
  else [pushRules(), pushRoutes()];
  // Batches small enough that every ACK fits the socket's receive buffer (an ACK takes a whole skb there).
  for (let start = 0; start < msgs.length; start += BATCH) {
    const batch = msgs.slice(start, start + BATCH);
    const errs = new Int32Array(batch.length);
    let sent: ReturnType<RtnetlinkAddon['request']>;
    try {
      sent = rtnetlink().request(batch, errs, RTNETLINK_TIMEOUT_MS);
    } catch (err) {
      sent = { errno: 0, syscall: String(err) };
    }
    if (sent) {
      failures.push({ what: `${batch.length} route/rule change(s)`, detail: sent.errno ? `${sent.syscall}: ${errnoName(sent.errno)}` : sent.syscall });
      continue;
    }
    errs.forEach((e, i) => {
      if (e !== 0 && !ok.has(e)) failures.push({ what: names[start + i]!, detail: e === -1 ? 'no answer from the kernel in time' : errnoName(e) });
    });
  }
  return failures;
}
