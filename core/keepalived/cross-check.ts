import type { Config } from '../config/model.ts';
import { quorumShortfalls, type PlanOptions } from '../vote/quorum-plan.ts';
import { boardTrackProblems } from '../vote/board-target.ts';
import type { Diagnostics, Origins, Pos } from './diagnostics.ts';
import { trackBoardOrigins } from './read-track-board.ts';
import { syncGroupOwnerWeights } from './read-track-process.ts';
import { useVmacNotices } from './use-vmac.ts';

/** The Origins key under which a virtual server's real_server lines are kept, in order. */
export const realServerOrigins = (vsIndex: number) => `virtualServers.${vsIndex}.realServers`;

/** Checks across blocks (names that refer to other blocks, the vote plan), as keepalived makes them after reading. */
export function crossCheck(c: Config, origins: Origins, diags: Diagnostics, opts: PlanOptions = {}): void {
  const at = (coll: string, i: number): Pos => origins[coll]?.[i] ?? { file: '?', line: 1, col: 1 };
  const groups = new Set(c.virtualServerGroups.map((g) => g.name));
  c.virtualServers.forEach((vs, i) => {
    if (vs.group !== undefined && !groups.has(vs.group)) diags.error(at('virtualServers', i), `virtual_server group '${vs.group}' is not defined`);
  });
  dupes(c.vrrpInstances.map((v) => v.name), (i, n) => diags.error(at('vrrpInstances', i), `vrrp_instance ${n} is defined twice`));
  dupes(c.vrrpScripts.map((v) => v.name), (i, n) => diags.error(at('vrrpScripts', i), `vrrp_script ${n} is defined twice`));
  dupes(c.virtualServerGroups.map((v) => v.name), (i, n) => diags.error(at('virtualServerGroups', i), `virtual_server_group ${n} is defined twice`));

  const instances = new Set(c.vrrpInstances.map((v) => v.name));
  const scripts = new Set(c.vrrpScripts.map((v) => v.name));
  const files = new Set(c.vrrpTrackFiles.map((v) => v.name));
  const inGroup = new Map<string, string>();
  c.vrrpSyncGroups.forEach((g, i) => {
    for (const m of g.group) {
      if (!instances.has(m)) diags.warn(at('vrrpSyncGroups', i), `vrrp_sync_group ${g.name}: instance '${m}' does not exist; ignored`);
      const prev = inGroup.get(m);
      if (prev) diags.error(at('vrrpSyncGroups', i), `instance '${m}' is in sync groups ${prev} and ${g.name}`);
      inGroup.set(m, g.name);
    }
  });
  const seenVrid = new Map<string, string>();
  const vmacNames = new Map<string, string>();
  const vmacPrefix = c.globalDefs.passthrough.find((e) => e.keyword === 'vmac_prefix')?.args[0];
  c.vrrpInstances.forEach((vi, i) => {
    for (const t of vi.trackScript) if (!scripts.has(t.name)) diags.warn(at('vrrpInstances', i), `vrrp_instance ${vi.name}: track_script '${t.name}' is not a vrrp_script; ignored`);
    for (const t of vi.trackFile) if (!files.has(t.name)) diags.warn(at('vrrpInstances', i), `vrrp_instance ${vi.name}: track_file '${t.name}' is not a vrrp_track_file; ignored`);
    const family = vi.virtualIpaddress[0]?.address.includes(':') ? 6 : 4;
    const key = `${vi.interface ?? ''}/${family}/${vi.unicastPeers.length ? 'u:' + vi.unicastPeers.map((p) => p.ip).sort().join(',') : 'm'}/${vi.virtualRouterId}`;
    const prev = seenVrid.get(key);
    if (prev) diags.warn(at('vrrpInstances', i), `vrrp_instance ${vi.name} shares virtual_router_id ${vi.virtualRouterId} on ${vi.interface ?? 'its interface'} with ${prev}`);
    else seenVrid.set(key, vi.name);
    instanceRules(c, vi, at('vrrpInstances', i), diags);
    const vmac = useVmacNotices(vi, family, { prefix: vmacPrefix, strict: vi.strictMode ?? c.globalDefs.vrrpStrict, taken: vmacNames });
    for (const w of vmac.warnings) diags.warn(at('vrrpInstances', i), w);
    for (const n of vmac.notes) diags.note(at('vrrpInstances', i), n);
    if (vi.interface === undefined && vi.unicastPeers.length === 0) diags.error(at('vrrpInstances', i), `vrrp_instance ${vi.name} needs an interface (or unicast peers)`);
  });
  scriptSecurity(c, at, diags);
  syncGroupOwnerWeights(c, at, diags);
  c.virtualServers.forEach((vs, i) => {
    for (const rs of vs.realServers) {
      for (const chk of rs.checks) {
        if (chk.type === 'FILE_CHECK' && !files.has(chk.trackFile)) diags.warn(at('virtualServers', i), `FILE_CHECK track_file '${chk.trackFile}' is not a vrrp_track_file`);
      }
    }
  });
  for (const p of boardTrackProblems(c)) {
    const part = origins[trackBoardOrigins(p.track, p.part)];
    diags.error((p.item !== undefined ? part?.[p.item] : part?.[0]) ?? at('vigil.trackBoards', p.track), p.message);
  }
  for (const s of quorumShortfalls(c, opts)) diags.error(origins[realServerOrigins(s.vsIndex)]?.[s.rsIndex] ?? at('virtualServers', s.vsIndex), s.message);
}

/**
 * keepalived's completion of an instance (vrrp.c vrrp_complete_instance), in
 * its order and words. Each is a config error that keepalived -t counts
 * (exit 5) and then runs on with the value reset, so each is a warning here;
 * the shim applies the same resets (shim/vrrp/plan.ts strictRules).
 */
function instanceRules(c: Config, vi: Config['vrrpInstances'][number], pos: Pos, diags: Diagnostics): void {
  const w = (m: string) => diags.warn(pos, `(${vi.name}) ${m}`);
  const strict = vi.strictMode ?? c.globalDefs.vrrpStrict;
  const owner = vi.priority === 255;
  const v6 = vi.virtualIpaddress[0]?.address.includes(':') ?? false;
  if (v6 && strict && vi.version === 2) w('cannot use IPv6 with VRRP version 2; setting version 3');
  const version = v6 ? 3 : (vi.version ?? c.globalDefs.vrrpVersion);
  if (vi.virtualIpaddress.length === 0) w(`No VIP specified; at least one is ${version === 3 || strict ? 'required' : 'sensible'}`);
  if (strict && vi.state === 'MASTER' && !owner) w('State MASTER must match being address owner');
  if (strict && vi.authentication) w('Strict mode does not support authentication. Ignoring.');
  if (strict && vi.unicastPeers.length) {
    diags.note(pos, `(${vi.name}) keepalived drops this instance when it starts on an interface with multicast ("Unicast peers are not supported in strict mode"), though keepalived -t passes it; vigil shim refuses to start on it`);
  }
  const first = vi.virtualIpaddress[0]?.address.toLowerCase();
  if (v6 && !vi.unicastPeers.length && first && !/^fe[89ab]/.test(first)) {
    // keepalived logs this without strict mode, and -t still exits 0: a note.
    if (strict) w('the first IPv6 VIP address must be link local');
    else diags.note(pos, `(${vi.name}) the first IPv6 VIP address should be link local`);
  }
  if (strict && vi.preemptDelayMs > 0) w('preempt_delay is incompatible with strict mode - resetting');
  if (strict && vi.downTimerAdverts !== undefined && vi.downTimerAdverts !== 3) w('down_timer_adverts is incompatible with strict mode - resetting');
  if (strict && vi.accept === true && !owner && version === 2) w('warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting');
  if (strict && (vi.garpLowerPrioRepeat ?? 0) > 0) w('Strict mode requires no repeat garps. resetting');
  if (strict && (vi.garpLowerPrioDelayMs ?? 0) > 0) w('Strict mode requires no repeat garp delay. resetting');
  if (strict && vi.lowerPrioNoAdvert === false) w('Strict mode requires no lower priority advert. resetting');
  if (strict && vi.higherPrioSendAdvert === true) w('strict mode requires higher_prio_send_advert to be clear. resetting');
  if (vi.state === 'MASTER' && (!strict || owner) && vi.nopreempt) w('Warning - nopreempt will not work with initial state MASTER - clearing');
}

function dupes(names: string[], report: (index: number, name: string) => void): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) report(i, n);
    seen.add(n);
  });
}

const NOTIFY = ['notify', 'notifyMaster', 'notifyBackup', 'notifyFault', 'notifyStop', 'notifyDeleted', 'notifyMasterRxLowerPri'] as const;

/** keepalived's notice (vrrp.c) when VRRP scripts are configured without enable_script_security; keepalived -t exits 6 on it. */
function scriptSecurity(c: Config, at: (coll: string, i: number) => Pos, diags: Diagnostics): void {
  if (c.globalDefs.enableScriptSecurity) return;
  const has = (o: object) => NOTIFY.some((k) => (o as Record<string, unknown>)[k] !== undefined);
  const vi = c.vrrpInstances.findIndex(has);
  const sg = c.vrrpSyncGroups.findIndex(has);
  const where =
    c.vrrpScripts.length > 0 ? at('vrrpScripts', 0)
    : vi >= 0 ? at('vrrpInstances', vi)
    : sg >= 0 ? at('vrrpSyncGroups', sg)
    : c.globalDefs.notifyFifoScript || c.globalDefs.vrrpNotifyFifoScript ? { file: at('vrrpInstances', 0).file, line: 1, col: 1 }
    : undefined;
  if (where && c.vrrpInstances.length > 0) diags.warn(where, 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.');
}
