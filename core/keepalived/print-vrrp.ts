import type { Config } from '../config/model.ts';
import type { TrackWeight, VrrpInstance } from '../config/vrrp.ts';
import { printAddress } from './print-global.ts';
import { printTrackProcesses } from './print-track-process.ts';
import { q, seconds, words, type Writer } from './print-writer.ts';

function tracks(w: Writer, keyword: string, list: TrackWeight[]): void {
  if (!list.length) return;
  w.block(keyword, () => {
    for (const t of list) {
      w.line(words(q(t.name), t.weight !== undefined ? `weight ${t.weight}` : '', t.reverse === true ? 'reverse' : t.reverse === false ? 'noreverse' : ''));
    }
  });
}

function notify(w: Writer, n: Pick<VrrpInstance, 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify'>): void {
  w.script('notify_master', n.notifyMaster);
  w.script('notify_backup', n.notifyBackup);
  w.script('notify_fault', n.notifyFault);
  w.script('notify_stop', n.notifyStop);
  w.script('notify', n.notify);
}

export function printVrrp(w: Writer, c: Config): void {
  for (const s of c.vrrpScripts) {
    w.block(`vrrp_script ${q(s.name)}`, () => {
      w.script('script', s.script);
      if (s.intervalMs !== 1000) w.line(`interval ${seconds(s.intervalMs)}`);
      w.timer('timeout', s.timeoutMs);
      if (s.weight !== 0 || s.reverse) w.line(words('weight', String(s.weight), s.reverse ? 'reverse' : ''));
      if (s.rise !== 1) w.line(`rise ${s.rise}`);
      if (s.fall !== 1) w.line(`fall ${s.fall}`);
      if (s.user) w.line(words('user', q(s.user), s.group ? q(s.group) : ''));
      w.flag('init_fail', s.initFail, false);
    });
  }
  for (const f of c.vrrpTrackFiles) {
    w.block(`vrrp_track_file ${q(f.name)}`, () => {
      w.opt('file', f.file);
      if (f.weight !== 1 || f.reverse) w.line(words('weight', String(f.weight), f.reverse ? 'reverse' : ''));
      if (f.initFile) w.line(words('init_file', String(f.initFile.value), f.initFile.overwrite ? 'overwrite' : ''));
    });
  }
  printTrackProcesses(w, c.vrrpTrackProcesses);
  for (const g of c.vrrpSyncGroups) {
    w.block(`vrrp_sync_group ${q(g.name)}`, () => {
      w.block('group', () => g.group.forEach((m) => w.line(q(m))));
      notify(w, g);
      w.flag('smtp_alert', g.smtpAlert);
      w.flag('global_tracking', g.globalTracking, false);
      tracks(w, 'track_interface', g.trackInterface);
      tracks(w, 'track_script', g.trackScript);
      tracks(w, 'track_file', g.trackFile);
      tracks(w, 'track_process', g.trackProcess);
      w.passthrough(g.passthrough);
    });
  }
  for (const vi of c.vrrpInstances) printInstance(w, vi);
}

function printInstance(w: Writer, vi: VrrpInstance): void {
  w.block(`vrrp_instance ${q(vi.name)}`, () => {
    // An owner's state is written either way: left out, keepalived (and the reader) would make it MASTER.
    if (vi.state !== 'BACKUP' || vi.priority === 255) w.line(`state ${vi.state}`);
    w.opt('interface', vi.interface);
    w.line(`virtual_router_id ${vi.virtualRouterId}`);
    w.line(`priority ${vi.priority}`);
    w.timer('advert_int', vi.advertIntMs, 1000);
    w.opt('version', vi.version);
    if (vi.authentication) w.block('authentication', () => {
      w.line(`auth_type ${vi.authentication!.type}`);
      w.line(`auth_pass ${q(vi.authentication!.pass)}`);
    });
    if (vi.virtualIpaddress.length) w.block('virtual_ipaddress', () => vi.virtualIpaddress.forEach((a) => w.line(printAddress(a))));
    if (vi.virtualIpaddressExcluded.length) w.block('virtual_ipaddress_excluded', () => vi.virtualIpaddressExcluded.forEach((a) => w.line(printAddress(a))));
    if (vi.virtualRoutes.length) w.block('virtual_routes', () => vi.virtualRoutes.forEach((r) => w.line(words(...r.words.map(q)))));
    if (vi.virtualRules.length) w.block('virtual_rules', () => vi.virtualRules.forEach((r) => w.line(words(...r.words.map(q)))));
    w.opt('mcast_src_ip', vi.mcastSrcIp);
    w.opt('mcast_dst_ip', vi.mcastDstIp);
    w.opt('unicast_src_ip', vi.unicastSrcIp);
    if (vi.unicastPeers.length) {
      w.block('unicast_peer', () => {
        for (const p of vi.unicastPeers) w.line(words(p.ip, p.minTtl !== undefined ? `min_ttl ${p.minTtl}` : '', p.maxTtl !== undefined ? `max_ttl ${p.maxTtl}` : ''));
      });
    }
    w.opt('unicast_ttl', vi.unicastTtl);
    w.flag('check_unicast_src', vi.checkUnicastSrc, false);
    w.flag('nopreempt', vi.nopreempt, false);
    w.timer('preempt_delay', vi.preemptDelayMs, 0);
    if (vi.accept !== undefined) w.line(vi.accept ? 'accept' : 'no_accept');
    w.flag('dont_track_primary', vi.dontTrackPrimary, false);
    tracks(w, 'track_interface', vi.trackInterface);
    tracks(w, 'track_script', vi.trackScript);
    tracks(w, 'track_file', vi.trackFile);
    tracks(w, 'track_process', vi.trackProcess);
    tracks(w, 'track_bfd', vi.trackBfd);
    notify(w, vi);
    w.script('notify_deleted', vi.notifyDeleted);
    w.script('notify_master_rx_lower_pri', vi.notifyMasterRxLowerPri);
    w.flag('smtp_alert', vi.smtpAlert);
    w.flag('v3_checksum_as_v2', vi.v3ChecksumAsV2);
    w.timer('garp_master_delay', vi.garpMasterDelayMs);
    w.opt('garp_master_repeat', vi.garpMasterRepeat);
    w.timer('garp_master_refresh', vi.garpMasterRefreshMs);
    w.opt('garp_master_refresh_repeat', vi.garpMasterRefreshRepeat);
    w.timer('garp_lower_prio_delay', vi.garpLowerPrioDelayMs);
    w.opt('garp_lower_prio_repeat', vi.garpLowerPrioRepeat);
    w.opt('down_timer_adverts', vi.downTimerAdverts);
    w.flag('skip_check_adv_addr', vi.skipCheckAdvAddr);
    w.flag('strict_mode', vi.strictMode);
    w.flag('lower_prio_no_advert', vi.lowerPrioNoAdvert);
    w.flag('higher_prio_send_advert', vi.higherPrioSendAdvert);
    if (vi.useVmac) w.line(words('use_vmac', ...vi.useVmac.map(q)));
    w.opt('lvs_sync_daemon_interface', vi.lvsSyncDaemonInterface);
    w.passthrough(vi.passthrough);
  });
}
