import * as z from 'zod';
import { DurationMs, IpAddress } from './primitives.ts';

/**
 * Vigil's own words, for what keepalived cannot say. In keepalived.conf they
 * live in a top-level `vigil { ... }` block, which keepalived itself skips
 * with a warning, so one file serves both during a migration.
 */
export const VantagePoint = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'names are letters, digits, _ . - (max 63)'),
  kind: z.enum(['edge', 'self-hosted']),
  /** For edge vantage points: a Durable Object locationHint (wnam, enam, sam, weur, eeur, apac, oc, afr, me). */
  region: z.string().optional(),
});
export type VantagePoint = z.infer<typeof VantagePoint>;

export const VotePolicy = z.strictObject({
  /** Vantage points that must agree; unset means a majority of those assigned. */
  quorum: z.number().int().min(1).optional(),
  /**
   * What happens when fewer vantage points can check a real server than
   * `quorum` needs: `refuse` (unset) makes the config an error; `majority`
   * lowers it to a majority of those that can check it, `all` to all of them
   * (core/vote/quorum.ts effectiveQuorum).
   */
  degrade: z.enum(['refuse', 'majority', 'all']).optional(),
  /** A vote stays fresh for freshnessIntervals × interval + timeout. */
  freshnessIntervals: z.number().min(1).max(100).default(3),
});
export type VotePolicy = z.infer<typeof VotePolicy>;

export const DirectorBinding = z.strictObject({
  id: z.string().min(1),
  priority: z.number().int().min(1).max(255).default(100),
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/).optional(),
  networkInterfaceId: z.string().regex(/^eni-[0-9a-f]{8,17}$/).optional(),
  privateIp: IpAddress.optional(),
});
export type DirectorBinding = z.infer<typeof DirectorBinding>;

export const CloudBinding = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['elastic-ip', 'secondary-ip', 'route']),
  region: z.string().optional(),
  allocationId: z.string().regex(/^eipalloc-[0-9a-f]{8,17}$/).optional(),
  publicIp: IpAddress.optional(),
  /** The secondary private address, or the /32 a route entry carries. */
  address: IpAddress.optional(),
  routeTableIds: z.array(z.string().regex(/^rtb-[0-9a-f]{8,17}$/)).default([]),
  preempt: z.boolean().default(true),
  leaseTtlMs: DurationMs.min(1000).default(10_000),
  directors: z.array(DirectorBinding).default([]),
});
export type CloudBinding = z.infer<typeof CloudBinding>;

export const VigilSection = z.strictObject({
  vantagePoints: z.array(VantagePoint).default([]),
  vote: VotePolicy.default({ freshnessIntervals: 3 }),
  cloudBindings: z.array(CloudBinding).default([]),
});
export type VigilSection = z.infer<typeof VigilSection>;
