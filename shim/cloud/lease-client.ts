/**
 * The director's side of the lease protocol:
 * `POST /v1/clusters/{cluster}/directors/{id}/heartbeat` with a shim token.
 * The interface is small so the mover can be driven by an in-process keeper
 * in unit tests and by the real LeaseKeeper (workerd) in the chaos suite.
 */
import { z } from 'zod';

export const ObservedPlacement = z.enum(['here', 'elsewhere', 'unassigned', 'unknown']);

export const Heartbeat = z.object({
  /** The director's own checks (local checker, tracked scripts). */
  healthy: z.boolean(),
  /** The bindings this director serves; the keeper steps only these. */
  bindings: z.array(z.string().min(1)).max(256),
  /** Where the director last saw each address, for the Board's view and the dashboard. */
  observed: z.record(z.string(), ObservedPlacement).default({}),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const BindingLease = z.object({
  holder: z.boolean(),
  /** The fencing token of the current lease (anyone's), null when none is granted. */
  token: z.number().int().min(1).nullable(),
  /** For the holder: how long its lease has left on the keeper's clock. 0 otherwise. */
  remainingMs: z.number().int().min(0),
  /** For the others: when the current lease ends, so they can ask again right after. */
  leaseEndsInMs: z.number().int().min(0).nullable(),
});
export type BindingLease = z.infer<typeof BindingLease>;

export const HeartbeatReply = z.object({ leases: z.record(z.string(), BindingLease) });
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;

export type HeartbeatOutcome = { ok: true; reply: HeartbeatReply } | { ok: false; reason: string };

export interface LeaseClient {
  heartbeat(body: Heartbeat, signal: AbortSignal): Promise<HeartbeatOutcome>;
}

export class HttpLeaseClient implements LeaseClient {
  /** `boardUrl` is the cluster's base, `…/v1/clusters/NAME`, as `vigil probe` takes it. */
  constructor(
    private readonly boardUrl: string,
    private readonly directorId: string,
    private readonly token: string,
    private readonly timeoutMs = 2_000,
  ) {}

  async heartbeat(body: Heartbeat, signal: AbortSignal): Promise<HeartbeatOutcome> {
    const url = `${this.boardUrl.replace(/\/+$/, '')}/directors/${encodeURIComponent(this.directorId)}/heartbeat`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      const text = await res.text();
      if (!res.ok) return { ok: false, reason: `heartbeat: HTTP ${res.status} ${text.slice(0, 200)}` };
      const parsed = HeartbeatReply.safeParse(JSON.parse(text));
      if (!parsed.success) return { ok: false, reason: `heartbeat: bad reply: ${parsed.error.issues[0]?.message}` };
      return { ok: true, reply: parsed.data };
    } catch (err) {
      return { ok: false, reason: `heartbeat: ${(err as Error).name}: ${(err as Error).message}` };
    }
  }
}
