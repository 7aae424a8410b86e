import * as z from 'zod';
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
      /**
       * The effective quorum the fold used for this real server
       * (effectiveQuorum): the vote block's `quorum`, else a majority of the
       * vantage points that can check it, lowered only as `degrade` says;
       * `vigil import`'s votePlan shows the same number per real server.
       */
      quorum: z.number().int(),
      fresh: z.number().int(),
      upVotes: z.number().int(),
      downVotes: z.number().int(),
      votes: z.record(z.string(), z.object({ up: z.boolean(), reason: ReasonCode, atMs: z.number(), fresh: z.boolean() })),
    }),
  ),
});
export type VoteDetail = z.infer<typeof VoteDetail>;
