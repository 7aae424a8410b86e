import { effectiveInhibit } from '../config/effective.ts';
import type { VirtualServer } from '../config/lvs.ts';
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
    const isAlive = input?.alive ?? !(rs.alpha ?? vs.alpha);
    return { rs, key, alive: isAlive, weight: input?.weight ?? rs.weight };
  });
  const aliveWeight = rss.reduce((n, r) => n + (r.alive ? r.weight : 0), 0);
  let quorumUp: boolean;
  if (prevQuorumUp === undefined) quorumUp = aliveWeight >= vs.quorum;
  else if (prevQuorumUp) quorumUp = aliveWeight >= vs.quorum - vs.hysteresis;
  else quorumUp = aliveWeight >= vs.quorum + vs.hysteresis;

  const sorryTakesOver = !quorumUp && vs.sorryServer !== undefined;
  const realServers: DesiredRealServer[] = rss.map((r) => {
    const inhibit = effectiveInhibit(vs, r.rs);
    const present = sorryTakesOver ? inhibit : r.alive || inhibit;
    const weight = !sorryTakesOver && r.alive ? r.weight : 0;
    return { key: r.key, ip: r.rs.ip, port: r.rs.port ?? vs.port, present, weight, alive: r.alive, sorry: false };
  });
  if (vs.sorryServer) {
    const ss = vs.sorryServer;
    const host = ss.ip.includes(':') ? `[${ss.ip}]` : ss.ip;
    realServers.push({
      key: `${virtualServerKey(vs)}|sorry|${host}:${ss.port ?? vs.port ?? 0}`,
      ip: ss.ip,
      port: ss.port ?? vs.port,
      present: sorryTakesOver || vs.sorryServerInhibit,
      weight: sorryTakesOver ? 1 : 0,
      alive: true,
      sorry: true,
    });
  }
  return { key: virtualServerKey(vs), quorumUp, aliveWeight, realServers };
}
