import { z } from 'zod';
import { ReasonCode } from '../check/result.ts';

/**
 * GET /v1/clusters/{c}/votes: what each vantage point said about each real
 * server at the Board's latest fold. Kept out of the signed snapshot (which
 * carries only the desired state a shim acts on) so every push stays small;
 * for operators, dashboards and `npm start`'s watcher.
 */
export const VoteDetail = z.object({
  seq: z.number().int(),
  atMs: z.number(),
  realServers: z.array(
    z.object({
      key: z.string(),
      state: z.enum(['up', 'down', 'unknown']),
      effective: z.enum(['up', 'down']),
      quorum: z.number().int(),
      fresh: z.number().int(),
      upVotes: z.number().int(),
      downVotes: z.number().int(),
      votes: z.record(z.string(), z.object({ up: z.boolean(), reason: ReasonCode, atMs: z.number(), fresh: z.boolean() })),
    }),
  ),
});
export type VoteDetail = z.infer<typeof VoteDetail>;
