import { z } from 'zod';
import { Check } from '../../core/config/checks.ts';
import { effectiveTiming } from '../../core/config/effective.ts';
import type { Config } from '../../core/config/model.ts';
import { realServerKey } from '../../core/vote/targets.ts';

/** One checker a Prober runs: everything it needs, so the Prober never parses a config. */
export const ProberJob = z.object({
  id: z.string(),
  target: z.string(),
  check: Check,
  timing: z.object({
    connectTimeoutMs: z.number(),
    retry: z.number(),
    delayBeforeRetryMs: z.number(),
    warmupMs: z.number(),
    delayLoopMs: z.number(),
    alpha: z.boolean(),
  }),
  ip: z.string(),
  port: z.number().int().min(0).max(65535),
  realServerVirtualhost: z.string().optional(),
  virtualServerVirtualhost: z.string().optional(),
});
export type ProberJob = z.infer<typeof ProberJob>;

export const ProberSpec = z.object({
  cluster: z.string(),
  vantagePoint: z.string(),
  region: z.string().optional(),
  shard: z.number().int().min(0),
  configVersion: z.number().int(),
  jobs: z.array(ProberJob),
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
    const jobs = new Map<number, ProberJob[]>();
    for (const vs of config.virtualServers) {
      for (const rs of vs.realServers) {
        const target = realServerKey(vs, rs);
        const shard = placed.get(target);
        if (shard === undefined) continue;
        rs.checks.forEach((check, i) => {
          if (check.type === 'FILE_CHECK' || check.type === 'BFD_CHECK') return;
          const c = check as Check & { connectIp?: string; connectPort?: number };
          if (!jobs.has(shard)) jobs.set(shard, []);
          jobs.get(shard)!.push({
            id: `${target}#${i}`,
            target,
            check,
            timing: effectiveTiming(vs, rs, check),
            ip: c.connectIp ?? rs.ip,
            port: c.connectPort ?? rs.port ?? vs.port ?? 0,
            realServerVirtualhost: rs.virtualhost,
            virtualServerVirtualhost: vs.virtualhost,
          });
        });
      }
    }
    for (const [shard, j] of [...jobs].sort((a, b) => a[0] - b[0])) out.push({ cluster, vantagePoint: vp.name, region: vp.region, shard, configVersion, jobs: j });
  }
  return out;
}
