/**
 * The first-class fake of the LeaseKeeper Durable Object: the same heartbeat
 * step (lease-table.ts) over in-memory maps, for tests about something else
 * and for the simulated-clock chaos runs. `restart()` keeps exactly what the
 * Durable Object persists (leases with their last token, heartbeats).
 */
import type { CloudBinding } from '../../core/config/vigil.ts';
import type { LeaseState } from '../../core/lease/lease.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { answerHeartbeat, type DirectorRecord, type PathVerdict } from '../../core/lease/lease-table.ts';
import type { HeartbeatOutcome, LeaseClient } from './lease-client.ts';
import type { Heartbeat } from '../../core/lease/lease-wire.ts';

export class LocalLeaseKeeper {
  private leases = new Map<string, LeaseState>();
  private directors = new Map<string, DirectorRecord>();
  verdicts: PathVerdict[] = [];
  down = false;

  constructor(
    private readonly bindings: CloudBinding[],
    private readonly clock: Clock,
  ) {}

  heartbeat(directorId: string, body: Heartbeat): HeartbeatOutcome {
    if (this.down) return { ok: false, reason: 'keeper down' };
    const nowMs = this.clock.nowMs();
    this.directors.set(directorId, { id: directorId, lastHeartbeatMs: nowMs, healthy: body.healthy });
    const a = answerHeartbeat({ directorId, body, nowMs, bindings: this.bindings, directors: this.directors, leases: this.leases, verdicts: this.verdicts });
    if (!a.ok) return { ok: false, reason: a.message };
    for (const [b, s] of a.changed) this.leases.set(b, s);
    return { ok: true, reply: a.reply };
  }

  clientFor(directorId: string): LeaseClient {
    return { heartbeat: async (body) => this.heartbeat(directorId, structuredClone(body)) };
  }

  /** A restart loses nothing the Durable Object keeps in SQLite; the copy proves no in-memory state is relied on. */
  restart(): void {
    this.leases = new Map(structuredClone([...this.leases]));
    this.directors = new Map(structuredClone([...this.directors]));
  }

  state(binding: string): LeaseState | undefined {
    return this.leases.get(binding);
  }
}
