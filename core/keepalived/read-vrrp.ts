import type { z } from 'zod';
import type { TrackWeight, VrrpInstance, VrrpScript, VrrpSyncGroup, VrrpTrackFile } from '../config/vrrp.ts';
import { readAddress, readRoute, readRule } from './read-addresses.ts';
import type { z as zod } from 'zod';
import type { PassthroughEntry as PassthroughEntrySchema } from '../config/primitives.ts';
import { endOf, statementLines, type HandlerTable, type Reader } from './reader.ts';

type PassthroughEntry = zod.infer<typeof PassthroughEntrySchema>;
import type { Statement } from './tree.ts';

type ViIn = z.input<typeof VrrpInstance> & Record<string, unknown>;
type SgIn = z.input<typeof VrrpSyncGroup> & Record<string, unknown>;

/** Keywords keepalived's vrrp_instance knows that Vigil carries without acting on them. */
/** keepalived's timers kept in µs in an unsigned int: UINT_MAX / TIMER_HZ seconds. */
export const KEEPALIVED_MAX_US_TIMER_S = Math.floor((2 ** 32 - 1) / 1e6);

const INSTANCE_PASSTHROUGH = [
  'use_vmac_addr', 'vmac_xmit_base', 'use_ipvlan', 'unicast_fault_no_peer', 'old_unicast_checksum', 'native_ipv6', 'vrf',
  'track_src_ip', 'no_virtual_ipaddress', 'promote_secondaries', 'linkbeat_use_polling', 'debug', 'notify_priority_changes',
  'garp_extra_if', 'vmac_garp_intvl', 'owner_ignore_adverts',
  'kernel_rx_buf_size', 'timer_expired_backup', 'thread_timer_expired', 'auth_hmac',
];

/** `name [weight N [reverse|noreverse]]` lines of track_* blocks. */
function trackList(r: Reader, s: Statement, max: number): TrackWeight[] {
  const out: TrackWeight[] = [];
  for (const e of r.requireBlock(s)) {
    const t: TrackWeight = { name: e.keyword.text };
    const a = e.args;
    for (let i = 0; i < a.length; i++) {
      if (a[i]!.text === 'weight') {
        t.weight = r.int(a[++i], -max, max, `${s.keyword.text} weight`);
        if (!a[i]) r.diags.error(a[i - 1]!.pos, "'weight' needs a number");
      } else if (a[i]!.text === 'reverse') t.reverse = true;
      else if (a[i]!.text === 'noreverse') t.reverse = false;
      else r.diags.error(a[i]!.pos, `${s.keyword.text}: unexpected '${a[i]!.text}' (expected weight N [reverse])`);
    }
    out.push(t);
  }
  return out;
}

const notify: HandlerTable<ViIn | SgIn> = {
  notify_master: (r, s, t) => void (t.notifyMaster = r.script(s)),
  notify_backup: (r, s, t) => void (t.notifyBackup = r.script(s)),
  notify_fault: (r, s, t) => void (t.notifyFault = r.script(s)),
  notify_stop: (r, s, t) => void (t.notifyStop = r.script(s)),
  notify: (r, s, t) => void (t.notify = r.script(s)),
  smtp_alert: (r, s, t) => void (t.smtpAlert = r.flag(s)),
  track_interface: (r, s, t) => void (t.trackInterface = trackList(r, s, 253)),
  track_script: (r, s, t) => void (t.trackScript = trackList(r, s, 253)),
  track_file: (r, s, t) => void (t.trackFile = trackList(r, s, 254)),
};

export function passthrough<T extends { passthrough?: PassthroughEntry[] }>(keywords: readonly string[]): HandlerTable<T> {
  return Object.fromEntries(
    keywords.map((k) => [
      k,
      (_r: Reader, s: Statement, t: T) => {
        const e: PassthroughEntry = { keyword: k, args: s.args.map((a) => a.text) };
        if (s.block) e.body = s.block.flatMap((b) => statementLines(b));
        (t.passthrough ??= []).push(e);
      },
    ]),
  );
}

const instance: HandlerTable<ViIn> = {
  ...(notify as HandlerTable<ViIn>),
  ...passthrough(INSTANCE_PASSTHROUGH),
  state: (r, s, t) => void (t.state = r.oneOf(r.arg(s), ['MASTER', 'BACKUP'] as const, 'state', true)),
  interface: (r, s, t) => void (t.interface = r.str(s, 'an interface name')),
  virtual_router_id: (r, s, t) => void (t.virtualRouterId = r.intArg(s, 1, 255) ?? 0),
  priority: (r, s, t) => void (t.priority = r.intArg(s, 1, 255)),
  advert_int: (r, s, t) => void (t.advertIntMs = r.timerArg(s, 255)),
  version: (r, s, t) => {
    const v = r.intArg(s, 2, 3);
    if (v === 2 || v === 3) t.version = v;
  },
  authentication: (r, s, t) => {
    const auth: { type?: 'PASS' | 'AH'; pass?: string } = {};
    r.block(r.requireBlock(s), {
      auth_type: (r2, s2, a) => void (a.type = r2.oneOf(r2.arg(s2), ['PASS', 'AH'] as const, 'auth_type', true)),
      auth_pass: (r2, s2, a) => {
        a.pass = r2.str(s2, 'a password');
        if (a.pass && a.pass.length > 8) r2.diags.warn(s2.args[0]!.pos, 'auth_pass: only the first 8 characters are used');
      },
    }, auth, 'authentication');
    if (!auth.type || !auth.pass) r.diags.error(s.keyword.pos, 'authentication needs auth_type and auth_pass');
    else t.authentication = { type: auth.type, pass: auth.pass };
  },
  virtual_ipaddress: (r, s, t) => void (t.virtualIpaddress = r.requireBlock(s).map((e) => readAddress(r, e)).filter((a) => a !== undefined)),
  virtual_ipaddress_excluded: (r, s, t) => void (t.virtualIpaddressExcluded = r.requireBlock(s).map((e) => readAddress(r, e)).filter((a) => a !== undefined)),
  virtual_routes: (r, s, t) => void (t.virtualRoutes = r.requireBlock(s).map((e) => readRoute(r, e, 'virtual_routes')).filter((w) => w !== undefined).map((words) => ({ words }))),
  virtual_rules: (r, s, t) => void (t.virtualRules = r.requireBlock(s).map((e) => readRule(r, e, 'virtual_rules')).filter((w) => w !== undefined).map((words) => ({ words }))),
  mcast_src_ip: (r, s, t) => void (t.mcastSrcIp = r.ipArg(s)),
  mcast_dst_ip: (r, s, t) => void (t.mcastDstIp = r.ipArg(s)),
  unicast_src_ip: (r, s, t) => void (t.unicastSrcIp = r.ipMaskStripped(r.arg(s, 'an address'), 'unicast_src_ip')),
  unicast_peer: (r, s, t) => {
    const peers: { ip: string; minTtl?: number; maxTtl?: number }[] = [];
    for (const e of r.requireBlock(s)) {
      const ip = r.ipMaskStripped(e.keyword, 'unicast_peer');
      const p: { ip: string; minTtl?: number; maxTtl?: number } = { ip: ip ?? '' };
      for (let i = 0; i < e.args.length; i++) {
        const w = e.args[i]!;
        if (w.text === 'min_ttl') p.minTtl = r.int(e.args[++i], 0, 255, 'min_ttl');
        else if (w.text === 'max_ttl') p.maxTtl = r.int(e.args[++i], 0, 255, 'max_ttl');
        else r.diags.error(w.pos, `unicast_peer: unexpected '${w.text}'`);
      }
      if (ip) peers.push(p);
    }
    t.unicastPeers = peers;
  },
  unicast_ttl: (r, s, t) => void (t.unicastTtl = r.intArg(s, 0, 255)),
  check_unicast_src: (r, s, t) => void (t.checkUnicastSrc = r.flag(s)),
  nopreempt: (r, s, t) => void (t.nopreempt = r.flag(s)),
  preempt: (r, s, t) => void (t.nopreempt = !r.flag(s)),
  preempt_delay: (r, s, t) => void (t.preemptDelayMs = r.timerArg(s, 1000)),
  accept: (r, s, t) => void (t.accept = r.flag(s)),
  no_accept: (r, s, t) => void (t.accept = !r.flag(s)),
  dont_track_primary: (r, s, t) => void (t.dontTrackPrimary = r.flag(s)),
  track_process: (r, s, t) => void (t.trackProcess = trackList(r, s, 254)),
  track_bfd: (r, s, t) => void (t.trackBfd = trackList(r, s, 253)),
  notify_deleted: (r, s, t) => void (t.notifyDeleted = r.script(s)),
  notify_master_rx_lower_pri: (r, s, t) => void (t.notifyMasterRxLowerPri = r.script(s)),
  v3_checksum_as_v2: (r, s, t) => void (t.v3ChecksumAsV2 = r.flag(s)),
  // keepalived's ranges: garp_master_delay 0..4294 s (UINT_MAX µs), garp_master_refresh 0..UINT_MAX s.
  garp_master_delay: (r, s, t) => void (t.garpMasterDelayMs = r.secondsArg(s, KEEPALIVED_MAX_US_TIMER_S)),
  garp_master_repeat: (r, s, t) => void (t.garpMasterRepeat = r.intArg(s, 0, 2 ** 31)),
  garp_master_refresh: (r, s, t) => void (t.garpMasterRefreshMs = r.secondsArg(s, 2 ** 32 - 1)),
  garp_master_refresh_repeat: (r, s, t) => void (t.garpMasterRefreshRepeat = r.intArg(s, 0, 2 ** 31)),
  garp_lower_prio_delay: (r, s, t) => void (t.garpLowerPrioDelayMs = r.timerArg(s)),
  garp_lower_prio_repeat: (r, s, t) => void (t.garpLowerPrioRepeat = r.intArg(s, 0, 2 ** 31)),
  down_timer_adverts: (r, s, t) => void (t.downTimerAdverts = r.intArg(s, 1, 100)),
  skip_check_adv_addr: (r, s, t) => void (t.skipCheckAdvAddr = r.flag(s)),
  strict_mode: (r, s, t) => void (t.strictMode = r.flag(s)),
  lower_prio_no_advert: (r, s, t) => void (t.lowerPrioNoAdvert = r.flag(s)),
  higher_prio_send_advert: (r, s, t) => void (t.higherPrioSendAdvert = r.flag(s)),
  use_vmac: (r, s, t) => void (t.useVmac = s.args.map((a) => a.text)),
  lvs_sync_daemon_interface: (r, s, t) => {
    r.deprecated(s, 'global_defs lvs_sync_daemon');
    t.lvsSyncDaemonInterface = r.str(s, 'an interface');
  },
};

export function readVrrpInstance(r: Reader, s: Statement): ViIn | undefined {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'vrrp_instance' needs a name");
  const vi: ViIn = { name: name ?? '', virtualRouterId: 0 };
  r.block(r.requireBlock(s), instance, vi, 'vrrp_instance');
  // keepalived derives what is not written (vrrp.c): no priority is 255 for state MASTER, no state is MASTER for an owner.
  if (vi.priority === undefined && vi.state === 'MASTER') vi.priority = 255;
  else if (vi.state === undefined && vi.priority === 255) vi.state = 'MASTER';
  if (!vi.virtualRouterId) {
    r.diags.error(s.keyword.pos, `vrrp_instance ${name ?? ''} has no virtual_router_id`);
    return undefined;
  }
  if (vi.version !== 3 && vi.advertIntMs !== undefined && vi.advertIntMs % 1000 !== 0) {
    r.diags.warn(s.keyword.pos, `vrrp_instance ${name}: VRRPv2 advertises whole seconds; advert_int ${vi.advertIntMs / 1000} is rounded`);
  }
  if (vi.priority === 255 && vi.nopreempt) r.diags.warn(s.keyword.pos, `vrrp_instance ${name}: nopreempt has no effect with priority 255 (address owner)`);
  return name ? vi : undefined;
}

const syncGroup: HandlerTable<SgIn> = {
  ...(notify as HandlerTable<SgIn>),
  ...passthrough(['track_bfd', 'sync_group_tracking_weight', 'notify_priority_changes']),
  group: (r, s, t) => void (t.group = r.requireBlock(s).map((e) => e.keyword.text)),
  global_tracking: (r, s, t) => void (t.globalTracking = r.flag(s)),
  track_process: (r, s, t) => void (t.trackProcess = trackList(r, s, 254)),
};

export function readSyncGroup(r: Reader, s: Statement, knownInstanceNames: Set<string>): SgIn | undefined {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'vrrp_sync_group' needs a name");
  const g: SgIn = { name: name ?? '', group: [] };
  for (const e of r.requireBlock(s)) {
    // Old form: instance names listed straight in the block.
    if (!(e.keyword.text in syncGroup) && !e.block && e.args.length === 0 && knownInstanceNames.has(e.keyword.text)) {
      r.diags.warn(e.keyword.pos, `instance '${e.keyword.text}' listed outside 'group { }'; write it inside group { }`);
      (g.group as string[]).push(e.keyword.text);
    } else r.block([e], syncGroup, g, 'vrrp_sync_group');
  }
  return name ? g : undefined;
}

const script: HandlerTable<z.input<typeof VrrpScript> & Record<string, unknown>> = {
  script: (r, s, t) => {
    const sc = r.script(s);
    if (sc) t.script = sc;
  },
  interval: (r, s, t) => void (t.intervalMs = r.timerArg(s)),
  timeout: (r, s, t) => void (t.timeoutMs = r.timerArg(s)),
  weight: (r, s, t) => {
    t.weight = r.int(s.args[0], -253, 253, 'weight');
    if (!s.args[0]) r.diags.error(endOf(s), "'weight' needs a number");
    if (s.args[1]) t.reverse = r.oneOf(s.args[1], ['reverse', 'noreverse'] as const, 'weight option') === 'reverse';
  },
  rise: (r, s, t) => void (t.rise = r.intArg(s, 1, 2 ** 31)),
  fall: (r, s, t) => void (t.fall = r.intArg(s, 1, 2 ** 31)),
  user: (r, s, t) => {
    t.user = r.arg(s, 'a user')?.text;
    if (s.args[1]) t.group = s.args[1].text.replace(/^:/, '');
  },
  init_fail: (r, s, t) => void (t.initFail = r.flag(s)),
};

export function readVrrpScript(r: Reader, s: Statement): z.input<typeof VrrpScript> | undefined {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'vrrp_script' needs a name");
  const out = { name: name ?? '' } as z.input<typeof VrrpScript> & Record<string, unknown>;
  r.block(r.requireBlock(s), script, out, 'vrrp_script');
  if (!out.script) {
    // keepalived ignores such a script (e.g. when every `script` line is conditional on another config id).
    r.diags.warn(s.keyword.pos, `vrrp_script ${name ?? ''} has no script; ignored`);
    return undefined;
  }
  return name ? out : undefined;
}

const trackFile: HandlerTable<z.input<typeof VrrpTrackFile> & Record<string, unknown>> = {
  file: (r, s, t) => void (t.file = r.str(s, 'a path') ?? ''),
  weight: (r, s, t) => {
    t.weight = r.int(s.args[0], -254, 254, 'weight');
    if (s.args[1]) t.reverse = r.oneOf(s.args[1], ['reverse', 'noreverse'] as const, 'weight option') === 'reverse';
  },
  init_file: (r, s, t) => {
    let value = 0;
    let overwrite = false;
    for (const a of s.args) {
      if (a.text === 'overwrite') overwrite = true;
      else value = r.int(a, -2147483648, 2147483647, 'init_file value') ?? 0;
    }
    t.initFile = { value, overwrite };
  },
};

export function readTrackFile(r: Reader, s: Statement): z.input<typeof VrrpTrackFile> | undefined {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'vrrp_track_file' needs a name");
  const out = { name: name ?? '', file: '' } as z.input<typeof VrrpTrackFile> & Record<string, unknown>;
  r.block(r.requireBlock(s), trackFile, out, 'vrrp_track_file');
  if (!out.file) {
    r.diags.error(s.keyword.pos, `vrrp_track_file ${name ?? ''} has no file`);
    return undefined;
  }
  return name ? out : undefined;
}
