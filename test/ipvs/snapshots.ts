import type { Config } from '../../core/config/model.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { realServerKey, virtualServerKey } from '../../core/vote/targets.ts';
import { foldCluster, type VerdictMemory } from '../../core/vote/verdict.ts';

/**
 * What the Board publishes for `config` when the real servers named in `down`
 * (by `ip` or `ip:port`) are down and the rest up: the Board's own fold
 * (foldCluster) over that memory, so the snapshot carries the Board's quorum
 * and sorry_server decision, which the shim applies as it is.
 */
export function verdictFor(config: Config, down: string[] = []): Snapshot['virtualServers'] {
  const memory: VerdictMemory = { targets: {}, quorum: {} };
  for (const vs of config.virtualServers) {
    memory.quorum[virtualServerKey(vs)] = true;
    for (const rs of vs.realServers) memory.targets[realServerKey(vs, rs)] = down.includes(rs.ip) || down.includes(`${rs.ip}:${rs.port ?? vs.port ?? 0}`) ? 'down' : 'up';
  }
  return foldCluster(config, new Map(), memory, 0).virtualServers;
}
