/**
 * From the config model to what the daemon runs: every keepalived default
 * and rule of precedence applied once, so the rest of the shim reads plain
 * values. Pure; returns problems as values.
 */
import type { Config } from '../../core/config/model.ts';
import type { VirtualAddress, VrrpInstance } from '../../core/config/vrrp.ts';
import type { Script } from '../../core/config/primitives.ts';
import { parsePrefix } from '../../core/config/ip.ts';
import { passwordBytes, VRRP_GROUP4, VRRP_GROUP6, type Family, type VrrpVersion } from './codec.ts';
import { wireIntervalMs } from './timers.ts';
import type { ScriptPolicy } from '../../core/check/script-policy.ts';
import { planSyncd, type SyncdPlan } from './syncd.ts';
import { ipRoutesByInstance, type IpRoutes } from './route-plan.ts';
import type { ProcessTrack } from './process-source.ts';
import { planVmac, type VmacPlan } from '../../core/keepalived/use-vmac.ts';

export interface TrackSpec {
  kind: 'interface' | 'script' | 'file' | 'board' | 'process';
  name: string;
  weight: number;
  reverse: boolean;
  /** interface: the interface; file: the path; script: the command; board: the track_board's name; process: the process name. */
  target: string;
  intervalMs?: number;
  timeoutMs?: number;
  rise?: number;
  fall?: number;
  initFail?: boolean;
  user?: string;
  group?: string;
  /** process: the vrrp_track_process. */
  process?: ProcessTrack;
  /** interface: also require this MAC (a use_vmac macvlan, so a foreign interface of that name is not taken for it). */
  mac?: string;
}

export interface NotifyScripts {
  master?: Script;
  backup?: Script;
  fault?: Script;
  stop?: Script;
  any?: Script;
  masterRxLowerPri?: Script;
}

export interface InstancePlan {
  name: string;
  ifname: string;
  family: Family;
  version: VrrpVersion;
  vrid: number;
  advertIntMs: number;
  basePriority: number;
  initialState: 'MASTER' | 'BACKUP';
  nopreempt: boolean;
  preemptDelayMs: number;
  authType: 0 | 1;
  authData: Buffer;
  /** Sent in adverts and added when master. */
  addresses: VirtualAddress[];
  /** virtual_ipaddress_excluded: added when master, never advertised. */
  excludedAddresses: VirtualAddress[];
  /** virtual_routes and virtual_rules: added when master, after the addresses (route-plan.ts). */
  ipRoutes: IpRoutes;
  sourceAddress?: string;
  destination: string;
  unicastPeers: VrrpInstance['unicastPeers'];
  checkUnicastSrc: boolean;
  v3ChecksumAsV2: boolean;
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  /**
   * keepalived's accept mode: false makes a non-owner master drop traffic to
   * its virtual addresses (a firewall rule, see accept-firewall.ts), as RFC
   * 5798 asks and vrrp_strict implies.
   */
  accept: boolean;
  garp: { delayMs: number; repeat: number; refreshMs: number; refreshRepeat: number; lowerPrioDelayMs: number; lowerPrioRepeat: number };
  tracks: TrackSpec[];
  notify: NotifyScripts;
  syncGroup?: string;
  /** use_vmac: the macvlan (vmac.ts); `ifname` is then the macvlan, where the addresses go. */
  vmac?: VmacPlan;
}

export interface GroupPlan {
  name: string;
  members: string[];
  notify: NotifyScripts;
}

export interface VrrpPlan {
  instances: InstancePlan[];
  groups: GroupPlan[];
  notifyFifos: string[];
  /** script_user and enable_script_security: every notify and track script runs under them (prepareScript). */
  scriptPolicy: ScriptPolicy;
  /** static_routes / static_rules: on from start to stop, whatever the instances do (static-ip-routes.ts). */
  staticIpRoutes: IpRoutes;
  /** static_ipaddress: on from start to stop (static-addresses.ts). */
  staticAddresses: VirtualAddress[];
  problems: string[];
  /** lvs_sync_daemon: the instance the IPVS sync daemons follow (shim/vrrp/syncd.ts). */
  syncd: SyncdPlan | null;
}

const notifyOf = (x: Pick<VrrpInstance, 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify'>): NotifyScripts => ({
  master: x.notifyMaster,
  backup: x.notifyBackup,
  fault: x.notifyFault,
  stop: x.notifyStop,
  any: x.notify,
});

function familyOfAddresses(list: VirtualAddress[]): Family | null {
  const first = list[0] ? parsePrefix(list[0].address) : null;
  return first ? first.family : null;
}

/** What planning needs to know of this host: whether an interface can multicast (keepalived refuses unicast peers under vrrp_strict there). */
export interface PlanHost {
  multicast(ifname: string): boolean;
}

export function planVrrp(config: Config, host?: PlanHost): VrrpPlan {
  const problems: string[] = [];
  const g = config.globalDefs;
  const groupOf = new Map<string, string>();
  for (const sg of config.vrrpSyncGroups) for (const m of sg.group) groupOf.set(m, sg.name);
  const scripts = new Map(config.vrrpScripts.map((s) => [s.name, s]));
  const files = new Map(config.vrrpTrackFiles.map((f) => [f.name, f]));
  // keepalived finds a vrrp_track_process by name in file order: the first of a name counts.
  const processes = new Map(config.vrrpTrackProcesses.toReversed().map((p) => [p.name, p]));
  const syncTracks = new Map(config.vrrpSyncGroups.map((sg) => [sg.name, sg]));
  const owners = new Set(config.vrrpInstances.filter((v) => v.priority === 255).map((v) => v.name));
  const ownerGroups = new Set(config.vrrpSyncGroups.filter((sg) => sg.group.some((m) => owners.has(m))).map((sg) => sg.name));

  const instances: InstancePlan[] = [];
  const ipRoutes = ipRoutesByInstance(config.vrrpInstances, { routes: config.staticRoutes, rules: config.staticRules });
  problems.push(...ipRoutes.problems);
  for (const a of config.staticIpaddress) if (!a.dev) problems.push(`static_ipaddress ${a.address}: no dev (the shim needs the interface to put it on)`);
  if (!config.vrrpInstances.length && (config.staticRoutes.length || config.staticRules.length || config.staticIpaddress.length)) {
    problems.push('static_ipaddress / static_routes / static_rules need a vrrp_instance: the shim keeps them on its VRRP side');
  }
  const vmacNames = new Map<string, string>();
  const vmacPrefix = g.passthrough.find((e) => e.keyword === 'vmac_prefix')?.args[0];
  for (const vi of config.vrrpInstances) {
    const where = `vrrp_instance ${vi.name}`;
    if (!vi.interface) {
      problems.push(`${where}: no interface`);
      continue;
    }
    const family = familyOfAddresses(vi.virtualIpaddress) ?? (vi.unicastSrcIp && vi.unicastSrcIp.includes(':') ? 6 : 4);
    if (vi.virtualIpaddress.some((a) => parsePrefix(a.address)?.family !== family)) {
      problems.push(`${where}: IPv4 and IPv6 virtual addresses mixed (keepalived needs one family per instance)`);
      continue;
    }
    const version: VrrpVersion = family === 6 ? 3 : (vi.version ?? g.vrrpVersion);
    // keepalived's vrrp_strict (vrrp.c): authentication ignored, the initial state follows address ownership, no preempt_delay.
    const strict = vi.strictMode ?? g.vrrpStrict;
    if (!strict && vi.authentication?.type === 'AH') {
      problems.push(`${where}: auth_type AH is not supported by Vigil; use PASS or none`);
      continue;
    }
    if (vi.virtualIpaddress.length === 0 && (version === 3 || strict)) {
      problems.push(`${where}: No VIP specified; at least one is required (keepalived drops this instance; vigil shim refuses to start)`);
      continue;
    }
    if (strict && vi.unicastPeers.length && (host?.multicast(vi.interface) ?? true)) {
      problems.push(`${where}: Unicast peers are not supported in strict mode on ${vi.interface}, which can multicast (keepalived drops this instance; vigil shim refuses to start)`);
      continue;
    }
    const pass = !strict && version === 2 && vi.authentication?.type === 'PASS';
    const initialState = strict ? (vi.priority === 255 ? 'MASTER' : 'BACKUP') : vi.state;
    // keepalived clears these with initial state MASTER ("will not work with initial state MASTER").
    const nopreempt = initialState === 'MASTER' ? false : vi.nopreempt;
    const preemptDelayMs = initialState === 'MASTER' || strict ? 0 : vi.preemptDelayMs;
    const sg = groupOf.get(vi.name);
    const sgTracks = sg ? syncTracks.get(sg) : undefined;

    const tracks: TrackSpec[] = [];
    if (!vi.dontTrackPrimary) tracks.push({ kind: 'interface', name: vi.interface, target: vi.interface, weight: 0, reverse: false });
    for (const t of [...vi.trackInterface, ...(sgTracks?.trackInterface ?? [])]) {
      tracks.push({ kind: 'interface', name: t.name, target: t.name, weight: t.weight ?? 0, reverse: t.reverse ?? false });
    }
    for (const t of [...vi.trackScript, ...(sgTracks?.trackScript ?? [])]) {
      const s = scripts.get(t.name);
      if (!s) {
        problems.push(`${where}: track_script ${t.name} is not a vrrp_script`);
        continue;
      }
      tracks.push({
        kind: 'script',
        name: t.name,
        target: s.script.command,
        weight: t.weight ?? s.weight,
        reverse: t.reverse ?? s.reverse,
        intervalMs: s.intervalMs,
        timeoutMs: s.timeoutMs ?? s.intervalMs,
        rise: s.rise,
        fall: s.fall,
        initFail: s.initFail,
        // script_user applies through the policy (scriptRunAs), as for every other script.
        user: s.user ?? s.script.user,
        group: s.user !== undefined ? s.group : s.script.group,
      });
    }
    for (const t of [...vi.trackFile, ...(sgTracks?.trackFile ?? [])]) {
      const f = files.get(t.name);
      if (!f) {
        problems.push(`${where}: track_file ${t.name} is not a vrrp_track_file`);
        continue;
      }
      tracks.push({ kind: 'file', name: t.name, target: f.file, weight: t.weight ?? f.weight, reverse: t.reverse ?? f.reverse });
    }
    for (const [t, fromGroup] of [...vi.trackProcess.map((x) => [x, false] as const), ...(sgTracks?.trackProcess ?? []).map((x) => [x, true] as const)]) {
      const p = processes.get(t.name);
      if (!p) {
        problems.push(`${where}: track_process ${t.name} is not a vrrp_track_process`);
        continue;
      }
      const { weight, reverse, ...process } = p;
      // keepalived: a sync group's weighted tracker is unweighted when a member owns its addresses.
      const w = fromGroup && sg && ownerGroups.has(sg) ? 0 : (t.weight ?? weight);
      // keepalived: tracked by the instance and its sync group, it takes the group's weight unless the instance's is 0.
      const mine = fromGroup ? tracks.find((x) => x.kind === 'process' && x.name === t.name) : undefined;
      if (mine) mine.weight = mine.weight === 0 ? 0 : w;
      else tracks.push({ kind: 'process', name: t.name, target: p.process, weight: w, reverse: t.reverse ?? reverse, process });
    }
    // track_board names its instances inside vigil { }, so keepalived reads the same file unchanged.
    for (const tb of config.vigil.trackBoards) {
      const link = tb.instances.find((i) => i.name === vi.name);
      if (link) tracks.push({ kind: 'board', name: tb.name, target: tb.name, weight: link.weight ?? tb.weight, reverse: link.reverse ?? tb.reverse });
    }

    const unicast = vi.unicastPeers.length > 0;
    const vm = planVmac(vi, vi.interface, family, { prefix: vmacPrefix, strict, unicast, taken: vmacNames });
    // keepalived tracks the macvlan as well as the interface under it.
    if (vm && !vi.dontTrackPrimary) tracks.push({ kind: 'interface', name: vm.vmac.name, target: vm.vmac.name, weight: 0, reverse: false, mac: vm.vmac.mac });
    instances.push({
      name: vi.name,
      ifname: vm?.vmac.name ?? vi.interface,
      family,
      version,
      vrid: vi.virtualRouterId,
      advertIntMs: wireIntervalMs(version, vi.advertIntMs),
      basePriority: vi.priority,
      initialState,
      nopreempt,
      preemptDelayMs,
      authType: pass ? 1 : 0,
      authData: pass ? passwordBytes(vi.authentication!.pass) : Buffer.alloc(8),
      addresses: vm?.addresses ?? vi.virtualIpaddress,
      excludedAddresses: vm?.excludedAddresses ?? vi.virtualIpaddressExcluded,
      ipRoutes: ipRoutes.byName.get(vi.name)!,
      sourceAddress: unicast ? (vi.unicastSrcIp ?? vi.mcastSrcIp) : (vi.mcastSrcIp ?? vi.unicastSrcIp),
      destination: unicast ? vi.unicastPeers[0]!.ip : (vi.mcastDstIp ?? (family === 4 ? (g.vrrpMcastGroup4 ?? VRRP_GROUP4) : (g.vrrpMcastGroup6 ?? VRRP_GROUP6))),
      unicastPeers: vi.unicastPeers,
      checkUnicastSrc: vi.checkUnicastSrc || (g.vrrpCheckUnicastSrc ?? false),
      v3ChecksumAsV2: vi.v3ChecksumAsV2 ?? g.v3ChecksumAsV2,
      downTimerAdverts: strict ? 3 : (vi.downTimerAdverts ?? g.vrrpDownTimerAdverts ?? 3),
      lowerPrioNoAdvert: strict || (vi.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? false),
      higherPrioSendAdvert: !strict && (vi.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false),
      accept: vi.priority === 255 || (strict ? version === 3 && vi.accept === true : (vi.accept ?? true)),
      garp: {
        delayMs: vi.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs,
        repeat: vi.garpMasterRepeat ?? g.vrrpGarpMasterRepeat,
        refreshMs: vi.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs,
        refreshRepeat: vi.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
        // keepalived: unset lower-priority values take the master values; vrrp_strict allows none.
        lowerPrioDelayMs: strict ? 0 : (vi.garpLowerPrioDelayMs ?? g.vrrpGarpLowerPrioDelayMs ?? vi.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs),
        lowerPrioRepeat: strict ? 0 : (vi.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? vi.garpMasterRepeat ?? g.vrrpGarpMasterRepeat),
      },
      tracks,
      notify: { ...notifyOf(vi), masterRxLowerPri: vi.notifyMasterRxLowerPri },
      syncGroup: sg,
      vmac: vm?.vmac,
    });
  }
  const names = new Set(instances.map((i) => i.name));
  const groups: GroupPlan[] = config.vrrpSyncGroups.map((sg) => ({
    name: sg.name,
    members: sg.group.filter((m) => names.has(m)),
    notify: notifyOf(sg),
  }));
  const notifyFifos = [g.notifyFifo?.path, g.vrrpNotifyFifo?.path].filter((p): p is string => !!p);
  return { instances, groups, notifyFifos, scriptPolicy: { scriptUser: g.scriptUser, enableScriptSecurity: g.enableScriptSecurity }, staticIpRoutes: ipRoutes.statics, staticAddresses: config.staticIpaddress, problems, syncd: planSyncd(config) };
}
