import type { Config } from '../../core/config/model.ts';
import type { TargetVerdict } from '../../core/vote/fold.ts';
import type { Transition } from '../../core/vote/verdict.ts';
import { newEvent, type WebhookBody } from '../../core/webhook/event.ts';
import { vantagePointCounts } from './board-metrics.ts';
import { WebhookOutbox } from './webhook-outbox.ts';

/** A lease granted to another director (LeaseKeeper reports it; the Board's outbox delivers it). */
export interface LeaseMove {
  binding: string;
  from: string | null;
  to: string;
  fencingToken: number;
  atMs: number;
}

/**
 * What the Board's webhooks say: verdict changes and vantage points turning
 * silent or back, found at each fold, and lease moves reported by the
 * LeaseKeeper, queued in the outbox in the same turn (before any push) and
 * delivered from the Board's alarm.
 */
export class BoardWebhooks {
  readonly outbox: WebhookOutbox;
  /** Vantage points silent at the last fold; null until the first fold of this object, which only records (no event for a state found at start). */
  private silent: Set<string> | null = null;

  constructor(sql: SqlStorage) {
    this.outbox = new WebhookOutbox(sql);
  }

  onFold(cluster: string, config: Config, transitions: readonly Transition[], verdicts: ReadonlyMap<string, TargetVerdict>, assigned: ReadonlyMap<string, ReadonlySet<string>>, nowMs: number): void {
    const events: WebhookBody[] = transitions.map((t) => newEvent('verdict_change', cluster, t.atMs, { kind: t.kind, key: t.key, from: t.from, to: t.to, ...(t.votes ? { votes: t.votes } : {}) }));
    const vps = config.vigil.vantagePoints.map((v) => v.name);
    const counts = vantagePointCounts(vps, assigned, verdicts);
    const silentNow = new Set(vps.filter((vp) => (counts.assigned.get(vp) ?? 0) > 0 && counts.fresh.get(vp) === 0));
    if (this.silent) {
      for (const vp of vps) {
        const was = this.silent.has(vp);
        const is = silentNow.has(vp);
        if (was !== is) events.push(newEvent('vantage_point_silent', cluster, nowMs, { vantagePoint: vp, silent: is, assigned: counts.assigned.get(vp) ?? 0, fresh: counts.fresh.get(vp) ?? 0 }));
      }
    }
    this.silent = silentNow;
    if (events.length && config.vigil.alertWebhooks.length) this.outbox.enqueue(events, config.vigil.alertWebhooks);
  }

  leaseMoved(cluster: string, config: Config, moves: readonly LeaseMove[]): number {
    const events = moves.map((m) => newEvent('lease_moved', cluster, m.atMs, { binding: m.binding, from: m.from, to: m.to, fencingToken: m.fencingToken }));
    return config.vigil.alertWebhooks.length ? this.outbox.enqueue(events, config.vigil.alertWebhooks) : 0;
  }

  /** For the metrics: each configured webhook's deliveries by state, and how many were dropped. */
  counts(config: Config): { deliveries: { webhook: string; pending: number; delivered: number; failed: number }[]; dropped: number } {
    const s = this.outbox.status(config.vigil.alertWebhooks, 0);
    return { deliveries: s.webhooks.map((w) => ({ webhook: w.name, pending: w.pending, delivered: w.delivered, failed: w.failed })), dropped: s.droppedSinceStart };
  }
}
