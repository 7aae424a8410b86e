import * as z from 'zod';
import { ReasonCode } from '../check/result.ts';
import type { TargetVerdict } from './fold.ts';

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
      votes: z.record(z.string(), z.object({ up: z.boolean(), reason: ReasonCode, atMs: z.number(), fresh: z.boolean(), latencyMs: z.number().optional() })),
    }),
  ),
});
export type VoteDetail = z.infer<typeof VoteDetail>;

/** The latest fold's verdicts as GET …/votes and the dashboard show them; at most `limit` real servers. */
export function voteDetailOf(verdicts: ReadonlyMap<string, TargetVerdict>, atMs: number, seq: number, limit = Infinity): VoteDetail {
  const realServers: VoteDetail['realServers'] = [];
  for (const [key, v] of verdicts) {
    if (realServers.length >= limit) break;
    realServers.push({ key, state: v.state, effective: v.effective, quorum: v.quorum, fresh: v.fresh, upVotes: v.upVotes, downVotes: v.downVotes, votes: v.votes });
  }
  return { seq, atMs, realServers };
}
