import type { Config } from '../config/model.ts';
import { q, words, type Writer } from './print-writer.ts';

/** global_defs, then the static addresses, routes and rules and the SSL block. */
export function printGlobal(w: Writer, c: Config): void {
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
    w.flag('vrrp_lower_prio_no_advert', g.vrrpLowerPrioNoAdvert);
    w.flag('vrrp_higher_prio_send_advert', g.vrrpHigherPrioSendAdvert);
    if (g.vrrpCheckUnicastSrc) w.line('vrrp_check_unicast_src');
    w.timer('vrrp_garp_lower_prio_delay', g.vrrpGarpLowerPrioDelayMs);
    w.opt('vrrp_garp_lower_prio_repeat', g.vrrpGarpLowerPrioRepeat);
    w.opt('vrrp_down_timer_adverts', g.vrrpDownTimerAdverts);
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
    const sd = g.lvsSyncDaemon;
    if (sd) w.line(words('lvs_sync_daemon', q(sd.interface), sd.instance ? `inst ${q(sd.instance)}` : '', ...(['syncId', 'maxlen', 'port', 'ttl', 'group'] as const).map((k) => (sd[k] !== undefined ? `${k === 'syncId' ? 'id' : k} ${sd[k]}` : ''))));
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

/** One static_ipaddress / virtual_ipaddress line. */
export function printAddress(a: Config['staticIpaddress'][number]): string {
  return words(a.address, a.broadcast ? `brd ${a.broadcast}` : '', a.dev ? `dev ${q(a.dev)}` : '', a.scope ? `scope ${q(a.scope)}` : '', a.label ? `label ${q(a.label)}` : '', ...a.options.map((o) => q(o)));
}
