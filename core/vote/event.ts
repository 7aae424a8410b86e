import * as z from 'zod';

/**
 * One entry of a Board's history (GET /v1/clusters/{c}/events, the dashboard's
 * timeline): a real server or a virtual server's quorum changing, with what
 * each vantage point said, or a new config.
 */
export const StoredEvent = z.object({
  id: z.number().int(),
  seq: z.number().int(),
  kind: z.enum(['real_server', 'virtual_server', 'config']),
  key: z.string(),
  from: z.string(),
  to: z.string(),
  atMs: z.number(),
  votes: z.record(z.string(), z.object({ up: z.boolean(), reason: z.string(), atMs: z.number(), fresh: z.boolean(), latencyMs: z.number().optional() })).optional(),
  detail: z.string().optional(),
});
export type StoredEvent = z.infer<typeof StoredEvent>;
