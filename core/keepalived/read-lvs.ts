import type { z } from 'zod';
import { SCHEDULERS, SCHEDULER_FLAGS, type RealServer, type SslContext, type VirtualServer, type VirtualServerGroup } from '../config/lvs.ts';
import { isIP, isIPv4, isIPv6 } from '../config/ip.ts';
import type { LvsMethod } from '../config/primitives.ts';
import { isCheckKeyword, readCheck } from './read-checks.ts';
import { endOf, type HandlerTable, type Reader } from './reader.ts';
import type { Statement } from './tree.ts';

type VsIn = z.input<typeof VirtualServer> & Record<string, unknown>;
type RsIn = z.input<typeof RealServer> & Record<string, unknown>;
type VsgIn = z.input<typeof VirtualServerGroup>;

/** `lvs_method NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. */
function lvsMethod(r: Reader, s: Statement): LvsMethod | undefined {
  const word = s.args[0];
  if (!word) {
    r.diags.error(endOf(s), `'${s.keyword.text}' needs NAT, DR or TUN`);
    return undefined;
  }
  // keepalived compares case-sensitively; any other word leaves the method as it was (NAT unless set before).
  const kind = (['NAT', 'DR', 'TUN'] as const).find((k) => k === word.text);
  if (!kind) {
    const meant = word.text.toUpperCase();
    const hint = meant === 'NAT' || meant === 'DR' || meant === 'TUN' ? ` (keepalived compares case-sensitively)` : '';
    r.diags.warn(word.pos, `${s.keyword.text}: '${word.text}' is not NAT, DR or TUN${hint}; ignored as keepalived does: NAT will be programmed unless an earlier line set another method`);
    return undefined;
  }
  const out: LvsMethod = { kind };
  const rest = s.args.slice(1);
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (kind !== 'TUN') {
      r.diags.error(t.pos, `${s.keyword.text}: options are only for TUN`);
      break;
    }
    if (t.text === 'type') {
      out.tunnelType = r.oneOf(rest[++i], ['ipip', 'gue', 'gre'] as const, 'tunnel type');
      if (out.tunnelType === 'gue') {
        if (rest[i + 1]?.text !== 'port') r.diags.error(rest[i]!.pos, 'a gue tunnel needs: port NUM');
        else {
          out.tunnelPort = r.port(rest[i + 2], 'gue port');
          i += 2;
        }
      }
    } else if (['nocsum', 'csum', 'remcsum'].includes(t.text)) out.tunnelChecksum = t.text as LvsMethod['tunnelChecksum'];
    else r.diags.error(t.pos, `${s.keyword.text}: unknown option '${t.text}'`);
  }
  return out;
}

const sharedTiming: HandlerTable<VsIn | RsIn> = {
  connect_timeout: (r, s, t) => void (t.connectTimeoutMs = r.timerArg(s)),
  retry: (r, s, t) => void (t.retry = r.intArg(s, 0, 2 ** 31)),
  delay_before_retry: (r, s, t) => void (t.delayBeforeRetryMs = r.timerArg(s)),
  warmup: (r, s, t) => void (t.warmupMs = r.timerArg(s)),
  delay_loop: (r, s, t) => void (t.delayLoopMs = r.timerArg(s)),
  inhibit_on_failure: (r, s, t) => void (t.inhibitOnFailure = r.flag(s)),
  alpha: (r, s, t) => void (t.alpha = r.flag(s)),
  smtp_alert: (r, s, t) => void (t.smtpAlert = r.flag(s)),
  virtualhost: (r, s, t) => void (t.virtualhost = r.str(s, 'a host name')),
  snmp_name: (r, s, t) => void (t.snmpName = r.str(s, 'a name')),
};

const realServer: HandlerTable<RsIn> = {
  ...(sharedTiming as HandlerTable<RsIn>),
  weight: (r, s, t) => void (t.weight = r.intArg(s, 0, 2147483647)),
  lvs_method: (r, s, t) => {
    const m = lvsMethod(r, s);
    if (m) t.lvsMethod = m;
  },
  uthreshold: (r, s, t) => void (t.uthreshold = r.intArg(s, 0, 2 ** 32 - 1)),
  lthreshold: (r, s, t) => void (t.lthreshold = r.intArg(s, 0, 2 ** 32 - 1)),
  notify_up: (r, s, t) => void (t.notifyUp = r.script(s)),
  notify_down: (r, s, t) => void (t.notifyDown = r.script(s)),
};

function readRealServer(r: Reader, s: Statement, vs: VsIn): void {
  const ip = r.ip(s.args[0], 'real_server');
  if (!s.args[0]) r.diags.error(endOf(s), "'real_server' needs an address");
  const port = s.args[1] ? r.port(s.args[1], 'real_server port') : undefined;
  const rs: RsIn = { ip: ip ?? '0.0.0.0', checks: [] };
  if (port !== undefined) rs.port = port;
  const checks = rs.checks as unknown[];
  const stmts = r.requireBlock(s);
  for (const c of stmts) {
    if (isCheckKeyword(c.keyword.text)) {
      const chk = readCheck(r, c);
      if (chk) checks.push(chk);
    } else r.block([c], realServer, rs, 'real_server');
  }
  if (ip !== undefined) (vs.realServers as RsIn[]).push(rs);
}

/** keepalived's LVS_MAX_TIMEOUT: 31 days. */
const LVS_MAX_TIMEOUT_S = 86400 * 31;

const virtualServer: HandlerTable<VsIn> = {
  ...(sharedTiming as HandlerTable<VsIn>),
  ip_family: (r, s, t) => void (t.ipFamily = r.oneOf(r.arg(s), ['inet', 'inet6'] as const, 'ip_family')),
  lvs_sched: (r, s, t) => void (t.lbAlgo = r.oneOf(r.arg(s), SCHEDULERS, 'lvs_sched')),
  // keepalived 2.2-2.4 installs lb_algo and lb_kind as plain synonyms: no warning.
  lb_algo: (r, s, t) => void (t.lbAlgo = r.oneOf(r.arg(s), SCHEDULERS, 'lb_algo')),
  ...Object.fromEntries(
    SCHEDULER_FLAGS.map((f) => [
      f,
      (r: Reader, s: Statement, t: VsIn) => {
        if (r.flag(s)) t.schedulerFlags = [...new Set([...(t.schedulerFlags ?? []), f])];
      },
    ]),
  ),
  hashed: (r, s, t) => {
    r.deprecated(s, 'sh-port / mh-port');
    r.flag(s);
  },
  ops: (r, s, t) => void (t.ops = r.flag(s)),
  lvs_method: (r, s, t) => {
    const m = lvsMethod(r, s);
    if (m) t.lvsMethod = m;
  },
  lb_kind: (r, s, t) => {
    const m = lvsMethod(r, s);
    if (m) t.lvsMethod = m;
  },
  persistence_engine: (r, s, t) => void (t.persistenceEngine = r.str(s, 'an engine name')),
  persistence_timeout: (r, s, t) => {
    // A bare `persistence_timeout` is keepalived's 6 minutes.
    // keepalived's range is 1..31 days; outside it (or not a number) it says so and the service is not persistent.
    const w = s.args[0];
    if (!w) t.persistenceTimeoutS = 360;
    else if (/^\d+$/.test(w.text) && Number(w.text) >= 1 && Number(w.text) <= LVS_MAX_TIMEOUT_S) t.persistenceTimeoutS = Number(w.text);
    else r.diags.warn(w.pos, `persistence_timeout invalid: '${w.text}' is not in 1..${LVS_MAX_TIMEOUT_S} (31 days); ignored, as keepalived`);
  },
  persistence_granularity: (r, s, t) => {
    const tok = r.arg(s, 'a netmask');
    if (tok && !isIPv4(tok.text) && !/^\d{1,3}$/.test(tok.text)) r.diags.error(tok.pos, `persistence_granularity: '${tok.text}' is not a netmask`);
    else if (tok) t.persistenceGranularity = tok.text;
  },
  protocol: (r, s, t) => void (t.protocol = r.oneOf(r.arg(s), ['TCP', 'UDP', 'SCTP'] as const, 'protocol', true)),
  ha_suspend: (r, s, t) => void (t.haSuspend = r.flag(s)),
  omega: (r, s, t) => void (t.omega = r.flag(s)),
  quorum: (r, s, t) => void (t.quorum = r.intArg(s, 1, 2147483647)),
  hysteresis: (r, s, t) => void (t.hysteresis = r.intArg(s, 0, 2147483647)),
  quorum_up: (r, s, t) => void (t.quorumUp = r.script(s)),
  quorum_down: (r, s, t) => void (t.quorumDown = r.script(s)),
  weight: (r, s, t) => void (t.weight = r.intArg(s, 0, 2147483647)),
  sorry_server: (r, s, t) => {
    const ip = r.ip(s.args[0], 'sorry_server');
    if (!s.args[0]) r.diags.error(endOf(s), "'sorry_server' needs an address");
    const port = s.args[1] ? r.port(s.args[1], 'sorry_server port') : undefined;
    if (ip) t.sorryServer = port === undefined ? { ip } : { ip, port };
  },
  sorry_server_inhibit: (r, s, t) => void (t.sorryServerInhibit = r.flag(s)),
  sorry_server_lvs_method: (r, s, t) => void (t.sorryServerLvsMethod = lvsMethod(r, s)),
  real_server: (r, s, t) => readRealServer(r, s, t),
};

export function readVirtualServer(r: Reader, s: Statement): VsIn | undefined {
  const vs: VsIn = { realServers: [] };
  const [a0, a1] = s.args;
  let ok = true;
  if (!a0) {
    r.diags.error(endOf(s), "'virtual_server' needs an address and port, 'fwmark N' or 'group NAME'");
    ok = false;
  } else if (a0.text === 'fwmark') {
    vs.fwmark = r.int(a1, 1, 0xffffffff, 'virtual_server fwmark');
    if (!a1) r.diags.error(endOf(s), "'virtual_server fwmark' needs a mark");
    ok = vs.fwmark !== undefined;
  } else if (a0.text === 'group') {
    vs.group = a1?.text;
    if (!a1) r.diags.error(endOf(s), "'virtual_server group' needs a group name");
    ok = vs.group !== undefined;
  } else {
    vs.ip = r.ip(a0, 'virtual_server');
    if (a1) vs.port = r.port(a1, 'virtual_server port');
    ok = vs.ip !== undefined;
  }
  r.block(r.requireBlock(s), virtualServer, vs, 'virtual_server');
  if (!ok) return undefined;
  const isAddress = vs.ip !== undefined;
  if (isAddress && !vs.protocol) {
    r.diags.warn(s.keyword.pos, 'virtual_server has no protocol; keepalived (and the kernel) default to UDP: write protocol TCP or UDP');
  }
  if (vs.fwmark !== undefined && vs.protocol) {
    r.diags.warn(s.keyword.pos, 'protocol is ignored for a fwmark virtual_server');
  }
  if (isAddress && vs.port === undefined && vs.persistenceTimeoutS === undefined) {
    r.diags.warn(s.keyword.pos, 'a port can be omitted only for a persistent service: persistence_timeout 360 assumed, as keepalived does');
    vs.persistenceTimeoutS = 360;
  }
  return vs;
}

function vsgEntry(r: Reader, s: Statement, g: VsgIn): void {
  const words = [s.keyword, ...s.args];
  if (s.keyword.text === 'fwmark') {
    const mark = r.int(s.args[0], 1, 0xffffffff, 'fwmark');
    if (!s.args[0]) r.diags.error(endOf(s), "'fwmark' needs a mark");
    const family = s.args[1] ? r.oneOf(s.args[1], ['inet', 'inet6'] as const, 'fwmark family') : undefined;
    if (mark !== undefined) (g.entries as unknown[]).push(family ? { fwmark: mark, family } : { fwmark: mark });
    return;
  }
  const range = words[0]!;
  if (!validRange(range.text)) {
    r.diags.error(range.pos, `virtual_server_group: '${range.text}' is not an address, range (a.b.c.d-e) or block (a.b.c.d/nn)`);
    return;
  }
  const port = words[1] ? r.port(words[1], 'virtual_server_group port') : undefined;
  if (words[2]) r.diags.warn(words[2].pos, 'extra words in virtual_server_group entry ignored');
  (g.entries as unknown[]).push(port === undefined ? { range: range.text } : { range: range.text, port });
}

/** keepalived's range forms: a.b.c.d, a.b.c.d-e, a.b.c.d-e.f.g.h, a.b.c.d/nn and the IPv6 equivalents. */
export function validRange(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const addr = text.slice(0, slash);
    const len = Number(text.slice(slash + 1));
    const fam = isIP(addr);
    return fam !== 0 && /^\d+$/.test(text.slice(slash + 1)) && len <= (fam === 4 ? 32 : 128);
  }
  const dash = text.lastIndexOf('-');
  if (dash < 0) return isIP(text) !== 0;
  const lo = text.slice(0, dash);
  const hi = text.slice(dash + 1);
  if (isIPv4(lo)) {
    if (isIPv4(hi)) return true;
    return /^\d{1,3}$/.test(hi) && Number(hi) <= 255 && Number(hi) >= Number(lo.split('.')[3]);
  }
  if (isIPv6(lo)) return isIPv6(hi) || /^[0-9a-fA-F]{1,4}$/.test(hi);
  return false;
}

export function readVirtualServerGroup(r: Reader, s: Statement): VsgIn | undefined {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'virtual_server_group' needs a name");
  const g: VsgIn = { name: name ?? '', entries: [] };
  for (const e of r.requireBlock(s)) vsgEntry(r, e, g);
  return name ? g : undefined;
}

const sslTable: HandlerTable<z.input<typeof SslContext>> = {
  password: (r, s, t) => void (t.password = r.str(s)),
  ca: (r, s, t) => void (t.ca = r.str(s, 'a file')),
  certificate: (r, s, t) => void (t.certificate = r.str(s, 'a file')),
  key: (r, s, t) => void (t.key = r.str(s, 'a file')),
};

export function readSsl(r: Reader, s: Statement): z.input<typeof SslContext> {
  const out: z.input<typeof SslContext> = {};
  r.block(r.requireBlock(s), sslTable, out, 'SSL');
  return out;
}
