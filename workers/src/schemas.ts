import * as z from 'zod';
import { Vote } from '../../core/vote/fold.ts';

/** Inputs from outside the Worker, each parsed before use. */
export const ClusterName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'cluster names are lower-case letters, digits, _ and - (max 63)');
export const VantageName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/);

export const MAX_VOTES_PER_BATCH = 5000;
export const VoteBatch = z.object({ votes: z.array(Vote).min(1).max(MAX_VOTES_PER_BATCH) });
export type VoteBatch = z.infer<typeof VoteBatch>;

export const MAX_WAIT_S = 55;
export const VerdictQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  wait: z.coerce.number().min(0).max(MAX_WAIT_S).default(0),
});
export const EventsQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const AssignmentQuery = z.object({ vantage: VantageName });
export const ConfigQuery = z.object({ config_id: z.string().min(1).max(64).optional() });

/** Server → subscriber over the WebSocket: the snapshot's exact bytes as a string, and its signature. */
export const StreamMessage = z.object({
  type: z.literal('snapshot'),
  seq: z.number().int().min(1),
  signature: z.string(),
  body: z.string(),
});
export type StreamMessage = z.infer<typeof StreamMessage>;

/** Subscriber → server. Only `ping` today (answered without waking the Board). */
export const ClientMessage = z.object({ type: z.literal('ping') });

export const ConfigAccepted = z.object({ version: z.number(), etag: z.string(), warnings: z.array(z.string()), probers: z.number() });
export type ConfigAccepted = z.infer<typeof ConfigAccepted>;
export const VotesAccepted = z.object({ accepted: z.number(), ignored: z.number(), seq: z.number() });
export type VotesAccepted = z.infer<typeof VotesAccepted>;


/** GET /v1/clusters/{c}/votes (core/vote/vote-detail.ts): shared with the shim's client. */
export { VoteDetail } from '../../core/vote/vote-detail.ts';
