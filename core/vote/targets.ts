import { runnableOn, type CheckType } from '../config/checks.ts';
import { isIPv4, ipv4ToInt } from '../config/ip.ts';
import type { RealServer, VirtualServer } from '../config/lvs.ts';
import type { Config } from '../config/model.ts';
import type { VantagePoint } from '../config/vigil.ts';
import { effectiveQuorum, type EffectiveQuorum } from './quorum.ts';

/** A virtual service's stable key: `tcp/10.0.0.1:80`, `fwmark/7`, `group/NAME`. */
export function virtualServerKey(vs: VirtualServer): string {
  if (vs.fwmark !== undefined) return `fwmark/${vs.fwmark}`;
  if (vs.group !== undefined) return `group/${vs.group}`;
  const host = vs.ip!.includes(':') ? `[${vs.ip}]` : vs.ip!;
  return [(vs.protocol ?? 'UDP').toLowerCase(), '/', host, ':', vs.port ?? 0].join('');
}

/**
 * A real server's key within the cluster: `<vs key>|<ip>:<port>`. Built with
 * join, which yields one flat string: `+` and template literals yield a tree
 * of concatenations that stays that way as a Map key, and the daemon holds one
 * key per real server in several maps (measured: 19,000 such trees, 0.6 MB,
 * with 10,000 real servers).
 */
export function realServerKey(vs: VirtualServer, rs: RealServer): string {
  const host = rs.ip.includes(':') ? `[${rs.ip}]` : rs.ip;
  return [virtualServerKey(vs), '|', host, ':', rs.port ?? vs.port ?? 0].join('');
}

/** RFC 1918, loopback, link-local, CGNAT and ULA: addresses the edge cannot reach. */
export function isPrivateAddress(ip: string): boolean {
  if (isIPv4(ip)) {
    const n = ipv4ToInt(ip);
    const inNet = (base: string, bits: number) => (n >>> (32 - bits)) === (ipv4ToInt(base) >>> (32 - bits));
    return inNet('10.0.0.0', 8) || inNet('172.16.0.0', 12) || inNet('192.168.0.0', 16) || inNet('127.0.0.0', 8) || inNet('169.254.0.0', 16) || inNet('100.64.0.0', 10) || inNet('0.0.0.0', 8);
  }
  const l = ip.toLowerCase();
  return l === '::1' || l === '::' || l.startsWith('fe80:') || l.startsWith('fc') || l.startsWith('fd');
}

export interface TargetAssignment {
  key: string;
  vsKey: string;
  vantagePoints: string[];
  /** Why some vantage points were left out (private address, check not runnable at the edge). */
  excluded: { vantagePoint: string; why: string }[];
  /** The quorum the fold will use for this real server, from the config's vote block and vantagePoints (effectiveQuorum). */
  quorum: EffectiveQuorum;
}

/**
 * Why an edge vantage point cannot check this real server, or undefined when
 * it can: the edge reaches public addresses only (the real server's and every
 * connect_ip), and runs only the checks runnableOn allows there. The whole
 * real server or none of it: its vote speaks for all its checks.
 */
export function whyNotAtEdge(rs: RealServer): string | undefined {
  const priv = [rs.ip, ...rs.checks.flatMap((c) => ('connectIp' in c && c.connectIp ? [c.connectIp] : []))].find(isPrivateAddress);
  if (priv) return `${priv} is not reachable from the edge`;
  const notHere = rs.checks.map((c) => c.type as CheckType).find((t) => !runnableOn(t).includes('edge'));
  if (notHere) return `${notHere} cannot run at the edge`;
  return undefined;
}

/**
 * Which vantage points check which real server. Edge vantage points get a real
 * server only when whyNotAtEdge has nothing against it; self-hosted ones get
 * everything. The quorum is then decided from exactly these (effectiveQuorum).
 */
export function assignTargets(config: Config, vantagePoints: VantagePoint[] = config.vigil.vantagePoints): TargetAssignment[] {
  const out: TargetAssignment[] = [];
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) {
      const a: Omit<TargetAssignment, 'quorum'> = { key: realServerKey(vs, rs), vsKey: virtualServerKey(vs), vantagePoints: [], excluded: [] };
      const notAtEdge = vantagePoints.some((vp) => vp.kind === 'edge') ? whyNotAtEdge(rs) : undefined;
      for (const vp of vantagePoints) {
        if (vp.kind === 'edge' && notAtEdge) {
          a.excluded.push({ vantagePoint: vp.name, why: notAtEdge });
          continue;
        }
        a.vantagePoints.push(vp.name);
      }
      out.push({ ...a, quorum: effectiveQuorum(config.vigil.vote, a.vantagePoints.length) });
    }
  }
  return out;
}
