import { effectiveInhibit } from '../config/effective.ts';
import type { RealServer, VirtualServer } from '../config/lvs.ts';
import { realServerKey, virtualServerKey } from './targets.ts';

export interface RealServerInput {
  alive: boolean;
  /** misc_dynamic / FILE_CHECK weight when one is in force; else the configured weight. */
  weight?: number | undefined;
}

export interface DesiredRealServer {
  key: string;
  ip: string;
  port: number | undefined;
  /** In the IPVS table at all. */
  present: boolean;
  /** Weight in the table: 0 for an inhibited (down, inhibit_on_failure) server. */
  weight: number;
  alive: boolean;
  sorry: boolean;
}

export interface DesiredVirtualServer {
  key: string;
  quorumUp: boolean;
  aliveWeight: number;
  realServers: DesiredRealServer[];
}

/**
 * keepalived's meaning for one virtual server, given which real servers are
 * alive: a dead server leaves the table, or stays at weight 0 with
 * inhibit_on_failure; quorum is gained when the alive weight reaches
 * quorum + hysteresis and lost when it falls below quorum − hysteresis; while
 * quorum is lost and a sorry_server exists, the real servers make way for it
 * (sorry_server_inhibit keeps it in the table at weight 0 the rest of the time).
 */
export function foldVirtualServer(vs: VirtualServer, alive: ReadonlyMap<string, RealServerInput>, prevQuorumUp: boolean | undefined): DesiredVirtualServer {
  const rss = vs.realServers.map((rs) => {
    const key = realServerKey(vs, rs);
    const input = alive.get(key);
    const isAlive = input?.alive ?? startsAlive(vs, rs);
    return { rs, key, alive: isAlive, weight: input?.weight ?? rs.weight };
  });
  const aliveWeight = rss.reduce((n, r) => n + (r.alive ? r.weight : 0), 0);
  let quorumUp: boolean;
  if (prevQuorumUp === undefined) quorumUp = aliveWeight >= vs.quorum;
  else if (prevQuorumUp) quorumUp = aliveWeight >= vs.quorum - vs.hysteresis;
  else quorumUp = aliveWeight >= vs.quorum + vs.hysteresis;

  const sorryTakesOver = !quorumUp && vs.sorryServer !== undefined;
  const realServers: DesiredRealServer[] = rss.map((r) => placeRealServer(vs, r.rs, r.key, r.alive, r.weight, sorryTakesOver));
  const sorry = placeSorryServer(vs, sorryTakesOver);
  if (sorry) realServers.push(sorry);
  return { key: virtualServerKey(vs), quorumUp, aliveWeight, realServers };
}

/**
 * Where one real server stands in the table: a dead one leaves, or stays at
 * weight 0 with inhibit_on_failure; while the sorry server has taken over,
 * every real server makes way for it the same way. Shared by the fold above
 * and by a director mapping a Board's decision onto a real server the Board
 * did not name, so the rule is written once.
 */
export function placeRealServer(vs: VirtualServer, rs: RealServer, key: string, alive: boolean, weight: number, sorryTakesOver: boolean): DesiredRealServer {
  const inhibit = effectiveInhibit(vs, rs);
  const present = sorryTakesOver ? inhibit : alive || inhibit;
  return { key, ip: rs.ip, port: rs.port ?? vs.port, present, weight: !sorryTakesOver && alive ? weight : 0, alive, sorry: false };
}

/** The sorry_server's entry: in at weight 1 while it has taken over; else out, or at weight 0 with sorry_server_inhibit. */
export function placeSorryServer(vs: VirtualServer, sorryTakesOver: boolean): DesiredRealServer | undefined {
  const ss = vs.sorryServer;
  if (!ss) return undefined;
  const host = ss.ip.includes(':') ? `[${ss.ip}]` : ss.ip;
  return {
    key: `${virtualServerKey(vs)}|sorry|${host}:${ss.port ?? vs.port ?? 0}`,
    ip: ss.ip,
    port: ss.port ?? vs.port,
    present: sorryTakesOver || vs.sorryServerInhibit,
    weight: sorryTakesOver ? 1 : 0,
    alive: true,
    sorry: true,
  };
}

/** keepalived's start state for a real server nothing has checked yet: up, or down with alpha. */
export function startsAlive(vs: VirtualServer, rs: RealServer): boolean {
  return !(rs.alpha ?? vs.alpha);
}
