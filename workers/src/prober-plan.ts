import * as z from 'zod';
import { PlannedChecker, planCheckers } from '../../core/check/checker-plan.ts';
import type { Config } from '../../core/config/model.ts';

export const ProberSpec = z.object({
  cluster: z.string(),
  vantagePoint: z.string(),
  region: z.string().optional(),
  shard: z.number().int().min(0),
  configVersion: z.number().int(),
  jobs: z.array(PlannedChecker),
});
export type ProberSpec = z.infer<typeof ProberSpec>;

export const LOCATION_HINTS = ['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me'] as const;
export function locationHint(region: string | undefined): DurableObjectLocationHint | undefined {
  return (LOCATION_HINTS as readonly string[]).includes(region ?? '') ? (region as DurableObjectLocationHint) : undefined;
}

export function proberName(cluster: string, vantagePoint: string, shard: number): string {
  return `${cluster}/${vantagePoint}/${shard}`;
}

/**
 * The Prober specs for every edge vantage point, from the Board's placement
 * (board-shards.ts: latency-sized, sticky): shard number → its real servers,
 * every checker of a real server on the same shard, because a vote speaks for
 * the whole real server (alive only while all its checks are up) and two
 * shards voting for the same (target, vantage point) would overwrite each
 * other. Shard numbers need not be contiguous (slow shards start at 1000).
 */
export function proberSpecs(cluster: string, config: Config, configVersion: number, shardOf: (vantagePoint: string) => ReadonlyMap<string, number> | undefined): ProberSpec[] {
  const out: ProberSpec[] = [];
  for (const vp of config.vigil.vantagePoints) {
    if (vp.kind !== 'edge') continue;
    const placed = shardOf(vp.name);
    if (!placed) continue;
    const jobs = new Map<number, PlannedChecker[]>();
    for (const rs of planCheckers(config, placed)) {
      const shard = placed.get(rs.target)!;
      let j = jobs.get(shard);
      if (!j) jobs.set(shard, (j = []));
      j.push(...rs.checkers);
    }
    for (const [shard, j] of [...jobs].sort((a, b) => a[0] - b[0])) out.push({ cluster, vantagePoint: vp.name, region: vp.region, shard, configVersion, jobs: j });
  }
  return out;
}
