import { planCheckers, type PlannedChecker, type PlannedRealServer } from '../../core/check/checker-plan.ts';
import type { CheckPorts } from '../../core/check/ports.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { Scheduler, type Job, type RunReport } from '../../core/check/scheduler.ts';
import type { Config } from '../../core/config/model.ts';
import type { Clock } from '../../core/ports/clock.ts';

/** A scheduler job that carries its planned checker, so a report needs no lookup by id. */
export interface LocalJob extends Job {
  checker: PlannedChecker;
}

export interface LocalCheckerOptions {
  ports: CheckPorts;
  clock: Clock;
  maxConcurrent?: number;
  /** Every finished check, with the planned checker it ran. */
  onRun: (r: RunReport<LocalJob>) => void;
}

/**
 * keepalived's checker on one host: every checker of every real server (the
 * one plan, core/check/checker-plan.ts) on its own schedule. What the results
 * mean for a real server and its virtual server is the caller's
 * (shim/daemon/local-verdicts.ts folds them), so no second copy of the table
 * is kept here.
 */
export class LocalChecker {
  private readonly scheduler: Scheduler<LocalJob>;
  /** The checkers it runs, by real server. */
  readonly plan: readonly PlannedRealServer[];

  constructor(config: Config, o: LocalCheckerOptions) {
    this.scheduler = new Scheduler<LocalJob>({
      clock: o.clock,
      maxConcurrent: o.maxConcurrent ?? 256,
      jitterFraction: 0.02,
      run: (job, signal) => runCheck(job.checker.check, job.checker, o.ports, { timeoutMs: job.timing.connectTimeoutMs, signal }),
      onReport: o.onRun,
    });
    this.plan = planCheckers(config);
    for (const rs of this.plan) for (const c of rs.checkers) this.scheduler.add({ id: c.id, type: c.check.type, timing: c.timing, checker: c });
  }

  /** Runs until close(). */
  run(): Promise<void> {
    return this.scheduler.loop();
  }

  close(): void {
    this.scheduler.close();
  }
}
