import type { Config } from '../config/model.ts';
import type { Script } from '../config/primitives.ts';
import { printLvs } from './print-lvs.ts';
import { printVrrp } from './print-vrrp.ts';

/**
 * Writes the model as keepalived.conf that reads back to the same model.
 * Values equal to keepalived's defaults are left out, as an operator would.
 */
export function printKeepalivedConfig(c: Config): string {
  const w = new Writer();
  w.line('! Configuration written by vigil export');
  printGlobal(w, c);
  for (const o of c.otherBlocks) {
    if (o.body === undefined) w.line(words(o.keyword, ...o.args.map(q)));
    else w.block(words(o.keyword, ...o.args.map(q)), () => o.body!.forEach((l) => w.line(l.trim())));
  }
  printVrrp(w, c);
  printLvs(w, c);
  printVigil(w, c);
  return w.text();
}

export class Writer {
  private readonly out: string[] = [];
  private depth = 0;

  line(s: string): void {
    this.out.push('    '.repeat(this.depth) + s);
  }

  block(head: string, body: () => void): void {
    this.line(head + ' {');
    this.depth++;
    body();
    this.depth--;
    this.line('}');
  }

  /** `keyword value` when the value is set. */
  opt(keyword: string, value: string | number | undefined): void {
    if (value !== undefined) this.line(`${keyword} ${typeof value === 'number' ? value : q(value)}`);
  }

  /** A flag; `dflt` is the value that needs no line (omit it for settings that inherit when unset). */
  flag(keyword: string, on: boolean | undefined, dflt?: boolean): void {
    if (on === undefined || on === dflt) return;
    this.line(on ? keyword : `${keyword} off`);
  }

  timer(keyword: string, ms: number | undefined, dflt?: number): void {
    if (ms !== undefined && ms !== dflt) this.line(`${keyword} ${seconds(ms)}`);
  }

  script(keyword: string, s: Script | undefined): void {
    if (s) this.line(words(keyword, q(s.command), ...(s.user ? [q(s.user)] : []), ...(s.group ? [q(s.group)] : [])));
  }

  passthrough(list: { keyword: string; args: string[]; body?: string[] | undefined }[]): void {
    for (const p of list) {
      if (p.body === undefined) this.line(words(p.keyword, ...p.args.map((a) => q(a))));
      else this.block(words(p.keyword, ...p.args.map((a) => q(a))), () => p.body!.forEach((l) => this.line(l.trim())));
    }
  }

  text(): string {
    return this.out.join('\n') + '\n';
  }
}

export function words(...w: string[]): string {
  return w.filter((x) => x !== '').join(' ');
}

/** Milliseconds back to keepalived's seconds, without float noise (µs resolution). */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(6)));
}

/**
 * A value as one keepalived word: bare when it has no blank, quote, comment
 * character, brace word or `$`, else double-quoted (keepalived has no escape
 * inside quotes, so a value with `"` cannot be written and the model forbids it).
 */
export function q(v: string): string {
  if (v !== '' && /^[^\s"#!$]+$/.test(v) && v !== '{' && v !== '}' && !/^[@~]/.test(v)) return v;
  return `"${v}"`;
}

function printGlobal(w: Writer, c: Config): void {
  const g = c.globalDefs;
  w.block('global_defs', () => {
    w.opt('router_id', g.routerId);
    if (g.notificationEmail.length) w.block('notification_email', () => g.notificationEmail.forEach((e) => w.line(q(e))));
    w.opt('notification_email_from', g.notificationEmailFrom);
    if (g.smtpServer) w.line(words('smtp_server', q(g.smtpServer.host), g.smtpServer.port !== undefined ? String(g.smtpServer.port) : ''));
    w.opt('smtp_helo_name', g.smtpHeloName);
    w.timer('smtp_connect_timeout', g.smtpConnectTimeoutMs);
    w.flag('smtp_alert', g.smtpAlert);
    if (g.scriptUser) w.line(words('script_user', q(g.scriptUser.user), g.scriptUser.group ? q(g.scriptUser.group) : ''));
    w.flag('enable_script_security', g.enableScriptSecurity, false);
    if (g.vrrpVersion !== 2) w.line(`vrrp_version ${g.vrrpVersion}`);
    w.flag('vrrp_strict', g.vrrpStrict, false);
    w.flag('vrrp_skip_check_adv_addr', g.vrrpSkipCheckAdvAddr, false);
    w.opt('vrrp_mcast_group4', g.vrrpMcastGroup4);
    w.opt('vrrp_mcast_group6', g.vrrpMcastGroup6);
    w.timer('vrrp_garp_master_delay', g.vrrpGarpMasterDelayMs, 5000);
    if (g.vrrpGarpMasterRepeat !== 5) w.line(`vrrp_garp_master_repeat ${g.vrrpGarpMasterRepeat}`);
    w.timer('vrrp_garp_master_refresh', g.vrrpGarpMasterRefreshMs, 0);
    if (g.vrrpGarpMasterRefreshRepeat !== 1) w.line(`vrrp_garp_master_refresh_repeat ${g.vrrpGarpMasterRefreshRepeat}`);
    w.timer('vrrp_garp_interval', g.vrrpGarpIntervalMs, 0);
    w.timer('vrrp_gna_interval', g.vrrpGnaIntervalMs, 0);
    w.flag('v3_checksum_as_v2', g.v3ChecksumAsV2, false);
    const fifo = (k: string, f: { path: string; user?: string | undefined; group?: string | undefined } | undefined) => {
      if (f) w.line(words(k, q(f.path), f.user ? q(f.user) : '', f.group ? q(f.group) : ''));
    };
    fifo('notify_fifo', g.notifyFifo);
    w.script('notify_fifo_script', g.notifyFifoScript);
    fifo('vrrp_notify_fifo', g.vrrpNotifyFifo);
    w.script('vrrp_notify_fifo_script', g.vrrpNotifyFifoScript);
    fifo('lvs_notify_fifo', g.lvsNotifyFifo);
    w.script('lvs_notify_fifo_script', g.lvsNotifyFifoScript);
    w.flag('lvs_flush', g.lvsFlush, false);
    w.opt('lvs_flush_on_stop', g.lvsFlushOnStop);
    w.flag('dynamic_interfaces', g.dynamicInterfaces, false);
    w.passthrough(g.passthrough);
  });
  if (c.staticIpaddress.length) w.block('static_ipaddress', () => c.staticIpaddress.forEach((a) => w.line(printAddress(a))));
  if (c.staticRoutes.length) w.block('static_routes', () => c.staticRoutes.forEach((r) => w.line(words(...r.words.map((x) => q(x))))));
  if (c.staticRules.length) w.block('static_rules', () => c.staticRules.forEach((r) => w.line(words(...r.words.map((x) => q(x))))));
  if (c.ssl) {
    const s = c.ssl;
    w.block('SSL', () => {
      w.opt('password', s.password);
      w.opt('ca', s.ca);
      w.opt('certificate', s.certificate);
      w.opt('key', s.key);
    });
  }
}

export function printAddress(a: Config['staticIpaddress'][number]): string {
  return words(a.address, a.broadcast ? `brd ${a.broadcast}` : '', a.dev ? `dev ${q(a.dev)}` : '', a.scope ? `scope ${q(a.scope)}` : '', a.label ? `label ${q(a.label)}` : '', ...a.options.map((o) => q(o)));
}

function printVigil(w: Writer, c: Config): void {
  const v = c.vigil;
  const hasVote = v.vote.quorum !== undefined || v.vote.freshnessIntervals !== 3;
  if (!v.vantagePoints.length && !v.cloudBindings.length && !hasVote) return;
  w.block('vigil', () => {
    for (const vp of v.vantagePoints) {
      w.block(`vantage_point ${q(vp.name)}`, () => {
        w.line(`kind ${vp.kind}`);
        w.opt('region', vp.region);
      });
    }
    if (hasVote) {
      w.block('vote', () => {
        w.opt('quorum', v.vote.quorum);
        if (v.vote.freshnessIntervals !== 3) w.line(`freshness_intervals ${v.vote.freshnessIntervals}`);
      });
    }
    for (const b of v.cloudBindings) {
      w.block(`cloud_binding ${q(b.name)}`, () => {
        w.line(`kind ${b.kind}`);
        w.opt('region', b.region);
        w.opt('allocation_id', b.allocationId);
        w.opt('public_ip', b.publicIp);
        w.opt('address', b.address);
        b.routeTableIds.forEach((id) => w.line(`route_table ${id}`));
        if (!b.preempt) w.line('nopreempt');
        w.timer('lease_ttl', b.leaseTtlMs, 10_000);
        for (const d of b.directors) {
          w.block(`director ${q(d.id)}`, () => {
            if (d.priority !== 100) w.line(`priority ${d.priority}`);
            w.opt('instance_id', d.instanceId);
            w.opt('network_interface_id', d.networkInterfaceId);
            w.opt('private_ip', d.privateIp);
          });
        }
      });
    }
  });
}
