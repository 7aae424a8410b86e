import type { Config } from '../../core/config/model.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { realServerKey, virtualServerKey } from '../../core/vote/targets.ts';

/** The Board's view for a config where the real servers named in `down` are down (by ip:port) and the rest up. */
export function verdictFor(config: Config, down: string[] = []): Snapshot['virtualServers'] {
  return config.virtualServers.map((vs) => ({
    key: virtualServerKey(vs),
    quorumUp: true,
    aliveWeight: 0,
    realServers: vs.realServers.map((rs) => {
      const up = !down.includes(`${rs.ip}:${rs.port ?? vs.port ?? 0}`);
      return { key: realServerKey(vs, rs), ip: rs.ip, port: rs.port, present: up, weight: up ? rs.weight : 0, state: up ? 'up' : 'down', effective: up ? 'up' : 'down', sorry: false, votes: {} };
    }),
  }));
}
