import type { ReasonCode } from '../../core/check/result.ts';
import type { ProberHealth } from './board-shards.ts';
import { LAG_REPORT_EVERY_MS, LAG_WINDOW_MS, lateThresholdMs } from './edge-timings.ts';

interface Run {
  atMs: number;
  lateMs: number;
  timedOut: boolean;
}

const TIMEOUTS: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['connect_timeout', 'read_timeout']);

/**
 * A Prober's own view of its schedule over the last minute: how late each run
 * started against keepalived's due time, and how many ended at their timeout.
 * In memory only (an evicted Prober starts a fresh window, as its checkers do).
 */
export class LatenessWindow {
  private runs: Run[] = [];
  private lastReportMs = -Infinity;

  record(atMs: number, dueMs: number, reason: ReasonCode): void {
    this.runs.push({ atMs, lateMs: Math.max(0, atMs - dueMs), timedOut: TIMEOUTS.has(reason) });
  }

  /** After a new plan: the old lateness says nothing about the new shard. */
  reset(): void {
    this.runs = [];
  }

  health(shard: number, minDelayLoopMs: number, nowMs: number): ProberHealth {
    this.runs = this.runs.filter((r) => r.atMs > nowMs - LAG_WINDOW_MS);
    const late = this.runs.map((r) => r.lateMs).sort((a, b) => a - b);
    const lateP99Ms = late.length ? late[Math.min(late.length - 1, Math.ceil(late.length * 0.99) - 1)]! : 0;
    const first = this.runs[0]?.atMs ?? nowMs;
    return { shard, lateP99Ms, thresholdMs: lateThresholdMs(minDelayLoopMs), runs: this.runs.length, timeouts: this.runs.filter((r) => r.timedOut).length, windowMs: nowMs - first };
  }

  /** The health to send with this batch: only when behind, and at most every LAG_REPORT_EVERY_MS. */
  report(shard: number, minDelayLoopMs: number, nowMs: number, behind: (h: ProberHealth) => boolean): ProberHealth | undefined {
    const h = this.health(shard, minDelayLoopMs, nowMs);
    if (!behind(h) || nowMs - this.lastReportMs < LAG_REPORT_EVERY_MS) return undefined;
    this.lastReportMs = nowMs;
    return h;
  }
}
