import { isIPv4 } from '../config/ip.ts';
import type { RealServer, VirtualServer } from '../config/lvs.ts';
import type { Script } from '../config/primitives.ts';
import type { DesiredVirtualServer } from '../vote/virtual-server.ts';
import { realServerKey } from '../vote/targets.ts';

/**
 * keepalived's checker notifications, byte for byte (keepalived/check/ipwrapper.c,
 * notify_fifo_vs / notify_fifo_rs, and lib/utils.c inet_sockaddrtotrio):
 *   VS [10.0.0.1]:tcp:80 UP
 *   VS FWM 7 DOWN
 *   VS [group]:0 UP
 *   RS [192.168.1.1]:tcp:80 [10.0.0.1]:tcp:80 DOWN
 * keepalived writes `size` bytes where size counts snprintf's terminating NUL, so
 * every line on the FIFO ends "\n\0"; we write the same so readers that cope
 * with keepalived cope with us.
 */
function trio(ip: string, proto: string, port: number): string {
  return `[${ip}]:${proto}:${port}`;
}

function protoOf(vs: VirtualServer): string {
  return (vs.protocol ?? 'UDP').toLowerCase();
}

export function formatVs(vs: VirtualServer): string {
  if (vs.group !== undefined) return `[${vs.group}]:${vs.port ?? 0}`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  return trio(vs.ip!, protoOf(vs), vs.port ?? 0);
}

/** A real server as keepalived's FMT_RS writes it: the virtual server's protocol, the server's port (else the service's). */
export function formatRs(vs: VirtualServer, rs: { ip: string; port?: number | undefined }): string {
  return trio(rs.ip, protoOf(vs), rs.port ?? vs.port ?? 0);
}

export function vsFifoLine(vs: VirtualServer, up: boolean): string {
  return `VS ${formatVs(vs)} ${up ? 'UP' : 'DOWN'}\n\0`;
}

export function rsFifoLine(vs: VirtualServer, rs: { ip: string; port?: number | undefined }, up: boolean): string {
  return `RS ${formatRs(vs, rs)} ${formatVs(vs)} ${up ? 'UP' : 'DOWN'}\n\0`;
}

export interface LvsNotification {
  kind: 'rs' | 'vs';
  up: boolean;
  /** notify_up/notify_down or quorum_up/quorum_down, run as written (argv, no shell). */
  script?: Script;
  fifoLine: string;
  /** For logs: the keepalived-style name. */
  what: string;
  /** The real server that changed (kind 'rs'): its smtp_alert and checks shape the mail. */
  rs?: RealServer;
  /** The alive real servers' weight after the change, as keepalived's quorum mail reports it. */
  aliveWeight: number;
}

/**
 * The notifications keepalived sends for one virtual server's change of state:
 * a real server coming up or going down (not the sorry server), then the
 * virtual server's quorum. Nothing on a first fold: keepalived's start-up
 * notifications come from its own start, which the shim does not replay.
 */
export function lvsNotifications(vs: VirtualServer, prev: DesiredVirtualServer | undefined, next: DesiredVirtualServer): LvsNotification[] {
  if (!prev) return [];
  const out: LvsNotification[] = [];
  const before = new Map(prev.realServers.map((r) => [r.key, r]));
  for (const rs of vs.realServers) {
    const key = realServerKey(vs, rs);
    const a = before.get(key);
    const b = next.realServers.find((r) => r.key === key);
    if (!a || !b || a.alive === b.alive) continue;
    out.push({
      kind: 'rs',
      up: b.alive,
      script: b.alive ? rs.notifyUp : rs.notifyDown,
      fifoLine: rsFifoLine(vs, rs, b.alive),
      what: `${isIPv4(rs.ip) ? rs.ip : `[${rs.ip}]`}:${rs.port ?? vs.port ?? 0} ${b.alive ? 'UP' : 'DOWN'}`,
      rs,
      aliveWeight: next.aliveWeight,
    });
  }
  if (prev.quorumUp !== next.quorumUp) {
    out.push({ kind: 'vs', up: next.quorumUp, script: next.quorumUp ? vs.quorumUp : vs.quorumDown, fifoLine: vsFifoLine(vs, next.quorumUp), what: `${formatVs(vs)} quorum ${next.quorumUp ? 'UP' : 'DOWN'}`, aliveWeight: next.aliveWeight });
  }
  return out;
}
