/**
 * The director's side of the lease protocol:
 * `POST /v1/clusters/{cluster}/directors/{id}/heartbeat` with a shim token.
 * The interface is small so the mover can be driven by an in-process keeper
 * in unit tests and by the real LeaseKeeper (workerd) in the chaos suite.
 */
import { HeartbeatReply, type Heartbeat } from '../../core/lease/lease-wire.ts';
import { deadline } from '../ports/deadline.ts';

export { BindingLease, Heartbeat, HeartbeatReply, ObservedPlacement } from '../../core/lease/lease-wire.ts';

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
    const limit = deadline(this.timeoutMs, 'heartbeat', signal);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token}` },
        body: JSON.stringify(body),
        signal: limit.signal,
      });
      const text = await res.text();
      if (!res.ok) return { ok: false, reason: `heartbeat: HTTP ${res.status} ${text.slice(0, 200)}` };
      const parsed = HeartbeatReply.safeParse(JSON.parse(text));
      if (!parsed.success) return { ok: false, reason: `heartbeat: bad reply: ${parsed.error.issues[0]?.message}` };
      return { ok: true, reply: parsed.data };
    } catch (err) {
      return { ok: false, reason: `heartbeat: ${(err as Error).name}: ${(err as Error).message}` };
    } finally {
      limit.clear();
    }
  }
}
