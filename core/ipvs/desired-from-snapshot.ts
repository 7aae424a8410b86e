import type { VirtualServer } from '../config/lvs.ts';
import type { SnapshotVirtualServer } from '../vote/snapshot.ts';
import { realServerKey, virtualServerKey } from '../vote/targets.ts';
import { placeRealServer, placeSorryServer, startsAlive, type DesiredRealServer, type DesiredVirtualServer } from '../vote/virtual-server.ts';

/**
 * The Board's decision for one virtual server, mapped onto what this
 * director's config defines. The Board owns the verdict: quorum, hysteresis,
 * inhibit and sorry_server were decided there (foldVirtualServer over its
 * persisted memory), so every director acts on the one decision the
 * dashboard and events show; nothing is re-decided here. The local config
 * only says which destinations exist and how to reach them (addresses,
 * scheduler, lvs method, thresholds: desiredTable). Undefined when the
 * snapshot does not name this virtual server: hold it as it is.
 *
 * A real server (or sorry_server) the snapshot does not name, as after a
 * newer local config, keeps keepalived's start state under the Board's
 * quorum decision until the Board names it.
 */
export function desiredFromSnapshot(vs: VirtualServer, snap: SnapshotVirtualServer | undefined): DesiredVirtualServer | undefined {
  if (!snap) return undefined;
  const named = new Map(snap.realServers.map((r) => [r.key, r]));
  const sorryTakesOver = !snap.quorumUp && vs.sorryServer !== undefined;
  const realServers: DesiredRealServer[] = vs.realServers.map((rs) => {
    const key = realServerKey(vs, rs);
    const r = named.get(key);
    if (!r || r.sorry) return placeRealServer(vs, rs, key, startsAlive(vs, rs), rs.weight, sorryTakesOver);
    return { key, ip: rs.ip, port: rs.port ?? vs.port, present: r.present, weight: r.weight, alive: r.effective === 'up', sorry: false };
  });
  const sorry = placeSorryServer(vs, sorryTakesOver);
  if (sorry) {
    const r = named.get(sorry.key);
    realServers.push(r?.sorry ? { ...sorry, present: r.present, weight: r.weight } : sorry);
  }
  return { key: virtualServerKey(vs), quorumUp: snap.quorumUp, aliveWeight: snap.aliveWeight, realServers };
}
