import type { Metrics } from './metrics.ts';

type Log = (msg: string, fields?: Record<string, unknown>) => void;

interface Burst {
  count: number;
  reasons: Record<string, number>;
  lastSaidMs: number;
}

/** While a burst goes on, a summary this often: an operator tailing the log sees it is still failing, not a line per fault. */
const SUMMARY_EVERY_MS = 60_000;

/**
 * The one place a daemon loop reports a fault it survived: counted by where
 * and reason in `vigil_shim_faults_total`, logged once when a burst starts
 * ("fault"), then quiet until the loop works again ("fault burst over", with
 * the count) or a minute has passed ("fault burst continues"). A loop calls
 * `ok(where)` after each pass that worked.
 */
export class Faults {
  private readonly bursts = new Map<string, Burst>();

  constructor(
    private readonly metrics: Metrics,
    private readonly log: Log,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    metrics.define('vigil_shim_faults_total', 'counter', 'Faults a daemon loop caught and survived, by where and reason');
  }

  fault(where: string, reason: string, detail?: string): void {
    this.metrics.inc('vigil_shim_faults_total', 1, { where, reason });
    const now = this.nowMs();
    const b = this.bursts.get(where);
    if (!b) {
      this.bursts.set(where, { count: 1, reasons: { [reason]: 1 }, lastSaidMs: now });
      this.log('fault', { where, reason, detail });
      return;
    }
    b.count++;
    b.reasons[reason] = (b.reasons[reason] ?? 0) + 1;
    if (now - b.lastSaidMs >= SUMMARY_EVERY_MS) {
      b.lastSaidMs = now;
      this.log('fault burst continues', { where, faults: b.count, reasons: b.reasons, detail });
    }
  }

  ok(where: string): void {
    const b = this.bursts.get(where);
    if (!b) return;
    this.bursts.delete(where);
    this.log('fault burst over', { where, faults: b.count, reasons: b.reasons });
  }

  /** Faults of the burst in progress at `where` (0 when it works). */
  pending(where: string): number {
    return this.bursts.get(where)?.count ?? 0;
  }
}

/** The line tests look for: a fault that reached the process's last resort is a bug, never an exit. */
export const UNHANDLED_MSG = 'BUG: unhandled fault caught at process level';
let installed = false;

/**
 * Process-wide last resort for the daemon: an unhandled rejection or an
 * uncaught exception is counted (where="process") and logged, and the
 * process goes on; the loops' own catches are the real defence, and the
 * next pass of each loop re-reads what it needs. Installed once per process.
 */
export function installProcessFaultHandlers(faults: Faults, log: Log): void {
  if (installed) return;
  installed = true;
  const caught = (kind: 'unhandled_rejection' | 'uncaught_exception') => (err: unknown) => {
    faults.fault('process', kind, String(err));
    // Every one logged (not once per burst): each is a bug to fix, with its stack.
    log(UNHANDLED_MSG, { kind, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  };
  process.on('unhandledRejection', caught('unhandled_rejection'));
  process.on('uncaughtException', caught('uncaught_exception'));
}
