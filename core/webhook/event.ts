import * as z from 'zod';
import { WebhookEvent } from '../config/vigil.ts';

/**
 * The JSON body of one webhook delivery. `id` is unique per event (a
 * redelivery carries the same one); `data` depends on `type`:
 * - verdict_change: a real server's or virtual server's verdict moved
 *   (`kind`, `key`, `from`, `to`, and for real servers what each vantage point said);
 * - vantage_point_silent: a vantage point stopped (`silent: true`) or resumed
 *   (`silent: false`) holding a fresh vote on its assigned real servers;
 * - lease_moved: a binding's lease was granted to another director (`from`
 *   null when nobody held it), with the new fencing token.
 */
export const WebhookBody = z.object({
  id: z.string(),
  type: WebhookEvent,
  cluster: z.string(),
  atMs: z.number(),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookBody = z.infer<typeof WebhookBody>;

export function newEvent(type: WebhookBody['type'], cluster: string, atMs: number, data: Record<string, unknown>): WebhookBody {
  return { id: crypto.randomUUID(), type, cluster, atMs, data };
}
