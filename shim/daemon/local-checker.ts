import type { CheckPorts } from '../../core/check/ports.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { Scheduler, type RunReport } from '../../core/check/scheduler.ts';
import type { Check } from '../../core/config/checks.ts';
import { effectiveTiming } from '../../core/config/effective.ts';
import type { RealServer, VirtualServer } from '../../core/config/lvs.ts';
import type { Config } from '../../core/config/model.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { realServerKey } from '../../core/vote/targets.ts';

interface CheckerSlot {
  vs: VirtualServer;
  rs: RealServer;
  check: Check;
}

export interface LocalCheckerOptions {
  ports: CheckPorts;
  clock: Clock;
  maxConcurrent?: number;
  /** Every finished check; the job id is `<real server key>#<check index>`. */
  onRun: (r: RunReport) => void;
}

/**
 * keepalived's checker on one host: every checker of every real server on its
 * own schedule. What the results mean for a real server and its virtual
 * server is the caller's (shim/daemon/local-verdicts.ts folds them), so no
 * second copy of the table is kept here.
 */
export class LocalChecker {
  private readonly slots = new Map<string, CheckerSlot>();
  private readonly scheduler: Scheduler;

  constructor(config: Config, o: LocalCheckerOptions) {
    this.scheduler = new Scheduler({
      clock: o.clock,
      maxConcurrent: o.maxConcurrent ?? 256,
      jitterFraction: 0.02,
      run: (job, signal) => {
        const s = this.slots.get(job.id)!;
        const c = s.check as Check & { connectIp?: string; connectPort?: number };
        const target = {
          ip: c.connectIp ?? s.rs.ip,
          port: c.connectPort ?? s.rs.port ?? s.vs.port ?? 0,
          realServerVirtualhost: s.rs.virtualhost,
          virtualServerVirtualhost: s.vs.virtualhost,
        };
        return runCheck(s.check, target, o.ports, { timeoutMs: job.timing.connectTimeoutMs, signal });
      },
      onReport: o.onRun,
    });
    for (const vs of config.virtualServers) {
      for (const rs of vs.realServers) {
        if (!rs.checks.length) continue;
        const rsKey = realServerKey(vs, rs);
        rs.checks.forEach((check, i) => {
          if (check.type === 'FILE_CHECK' || check.type === 'BFD_CHECK') return;
          const timing = effectiveTiming(vs, rs, check);
          const id = `${rsKey}#${i}`;
          this.slots.set(id, { vs, rs, check });
          this.scheduler.add({ id, type: check.type, timing });
        });
      }
    }
  }

  /** Runs until close(). */
  run(): Promise<void> {
    return this.scheduler.loop();
  }

  close(): void {
    this.scheduler.close();
  }
}
