import type { z } from 'zod';
import type { GlobalDefs } from '../config/global.ts';
import { KEEPALIVED_MAX_US_TIMER_S, passthrough } from './read-vrrp.ts';
import { isIP } from '../config/ip.ts';
import { endOf, type HandlerTable, type Reader } from './reader.ts';
import { readLvsSyncDaemon } from './read-syncd.ts';
import type { Statement } from './tree.ts';

type GdIn = z.input<typeof GlobalDefs> & Record<string, unknown>;

/** global_defs keywords keepalived 2.2-2.4 knows; Vigil carries them without acting on them. */
const GLOBAL_PASSTHROUGH = [
  'tmp_config_directory', 'config_save_dir', 'process_names', 'process_name', 'vrrp_process_name', 'checker_process_name',
  'lvs_process_name', 'bfd_process_name', 'use_symlink_paths', 'set_supplementary_groups', 'startup_script',
  'startup_script_timeout', 'shutdown_script', 'shutdown_script_timeout', 'max_auto_priority', 'min_auto_priority_delay',
  'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures', 'no_email_faults', 'default_interface',
  'disable_local_igmp', 'lvs_timeouts', 'vrrp_min_garp', 'vrrp_garp_extra_if', 'vrrp_vmac_garp_intvl',
  'vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority', 'nftables_ifindex',
  'vrrp_priority', 'vrrp_no_swap', 'vrrp_rt_priority', 'vrrp_cpu_affinity', 'vrrp_rlimit_rttime',
  'vrrp_rlimit_rtime', 'nftables_ipvs', 'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark', 'nftables_counters',
  'vrrp_notify_priority_changes', 'fifo_write_vrrp_states_on_reload', 'checker_priority', 'checker_no_swap',
  'checker_rt_priority', 'checker_cpu_affinity', 'checker_rlimit_rttime', 'checker_rlimit_rtime', 'bfd_priority',
  'bfd_no_swap', 'bfd_rt_priority', 'bfd_cpu_affinity', 'bfd_rlimit_rttime', 'bfd_rlimit_rtime', 'snmp_socket',
  'enable_traps', 'enable_snmp_vrrp', 'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3',
  'enable_snmp_checker', 'snmp_vs_stats_update_interval', 'snmp_rs_stats_update_interval', 'enable_dbus',
  'dbus_service_name', 'dbus_no_interface_name', 'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force',
  'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs',
  'process_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'rs_init_notifies', 'no_checker_emails',
  'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'vrrp_startup_delay', 'vrrp_delay_after_boot', 'log_unknown_vrids',
  'vrrp_owner_ignore_adverts', 'vmac_prefix', 'vmac_addr_prefix', 'umask', 'random_seed', 'reload_check_config',
  'reload_time_file', 'reload_repeat', 'reload_file', 'include_check', 'data_use_instance', 'json_version',
  'iproute_usr_dir', 'iproute_etc_dir', 'state_dump_file', 'stats_dump_file', 'json_dump_file', 'linkbeat_use_polling',
  'net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'use_pid_dir', 'instance', 'child_wait_time',
] as const;

/** `notify_fifo PATH [user [group]]`. */
function fifo(r: Reader, s: Statement): { path: string; user?: string; group?: string } | undefined {
  r.noBlock(s);
  const [p, u, g] = s.args;
  if (!p) {
    r.diags.error(endOf(s), `'${s.keyword.text}' needs a path`);
    return undefined;
  }
  const out: { path: string; user?: string; group?: string } = { path: p.text };
  if (u) out.user = u.text;
  if (g) out.group = g.text.replace(/^:/, '');
  return out;
}

/** A DNS name as a resolver would look it up (letters, digits, `-`, `_`, dots). */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/** vrrp_garp_interval / vrrp_gna_interval: keepalived wants more than 0 (1 µs at least); otherwise it says so and ignores it. */
function garpInterval(r: Reader, s: Statement): number | undefined {
  const w = r.arg(s, 'a time in seconds');
  if (w && /^(\d+(\.\d+)?|\.\d+)$/.test(w.text) && Number(w.text) < 1e-6) {
    r.diags.warn(w.pos, `${s.keyword.text} '${w.text}' is invalid (it must be more than 0); ignored, as keepalived`);
    return undefined;
  }
  return r.timer(w, s.keyword.text, KEEPALIVED_MAX_US_TIMER_S);
}

const globalDefs: HandlerTable<GdIn> = {
  ...passthrough<GdIn>(GLOBAL_PASSTHROUGH),
  router_id: (r, s, t) => void (t.routerId = r.str(s, 'a name')),
  notification_email: (r, s, t) => void (t.notificationEmail = r.requireBlock(s).flatMap((e) => [e.keyword.text, ...e.args.map((a) => a.text)])),
  notification_email_from: (r, s, t) => void (t.notificationEmailFrom = r.str(s, 'an address')),
  smtp_server: (r, s, t) => {
    const host = s.args[0];
    if (!host) r.diags.error(endOf(s), "'smtp_server' needs a host");
    // keepalived takes an address or a resolvable name; anything else it reports and drops.
    else if (!isIP(host.text) && !HOST_NAME.test(host.text)) r.diags.warn(host.pos, `Invalid smtp server ${host.text} ${s.args[1]?.text ?? '25'}; ignored, as keepalived`);
    else t.smtpServer = s.args[1] ? { host: host.text, port: r.int(s.args[1], 1, 65535, 'smtp_server port') } : { host: host.text };
  },
  smtp_helo_name: (r, s, t) => void (t.smtpHeloName = r.str(s, 'a name')),
  smtp_connect_timeout: (r, s, t) => void (t.smtpConnectTimeoutMs = r.secondsArg(s, KEEPALIVED_MAX_US_TIMER_S)),
  smtp_alert: (r, s, t) => void (t.smtpAlert = r.flag(s)),
  script_user: (r, s, t) => {
    // `script_user USER [GROUP]`: the second word is the group, not an extra word.
    r.noBlock(s);
    const u = s.args[0];
    if (!u) r.diags.error(endOf(s), "'script_user' needs a user");
    else if (s.args[2]) r.diags.warn(s.args[2].pos, "extra words after 'script_user USER GROUP' ignored");
    if (u) t.scriptUser = s.args[1] ? { user: u.text, group: s.args[1].text.replace(/^:/, '') } : { user: u.text };
  },
  // keepalived's handler ignores its arguments: even `enable_script_security no` turns it on.
  enable_script_security: (r, s, t) => {
    r.noBlock(s);
    t.enableScriptSecurity = true;
    const w = s.args[0];
    if (w && /^(off|false|no|0)$/i.test(w.text)) r.diags.note(w.pos, `enable_script_security ignores '${w.text}', as keepalived: script security is on`);
  },
  vrrp_version: (r, s, t) => {
    const v = r.intArg(s, 2, 3);
    if (v === 2 || v === 3) t.vrrpVersion = v;
  },
  vrrp_strict: (r, s, t) => void (t.vrrpStrict = r.flag(s)),
  vrrp_lower_prio_no_advert: (r, s, t) => void (t.vrrpLowerPrioNoAdvert = r.flag(s)),
  vrrp_higher_prio_send_advert: (r, s, t) => void (t.vrrpHigherPrioSendAdvert = r.flag(s)),
  vrrp_skip_check_adv_addr: (r, s, t) => void (t.vrrpSkipCheckAdvAddr = r.flag(s)),
  // keepalived's handler takes no argument: present means on.
  vrrp_check_unicast_src: (r, s, t) => void (t.vrrpCheckUnicastSrc = true),
  vrrp_garp_lower_prio_delay: (r, s, t) => void (t.vrrpGarpLowerPrioDelayMs = r.secondsArg(s, KEEPALIVED_MAX_US_TIMER_S)),
  vrrp_garp_lower_prio_repeat: (r, s, t) => void (t.vrrpGarpLowerPrioRepeat = r.intArg(s, 0, 2 ** 31 - 1)),
  vrrp_down_timer_adverts: (r, s, t) => void (t.vrrpDownTimerAdverts = r.intArg(s, 1, 100)),
  vrrp_mcast_group4: (r, s, t) => void (t.vrrpMcastGroup4 = r.ipArg(s)),
  vrrp_mcast_group6: (r, s, t) => void (t.vrrpMcastGroup6 = r.ipArg(s)),
  vrrp_garp_master_delay: (r, s, t) => void (t.vrrpGarpMasterDelayMs = r.secondsArg(s, KEEPALIVED_MAX_US_TIMER_S)),
  vrrp_garp_master_repeat: (r, s, t) => void (t.vrrpGarpMasterRepeat = r.intArg(s, 0, 2 ** 31)),
  vrrp_garp_master_refresh: (r, s, t) => void (t.vrrpGarpMasterRefreshMs = r.secondsArg(s, 2 ** 32 - 1)),
  vrrp_garp_master_refresh_repeat: (r, s, t) => void (t.vrrpGarpMasterRefreshRepeat = r.intArg(s, 0, 2 ** 31)),
  vrrp_garp_interval: (r, s, t) => void (t.vrrpGarpIntervalMs = garpInterval(r, s)),
  vrrp_gna_interval: (r, s, t) => void (t.vrrpGnaIntervalMs = garpInterval(r, s)),
  v3_checksum_as_v2: (r, s, t) => void (t.v3ChecksumAsV2 = r.flag(s)),
  notify_fifo: (r, s, t) => void (t.notifyFifo = fifo(r, s)),
  notify_fifo_script: (r, s, t) => void (t.notifyFifoScript = r.script(s)),
  vrrp_notify_fifo: (r, s, t) => void (t.vrrpNotifyFifo = fifo(r, s)),
  vrrp_notify_fifo_script: (r, s, t) => void (t.vrrpNotifyFifoScript = r.script(s)),
  lvs_notify_fifo: (r, s, t) => void (t.lvsNotifyFifo = fifo(r, s)),
  lvs_notify_fifo_script: (r, s, t) => void (t.lvsNotifyFifoScript = r.script(s)),
  lvs_flush: (r, s, t) => void (t.lvsFlush = r.flag(s)),
  lvs_flush_on_stop: (r, s, t) => void (t.lvsFlushOnStop = s.args[0]?.text ?? 'on'),
  lvs_flush_onstop: (r, s, t) => {
    r.deprecated(s, 'lvs_flush_on_stop');
    t.lvsFlushOnStop = s.args[0]?.text ?? 'on';
  },
  dynamic_interfaces: (r, s, t) => void (t.dynamicInterfaces = r.flag(s)),
  lvs_sync_daemon: readLvsSyncDaemon,
};

export function readGlobalDefs(r: Reader, s: Statement, into: GdIn): void {
  r.block(r.requireBlock(s), globalDefs, into, 'global_defs');
}

/** Root-level keywords (no block) that keepalived accepts outside global_defs. */
export const ROOT_GLOBAL_WORDS = new Set(['linkbeat_use_polling', 'net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'use_pid_dir', 'instance', 'child_wait_time']);
export { globalDefs as globalDefsTable };
