import { groupsToIpv6, isIPv6, ipv6ToGroups } from '../config/ip.ts';
import type { VirtualServer } from '../config/lvs.ts';
import type { Config } from '../config/model.ts';
import type { TrackBoard } from '../config/vigil.ts';
import { realServerKey, virtualServerKey } from './targets.ts';

/** What a track_board follows in the snapshots: a virtual server's key, and a real server's within it. */
export interface BoardTarget {
  name: string;
  vsKey: string;
  rsKey?: string;
  holdTimeMs: number;
}

/** One thing a track_board names that the config does not have; `part` says which line to point at. */
export interface BoardTrackProblem {
  track: number;
  part: 'virtualServer' | 'realServer' | 'instances';
  /** For `instances`: which instance line. */
  item?: number;
  message: string;
}

const same = (a: string, b: string) => a === b || (isIPv6(a) && isIPv6(b) && groupsToIpv6(ipv6ToGroups(a)) === groupsToIpv6(ipv6ToGroups(b)));

function describe(tb: TrackBoard): string {
  const v = tb.virtualServer;
  return v.fwmark !== undefined ? `fwmark ${v.fwmark}` : v.group !== undefined ? `group ${v.group}` : `${v.ip} ${v.port}${v.protocol ? ` ${v.protocol}` : ''}`;
}

function findVirtualServer(c: Config, tb: TrackBoard): VirtualServer | string {
  const v = tb.virtualServer;
  const found = c.virtualServers.filter((vs) =>
    v.fwmark !== undefined ? vs.fwmark === v.fwmark : v.group !== undefined ? vs.group === v.group : vs.ip !== undefined && same(vs.ip, v.ip!) && vs.port === v.port && (!v.protocol || (vs.protocol ?? 'UDP') === v.protocol),
  );
  if (found.length === 1) return found[0]!;
  if (found.length === 0) return `track_board ${tb.name}: no virtual_server ${describe(tb)} in this config (the snapshots name only the config's virtual servers)`;
  return `track_board ${tb.name}: virtual_server ${describe(tb)} matches ${found.length} virtual servers; add the protocol (TCP|UDP|SCTP)`;
}

/** The snapshot keys one track_board follows, or what it names that the config lacks. */
export function resolveBoardTarget(c: Config, tb: TrackBoard): { ok: true; target: BoardTarget } | { ok: false; problem: Omit<BoardTrackProblem, 'track'> } {
  const vs = findVirtualServer(c, tb);
  if (typeof vs === 'string') return { ok: false, problem: { part: 'virtualServer', message: vs } };
  const target: BoardTarget = { name: tb.name, vsKey: virtualServerKey(vs), holdTimeMs: tb.holdTimeMs };
  const want = tb.realServer;
  if (want) {
    const rs = vs.realServers.filter((r) => same(r.ip, want.ip) && (want.port === undefined || (r.port ?? vs.port) === want.port));
    if (rs.length !== 1) {
      const what = `real_server ${want.ip}${want.port !== undefined ? ` ${want.port}` : ''}`;
      const message = rs.length ? `track_board ${tb.name}: ${what} matches ${rs.length} real servers of virtual_server ${describe(tb)}; add the port` : `track_board ${tb.name}: virtual_server ${describe(tb)} has no ${what}`;
      return { ok: false, problem: { part: 'realServer', message } };
    }
    target.rsKey = realServerKey(vs, rs[0]!);
  }
  return { ok: true, target };
}

/** Every name a track_board uses that the config does not define: unknown virtual or real servers, unknown or repeated instances, repeated track names. */
export function boardTrackProblems(c: Config): BoardTrackProblem[] {
  const out: BoardTrackProblem[] = [];
  const instances = new Set(c.vrrpInstances.map((v) => v.name));
  const names = new Set<string>();
  c.vigil.trackBoards.forEach((tb, track) => {
    if (names.has(tb.name)) out.push({ track, part: 'virtualServer', message: `track_board ${tb.name} is defined twice` });
    names.add(tb.name);
    const r = resolveBoardTarget(c, tb);
    if (!r.ok) out.push({ track, ...r.problem });
    const seen = new Set<string>();
    tb.instances.forEach((inst, item) => {
      if (!instances.has(inst.name)) out.push({ track, part: 'instances', item, message: `track_board ${tb.name}: instance '${inst.name}' is not a vrrp_instance` });
      else if (seen.has(inst.name)) out.push({ track, part: 'instances', item, message: `track_board ${tb.name}: instance '${inst.name}' is named twice` });
      seen.add(inst.name);
    });
  });
  return out;
}
