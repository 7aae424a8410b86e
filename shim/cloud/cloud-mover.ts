/**
 * The director's cloud failover loop: heartbeat to the Board every
 * `heartbeatMs`, keep the leases it answers with (deadline by the director's
 * own clock, localLeaseDeadline), and for each binding held, bring the address
 * here (level-triggered: observe, act only on a difference). Reconciles run
 * beside the heartbeats, never in front of them: a throttled API must not
 * stop the renewals that keep the lease.
 */
import { localLeaseDeadline } from '../../core/lease/lease.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { AddressBackend } from './backend.ts';
import type { HeldLease } from './lease-guard.ts';
import type { LeaseClient } from './lease-client.ts';
import { deadline } from '../ports/deadline.ts';

export type MoverEvent =
  | { type: 'granted'; binding: string; token: number; deadlineMs: number }
  | { type: 'lost'; binding: string; token: number; why: 'expired' | 'revoked' }
  | { type: 'moved'; binding: string; token: number }
  | { type: 'error'; binding: string; code: string; message: string }
  | { type: 'heartbeat-failed'; reason: string };

/** The leases this director believes it holds. The lease guard reads it before every API call. */
export class LeaseStore {
  private readonly held = new Map<string, HeldLease>();
  constructor(private readonly clock: Clock) {}

  get(binding: string): HeldLease | null {
    const l = this.held.get(binding);
    return l && l.deadlineMs > this.clock.nowMs() ? l : null;
  }
  set(binding: string, lease: HeldLease): void {
    this.held.set(binding, lease);
  }
  delete(binding: string): HeldLease | undefined {
    const l = this.held.get(binding);
    this.held.delete(binding);
    return l;
  }
  entries(): [string, HeldLease][] {
    return [...this.held];
  }
}

export interface MoverOptions {
  backends: AddressBackend[];
  leases: LeaseStore;
  client: LeaseClient;
  clock: Clock;
  heartbeatMs: number;
  /** The director's own checks; false makes it ineligible on the Board. */
  healthy: () => boolean;
  releaseOnShutdown: boolean;
  /** A held address is observed again at least this often, so a late or foreign move gets undone. */
  reobserveMs?: number;
  onEvent?: (e: MoverEvent) => void;
}

export class CloudMover {
  private readonly observed: Record<string, 'here' | 'elsewhere' | 'unassigned' | 'unknown'> = {};
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly confirmedAtMs = new Map<string, number>();

  constructor(private readonly o: MoverOptions) {
    for (const b of o.backends) this.observed[b.binding] = 'unknown';
  }

  /** Runs until `signal` aborts (SIGTERM/SIGINT in the daemon), then releases if configured. */
  async run(signal: AbortSignal): Promise<void> {
    for (const b of this.o.backends) await b.stepDown(signal);
    while (!signal.aborted) {
      const nextInMs = await this.tick(signal);
      await this.o.clock.sleep(nextInMs, signal);
    }
    await Promise.allSettled(this.inFlight.values());
    if (this.o.releaseOnShutdown) await this.releaseAll();
  }

  /** One heartbeat and what follows from it; returns how long to wait before the next one. */
  async tick(signal: AbortSignal): Promise<number> {
    const { clock, heartbeatMs } = this.o;
    const sentAtMs = clock.nowMs();
    const limit = deadline(heartbeatMs * 2, 'heartbeat', signal);
    const out = await this.o.client.heartbeat({ healthy: this.o.healthy(), bindings: this.o.backends.map((b) => b.binding), observed: { ...this.observed } }, limit.signal).finally(limit.clear);
    let nextInMs = heartbeatMs;
    if (!out.ok) this.o.onEvent?.({ type: 'heartbeat-failed', reason: out.reason });
    for (const b of this.o.backends) {
      const got = out.ok ? out.reply.leases[b.binding] : undefined;
      const mine = this.o.leases.entries().find(([n]) => n === b.binding)?.[1];
      if (got?.holder && got.token !== null && got.remainingMs > 0) {
        // A reply for an older token than one already held is stale (reordered): ignore it.
        if (mine && mine.token > got.token) continue;
        const lease = { token: got.token, deadlineMs: localLeaseDeadline(sentAtMs, got.remainingMs) };
        if (lease.deadlineMs <= clock.nowMs()) continue;
        this.o.leases.set(b.binding, lease);
        if (!mine || mine.token !== got.token) {
          this.confirmedAtMs.delete(b.binding);
          this.o.onEvent?.({ type: 'granted', binding: b.binding, token: got.token, deadlineMs: lease.deadlineMs });
        }
      } else if (mine && (out.ok || mine.deadlineMs <= clock.nowMs())) {
        // The Board says someone else (or no one) holds it, or our own deadline passed without a renewal.
        this.o.leases.delete(b.binding);
        this.o.onEvent?.({ type: 'lost', binding: b.binding, token: mine.token, why: out.ok ? 'revoked' : 'expired' });
        void b.stepDown(signal);
      }
      if (got && !got.holder && got.leaseEndsInMs !== null) nextInMs = Math.min(nextInMs, got.leaseEndsInMs + 25);
      if (this.o.leases.get(b.binding)) this.reconcile(b, signal);
    }
    return Math.max(10, nextInMs - (clock.nowMs() - sentAtMs));
  }

  private reconcile(b: AddressBackend, signal: AbortSignal): void {
    if (this.inFlight.has(b.binding)) return;
    const at = this.confirmedAtMs.get(b.binding);
    if (at !== undefined && this.o.clock.nowMs() - at < (this.o.reobserveMs ?? 5_000)) return;
    const run = (async () => {
      const token = this.o.leases.get(b.binding)?.token ?? 0;
      const r = await b.acquire(signal);
      if (r.ok) {
        this.observed[b.binding] = 'here';
        this.confirmedAtMs.set(b.binding, this.o.clock.nowMs());
        if (r.value.changed) this.o.onEvent?.({ type: 'moved', binding: b.binding, token });
      } else {
        this.o.onEvent?.({ type: 'error', binding: b.binding, code: r.error.code, message: r.error.message });
      }
    })().finally(() => this.inFlight.delete(b.binding));
    this.inFlight.set(b.binding, run);
  }

  private async releaseAll(): Promise<void> {
    // The shutdown signal has fired; release gets its own deadline, bounded by each lease anyway.
    const signal = AbortSignal.timeout(this.o.heartbeatMs * 3);
    for (const b of this.o.backends) {
      if (!this.o.leases.get(b.binding)) continue;
      const r = await b.release(signal);
      if (!r.ok) this.o.onEvent?.({ type: 'error', binding: b.binding, code: r.error.code, message: r.error.message });
      const l = this.o.leases.delete(b.binding);
      if (l) this.o.onEvent?.({ type: 'lost', binding: b.binding, token: l.token, why: 'revoked' });
    }
  }

  /** For tests and /metrics: the bindings this director believes it holds right now. */
  holding(): string[] {
    return this.o.backends.map((b) => b.binding).filter((n) => this.o.leases.get(n) !== null);
  }
}
