/**
 * Two or three directors' cloud movers in this process, each with its own
 * EC2 client (its user agent names it in the endpoint's log), a lease client
 * that can be cut off from the Board, and a record of every lease deadline it
 * believed, which the invariants compare with the endpoint's call log.
 */
import type { CloudBinding } from '../../core/config/vigil.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { LeaseStore, type CloudMover } from '../../shim/cloud/cloud-mover.ts';
import type { HeldLease } from '../../shim/cloud/lease-guard.ts';
import type { LeaseClient } from '../../shim/cloud/lease-client.ts';
import type { Caller } from '../../shim/cloud/ec2-caller.ts';
import { DryRunLocalAddress } from '../../shim/cloud/local-address.ts';
import { wireMover } from '../../shim/cloud/wire-mover.ts';
import type { RetryPolicy } from '../../shim/cloud/with-retry.ts';
import type { CallRecord } from '../ec2/ec2-endpoint.ts';

export interface Span {
  token: number;
  fromMs: number;
  deadlineMs: number;
}

interface Shim {
  mover: CloudMover;
  leases: LeaseStore;
  abort: AbortController;
  running: Promise<void>;
}

export class Fleet {
  readonly spans = new Map<string, Span[]>();
  readonly cut = new Set<string>();
  private readonly shims = new Map<string, Shim>();

  constructor(
    private readonly o: { binding: CloudBinding; clientFor: (id: string) => LeaseClient; clock: Clock; heartbeatMs: number; retry: RetryPolicy; wrapCaller?: (c: Caller) => Caller },
  ) {}

  start(id: string): void {
    const { clock } = this.o;
    const spans = this.spans.get(id) ?? [];
    this.spans.set(id, spans);
    const inner = this.o.clientFor(id);
    const client: LeaseClient = { heartbeat: async (b, s) => (this.cut.has(id) ? { ok: false, reason: 'partitioned from the Board' } : inner.heartbeat(b, s)) };
    const wired = wireMover({ directorId: id, bindings: [this.o.binding], client, clock, local: new DryRunLocalAddress(), heartbeatMs: this.o.heartbeatMs, healthy: () => true, releaseOnShutdown: false, retry: this.o.retry, wrapCaller: this.o.wrapCaller });
    if (!wired.ok) throw new Error(wired.reasons.join('; '));
    // Every lease the director takes or renews is recorded with its own deadline.
    const set = wired.leases.set.bind(wired.leases);
    wired.leases.set = (binding: string, l: HeldLease) => {
      const last = spans.at(-1);
      if (last && last.token === l.token) last.deadlineMs = Math.max(last.deadlineMs, l.deadlineMs);
      else spans.push({ token: l.token, fromMs: clock.nowMs(), deadlineMs: l.deadlineMs });
      set(binding, l);
    };
    const abort = new AbortController();
    this.shims.set(id, { mover: wired.mover, leases: wired.leases, abort, running: wired.mover.run(abort.signal) });
  }

  /** The process dies: no release, no more calls (in-flight ones are aborted with it). */
  async kill(id: string): Promise<void> {
    const s = this.shims.get(id);
    if (!s) return;
    this.shims.delete(id);
    s.abort.abort();
    await s.running;
    // A dead process believes nothing.
    const last = this.spans.get(id)?.at(-1);
    if (last) last.deadlineMs = Math.min(last.deadlineMs, this.o.clock.nowMs());
  }

  alive(): string[] {
    return [...this.shims.keys()];
  }

  believers(): string[] {
    return [...this.shims].filter(([, s]) => s.leases.get(this.o.binding.name) !== null).map(([id]) => id);
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.shims.keys()]) await this.kill(id);
  }
}

/** Violations of "a director calls the API only inside a lease it held, and leases never overlap". */
export function checkCallLog(calls: readonly CallRecord[], spans: ReadonlyMap<string, Span[]>, transitSlackMs = 100): string[] {
  const out: string[] = [];
  for (const c of calls) {
    if (!c.director) continue;
    const own = spans.get(c.director) ?? [];
    if (!own.some((s) => c.receivedAtMs >= s.fromMs - transitSlackMs && c.receivedAtMs <= s.deadlineMs + transitSlackMs)) {
      out.push(`${c.director} called ${c.action} at ${c.receivedAtMs} outside any lease it held`);
    }
  }
  const all = [...spans].flatMap(([id, ss]) => ss.map((s) => ({ id, ...s })));
  for (const a of all) for (const b of all) if (a.id < b.id && a.fromMs < b.deadlineMs && b.fromMs < a.deadlineMs) out.push(`${a.id} (token ${a.token}) and ${b.id} (token ${b.token}) both held the lease between ${Math.max(a.fromMs, b.fromMs)} and ${Math.min(a.deadlineMs, b.deadlineMs)}`);
  return out;
}
