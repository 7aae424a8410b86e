/**
 * keepalived's virtual_routes / virtual_rules lines (vrrp_iproute.c
 * alloc_route, vrrp_iprule.c alloc_rule) parsed from their words into what the
 * kernel is told. The config model keeps the words (so `vigil export` prints
 * them back as written); this is the one reading of them, used by the reader
 * for diagnostics and by the shim to build rtnetlink messages.
 *
 * Three outcomes per word, as keepalived: a line keepalived drops with a
 * config error (`error`, keepalived -t exits 5 and runs without the line), a
 * note it prints and goes on (`notes`), and words keepalived accepts that the
 * shim cannot encode (`unsupported`, each naming the words: the shim refuses
 * to start on them). Tables and protocols by number or built-in name only.
 */
import * as z from 'zod';
import { isIP, parsePrefix } from './ip.ts';

const Family = z.union([z.literal(4), z.literal(6)]);
const U32 = z.number().int().min(0).max(2 ** 32 - 1);
const U8 = z.number().int().min(0).max(255);
const Prefix = z.strictObject({ address: z.string(), length: z.number().int().min(0).max(128) });
const Range = z.tuple([U32, U32]);

/** RTPROT_KEEPALIVED: keepalived marks what it adds so it can tell its own routes and rules apart. */
export const RTPROT_KEEPALIVED = 18;
/** keepalived numbers rules without a preference down from here, per family, in file order. */
export const RULE_START_PRIORITY = 16384;

export const Route = z.strictObject({
  family: Family,
  dst: Prefix,
  /** RTN_* (unicast 1, blackhole 6…); `typeSet` when written, since a delete then matches on it. */
  type: U8,
  typeSet: z.boolean(),
  src: z.string().optional(),
  from: Prefix.optional(),
  via: z.string().optional(),
  dev: z.string().optional(),
  scope: U8.optional(),
  table: U32,
  metric: U32.optional(),
  protocol: U8,
  tos: U8.optional(),
  onlink: z.boolean(),
  /** keepalived's default is the kernel's prepend (NLM_F_CREATE); `add` is create-exclusive. */
  mode: z.enum(['prepend', 'add', 'append']),
  /** Deleted by someone else while MASTER, the instance leaves MASTER (not with no_track, nor without dev in keepalived 2.2). */
  track: z.boolean(),
});
export type Route = z.infer<typeof Route>;

/** FR_ACT_*: to table 1, goto 2, nop 3, blackhole 6, unreachable 7, prohibit 8. */
export const Rule = z.strictObject({
  family: Family,
  action: U8,
  table: U32.optional(),
  goto: U32.optional(),
  from: Prefix.optional(),
  to: Prefix.optional(),
  invert: z.boolean(),
  /** Unset: the shim numbers it from RULE_START_PRIORITY down, as keepalived. */
  priority: U32.optional(),
  tos: U8,
  fwmark: U32.optional(),
  fwmask: U32.optional(),
  iif: z.string().optional(),
  oif: z.string().optional(),
  uidrange: Range.optional(),
  protocol: U8,
  ipproto: U8.optional(),
  sport: Range.optional(),
  dport: Range.optional(),
  /** Deleted by someone else while MASTER, the instance leaves MASTER (not with no_track). */
  track: z.boolean(),
});
export type Rule = z.infer<typeof Rule>;

export interface LineIssue {
  /** Index of the word the issue is about (keepalived names the line only; Vigil names the word). */
  at: number;
  message: string;
}
export type ParsedLine<T> =
  | { ok: true; value: T; notes: LineIssue[]; unsupported: LineIssue[] }
  | { ok: false; error: LineIssue; notes: LineIssue[] };

const RTN: Record<string, number> = { unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9, nat: 10, xresolve: 11 };
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const PROTOCOLS: Record<string, number> = { redirect: 1, kernel: 2, boot: 3, static: 4, keepalived: RTPROT_KEEPALIVED };
const IPPROTO: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, sctp: 132 };
/** Route options keepalived accepts that the shim does not encode, with how many words follow (a leading `lock` adds one). */
const ROUTE_UNSUPPORTED: Record<string, number> = {
  realms: 1, expires: 1, window: 1, hoplimit: 1, initcwnd: 1, initrwnd: 1, features: 1, quickack: 1, pref: 1, 'ttl-propagate': 1,
  fastopen_no_cookie: 1, vrf: 1, track_group: 1, mtu: 1, advmss: 1, rtt: 1, rttvar: 1, reordering: 1, cwnd: 1, ssthresh: 1, rto_min: 1, congctl: 1,
};
const RULE_UNSUPPORTED: Record<string, number> = { realms: 1, suppress_prefixlength: 1, sup_pl: 1, suppress_ifgroup: 1, sup_group: 1, 'tunnel-id': 1, l3mdev: 0, track_group: 1 };

/** strtoul base 0 as keepalived reads numbers: decimal, 0x hex, 0 octal; whole word. */
function unsigned(s: string | undefined, max: number): number | undefined {
  if (s === undefined || !/^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(s)) return undefined;
  const n = /^0[0-7]+$/.test(s) ? parseInt(s, 8) : Number(s);
  return n <= max ? n : undefined;
}
const named = (s: string | undefined, names: Record<string, number>, max: number) =>
  s !== undefined && Object.prototype.hasOwnProperty.call(names, s) ? names[s] : unsigned(s, max);

/** A destination as keepalived's parse_route reads it: `default`/`any`/`all` or an address with an optional /len. */
function prefix(s: string | undefined): (z.infer<typeof Prefix> & { family?: 4 | 6 }) | undefined {
  if (s === undefined) return undefined;
  if (s === 'default' || s === 'any' || s === 'all') return { address: '', length: 0 };
  const p = parsePrefix(s);
  return p ? { address: p.address, length: p.prefixLength ?? (p.family === 4 ? 32 : 128), family: p.family } : undefined;
}

class Line {
  family: 4 | 6 | undefined;
  notes: LineIssue[] = [];
  unsupported: LineIssue[] = [];
  i = 0;
  constructor(readonly words: readonly string[]) {}
  next(): string | undefined {
    return this.words[++this.i];
  }
  /** Records a family; false (with the caller to report) when it mixes 4 and 6. */
  setFamily(f: 4 | 6 | undefined): boolean {
    if (f === undefined) return true;
    if (this.family !== undefined && this.family !== f) return false;
    this.family = f;
    return true;
  }
}

class LineError extends Error {
  constructor(readonly at: number, message: string) {
    super(message);
  }
}

function run<T>(words: readonly string[], body: (l: Line) => T): ParsedLine<T> {
  const l = new Line(words);
  try {
    const value = body(l);
    return { ok: true, value, notes: l.notes, unsupported: l.unsupported };
  } catch (e) {
    if (!(e instanceof LineError)) throw e;
    return { ok: false, error: { at: Math.min(e.at, words.length - 1), message: e.message }, notes: l.notes };
  }
}

const fail = (at: number, message: string): never => {
  throw new LineError(at, message);
};

function skipUnsupported(l: Line, table: Record<string, number>): boolean {
  const w = l.words[l.i]!;
  if (!Object.prototype.hasOwnProperty.call(table, w)) return false;
  l.unsupported.push({ at: l.i, message: w });
  if (l.words[l.i + 1] === 'lock') l.i++;
  l.i += table[w]!;
  return true;
}

export function parseRoute(words: readonly string[]): ParsedLine<Route> {
  return run(words, (l) => {
    let dst: z.infer<typeof Prefix> | undefined;
    let dstText = '';
    const r: Omit<Route, 'family' | 'dst' | 'track'> = { type: RTN.unicast!, typeSet: false, table: TABLES.main!, protocol: RTPROT_KEEPALIVED, onlink: false, mode: 'prepend' };
    let protocolSet = false;
    let track = true;
    const mixed = () => fail(l.i, 'Cannot mix IPv4 and IPv6 addresses for route');
    for (; l.i < words.length; l.i++) {
      const w = words[l.i]!;
      if (w === 'inet' || w === 'inet6') {
        if (!l.setFamily(w === 'inet' ? 4 : 6)) fail(l.i, `${w} specified for IPv${w === 'inet' ? 6 : 4} route`);
      } else if (w === 'src') {
        const v = l.next();
        const f = v === undefined ? 0 : isIP(v);
        if (!f) fail(l.i, `invalid route src address ${v ?? ''}`);
        if (!l.setFamily(f as 4 | 6)) mixed();
        r.src = v;
      } else if (w === 'via' || w === 'gw') {
        if (w === 'gw') l.notes.push({ at: l.i, message: '"gw" for routes is deprecated. Please use "via"' });
        let v = l.next();
        if (v === 'inet' || v === 'inet6') {
          if (!l.setFamily(v === 'inet' ? 4 : 6)) mixed();
          v = l.next();
        }
        const f = v === undefined ? 0 : isIP(v);
        if (!f) fail(l.i, `invalid route via address ${v ?? ''}`);
        if (!l.setFamily(f as 4 | 6)) mixed();
        r.via = v;
      } else if (w === 'from') {
        const p = prefix(l.next());
        if (!p) fail(l.i, `invalid route from address ${words[l.i] ?? ''}`);
        if (p!.family !== 6) fail(l.i, `route from address only supported with IPv6 (${words[l.i]})`);
        if (!l.setFamily(6)) mixed();
        r.from = { address: p!.address, length: p!.length };
      } else if (w === 'tos' || w === 'dsfield') {
        r.tos = unsigned(l.next(), 255) ?? fail(l.i, `TOS value ${words[l.i] ?? ''} is invalid`);
      } else if (w === 'table') {
        const v = l.next();
        const t = named(v, TABLES, 2 ** 32 - 1);
        if (t !== undefined) r.table = t;
        else if (v && /^[A-Za-z_][\w.-]*$/.test(v)) l.unsupported.push({ at: l.i, message: `table ${v}` });
        else fail(l.i, `Routing table ${v ?? ''} not found for route`);
      } else if (w === 'protocol') {
        const v = l.next();
        const p = named(v, PROTOCOLS, 255);
        if (p !== undefined) r.protocol = p;
        else if (v && /^[A-Za-z_][\w.-]*$/.test(v)) l.unsupported.push({ at: l.i, message: `protocol ${v}` });
        else fail(l.i, `Protocol ${v ?? ''} not found or invalid for route`);
        protocolSet = true;
      } else if (w === 'scope') {
        r.scope = named(l.next(), SCOPES, 255) ?? fail(l.i, `Scope ${words[l.i] ?? ''} not found or invalid for route`);
      } else if (w === 'metric' || w === 'priority' || w === 'preference') {
        r.metric = unsigned(l.next(), 2 ** 32 - 1) ?? fail(l.i, `Invalid metric ${words[l.i] ?? ''} specified for route`);
      } else if (w === 'dev' || w === 'oif') {
        r.dev = l.next() ?? fail(l.i, `'${w}' needs an interface`);
      } else if (w === 'onlink') r.onlink = true;
      else if (w === 'add' || w === 'prepend' || w === 'append') r.mode = w;
      else if (w === 'no_track') track = false;
      else if (w === 'as') {
        if (l.next() === 'to') l.i++;
        l.notes.push({ at: l.i, message: '"as to" for MPLS only - ignoring' });
      } else if (w === 'or') {
        l.notes.push({ at: l.i, message: '"or" for routes is deprecated. Please use "nexthop"' });
        l.unsupported.push({ at: l.i, message: w });
        l.i++;
      } else if (w === 'nexthop' || w === 'encap') {
        l.unsupported.push({ at: l.i, message: w });
        l.i = words.length;
      } else if (!skipUnsupported(l, ROUTE_UNSUPPORTED)) {
        if (w === 'to') l.i++;
        const t = words[l.i];
        if (t !== undefined && Object.prototype.hasOwnProperty.call(RTN, t)) {
          r.type = RTN[t]!;
          r.typeSet = true;
          l.i++;
        }
        const p = prefix(words[l.i]);
        if (!p) fail(l.i, `unknown route keyword ${words[l.i] ?? ''}`);
        if (!l.setFamily(p!.family)) fail(l.i, `Cannot mix IPv4 and IPv6 addresses for route (${words[l.i]})`);
        dst = { address: p!.address, length: p!.length };
        dstText = words[l.i]!;
      }
    }
    if (!dst) fail(0, 'Route must have a destination');
    if (track && protocolSet && r.protocol !== RTPROT_KEEPALIVED) {
      l.notes.push({ at: 0, message: `Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol` });
    }
    if (track) r.protocol = RTPROT_KEEPALIVED;
    if (track && !r.dev) l.notes.push({ at: 0, message: `Warning - cannot track route ${dstText} with no interface specified, not tracking` });
    return { ...r, family: l.family ?? 4, dst: dst!, track: track && !!r.dev };
  });
}

const ACTIONS: Record<string, number> = { nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 };
const FR_ACT_TO_TBL = 1;
const FR_ACT_GOTO = 2;

function range(s: string | undefined, max: number, allowSingle: boolean): [number, number] | undefined {
  const m = s === undefined ? null : /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m || (m[2] === undefined && !allowSingle)) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a <= max && b <= max ? [a, b] : undefined;
}

export function parseRule(words: readonly string[]): ParsedLine<Rule> {
  return run(words, (l) => {
    const r: Omit<Rule, 'family' | 'track'> = { action: 0, invert: false, tos: 0, protocol: RTPROT_KEEPALIVED };
    let protocolSet = false;
    let track = true;
    const setAction = (a: number) => {
      if (r.action !== 0) fail(l.i, 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule');
      r.action = a;
    };
    for (; l.i < words.length; l.i++) {
      const w = words[l.i]!;
      if (w === 'inet' || w === 'inet6') {
        if (!l.setFamily(w === 'inet' ? 4 : 6)) fail(l.i, `${w} specified for IPv${w === 'inet' ? 6 : 4} rule`);
      } else if (w === 'from' || w === 'to') {
        const p = prefix(l.next());
        if (!p) fail(l.i, `Invalid rule ${w} address ${words[l.i] ?? ''}`);
        if (!l.setFamily(p!.family)) fail(l.i, 'rule specification has mixed IPv4 and IPv6');
        r[w] = { address: p!.address, length: p!.length };
      } else if (w === 'table' || w === 'lookup') {
        const v = l.next();
        const t = named(v, TABLES, 2 ** 32 - 1);
        if (t === undefined && v && /^[A-Za-z_][\w.-]*$/.test(v)) l.unsupported.push({ at: l.i, message: `table ${v}` });
        else if (t === undefined) fail(l.i, `Routing table ${v ?? ''} not found for rule`);
        else if (t === 0) fail(l.i, 'Table 0 is not valid');
        r.table = t;
        setAction(FR_ACT_TO_TBL);
      } else if (w === 'not') r.invert = true;
      else if (w === 'preference' || w === 'order' || w === 'priority') {
        r.priority = unsigned(l.next(), 2 ** 32 - 1) ?? fail(l.i, `Invalid rule preference ${w} specified`);
      } else if (w === 'tos' || w === 'dsfield') {
        r.tos = unsigned(l.next(), 255) ?? fail(l.i, `TOS value ${words[l.i] ?? ''} is invalid`);
      } else if (w === 'fwmark') {
        const v = l.next() ?? '';
        const [mark, mask] = v.split('/', 2);
        r.fwmark = unsigned(mark, 2 ** 32 - 1) ?? fail(l.i, `Invalid rule fwmark ${v} specified`);
        if (mask !== undefined) r.fwmask = unsigned(mask, 2 ** 32 - 1) ?? fail(l.i, `Invalid rule fwmark ${v} specified`);
      } else if (w === 'dev' || w === 'iif') r.iif = l.next() ?? fail(l.i, `'${w}' needs an interface`);
      else if (w === 'oif') r.oif = l.next() ?? fail(l.i, "'oif' needs an interface");
      else if (w === 'uidrange') r.uidrange = range(l.next(), 2 ** 32 - 1, false) ?? fail(l.i, `Invalid uidrange ${w} specified`);
      else if (w === 'protocol') {
        const p = unsigned(l.next(), 255);
        if (p === undefined) l.notes.push({ at: l.i, message: `Invalid protocol ${words[l.i] ?? ''}` });
        else [r.protocol, protocolSet] = [p, true];
      } else if (w === 'ipproto') {
        const p = named(l.next(), IPPROTO, 255);
        if (p === undefined) l.notes.push({ at: l.i, message: `Invalid ipproto ${words[l.i] ?? ''}` });
        else r.ipproto = p;
      } else if (w === 'sport' || w === 'dport') {
        // keepalived 2.2.7 reads a lone port as an error too (its sscanf check wants two numbers); the line is kept.
        const p = range(l.next(), 65535, false);
        if (!p) l.notes.push({ at: l.i, message: `invalid ${w} range ${words[l.i] ?? ''}` });
        else r[w] = p;
      } else if (w === 'no_track') track = false;
      else if (!skipUnsupported(l, RULE_UNSUPPORTED)) {
        const a = w === 'type' ? l.next() : w;
        if (a === 'goto') {
          r.goto = unsigned(l.next(), 2 ** 32 - 1) ?? fail(l.i, `Invalid target ${a} specified`);
          setAction(FR_ACT_GOTO);
        } else if (a !== undefined && Object.prototype.hasOwnProperty.call(ACTIONS, a)) setAction(ACTIONS[a]!);
        else if (a !== undefined && Object.prototype.hasOwnProperty.call(RTN, a)) fail(l.i, `Invalid rule action ${a}`);
        else fail(l.i, `Unknown rule option ${a ?? ''}`);
      }
    }
    if (r.action === FR_ACT_GOTO) {
      if (r.priority === undefined) fail(0, `Invalid rule - goto target ${r.goto} specified without preference`);
      if (r.priority! >= r.goto!) fail(0, `Invalid rule - preference ${r.priority} >= goto target ${r.goto}`);
    }
    if (r.action === 0) fail(0, 'No action specified for rule - ignoring');
    if (track && protocolSet && r.protocol !== RTPROT_KEEPALIVED) {
      l.notes.push({ at: 0, message: `Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol` });
    }
    if (track) r.protocol = RTPROT_KEEPALIVED;
    if (r.priority === undefined) l.notes.push({ at: 0, message: 'Rule has no preference specified; keepalived numbers it from 16384 down. This is probably not what you want.' });
    return { ...r, family: l.family ?? 4, track };
  });
}
