import type { CheckPorts } from '../../core/check/ports.ts';
import { runCheck } from '../../core/check/run-check.ts';
import type { CheckResult } from '../../core/check/result.ts';
import { Scheduler, type RunReport } from '../../core/check/scheduler.ts';
import type { Check } from '../../core/config/checks.ts';
import { effectiveTiming } from '../../core/config/effective.ts';
import type { RealServer, VirtualServer } from '../../core/config/lvs.ts';
import type { Config } from '../../core/config/model.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { realServerKey } from '../../core/vote/targets.ts';
import { foldVirtualServer, type DesiredVirtualServer } from '../../core/vote/virtual-server.ts';

interface CheckerSlot {
  vs: VirtualServer;
  rs: RealServer;
  rsKey: string;
  check: Check;
  up: boolean;
  last?: CheckResult;
}

export interface RealServerChange {
  key: string;
  alive: boolean;
  /** The failing checks' reasons, or the last success. */
  reasons: string[];
  atMs: number;
}

export interface LocalCheckerOptions {
  ports: CheckPorts;
  clock: Clock;
  maxConcurrent?: number;
  onRealServer?: (c: RealServerChange) => void;
  onVirtualServer?: (d: DesiredVirtualServer, prev: DesiredVirtualServer | undefined) => void;
  onRun?: (r: RunReport) => void;
}

/**
 * keepalived's checker on one host: every checker of every real server on its
 * own schedule, a real server alive only while all its checks are up, and the
 * virtual server folded with keepalived's quorum, sorry_server and inhibit rules.
 */
export class LocalChecker {
  private readonly slots = new Map<string, CheckerSlot>();
  private readonly scheduler: Scheduler;
  private readonly rsAlive = new Map<string, { alive: boolean; weight?: number }>();
  private readonly desired = new Map<string, DesiredVirtualServer>();

  constructor(
    private readonly config: Config,
    private readonly o: LocalCheckerOptions,
  ) {
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
      onReport: (r) => this.onReport(r),
    });
    for (const vs of config.virtualServers) {
      for (const rs of vs.realServers) {
        const rsKey = realServerKey(vs, rs);
        this.rsAlive.set(rsKey, { alive: !(rs.alpha ?? vs.alpha) });
        rs.checks.forEach((check, i) => {
          if (check.type === 'FILE_CHECK' || check.type === 'BFD_CHECK') return;
          const timing = effectiveTiming(vs, rs, check);
          const id = `${rsKey}#${i}`;
          this.slots.set(id, { vs, rs, rsKey, check, up: !timing.alpha });
          this.scheduler.add({ id, type: check.type, timing });
        });
      }
      const d = foldVirtualServer(vs, this.rsAlive, undefined);
      this.desired.set(d.key, d);
    }
  }

  /** Runs until close(). */
  run(): Promise<void> {
    return this.scheduler.loop();
  }

  close(): void {
    this.scheduler.close();
  }

  table(): DesiredVirtualServer[] {
    return [...this.desired.values()];
  }

  private onReport(r: RunReport): void {
    this.o.onRun?.(r);
    const s = this.slots.get(r.job.id);
    if (!s) return;
    s.up = r.state.up;
    s.last = r.result;
    const mine = [...this.slots.values()].filter((x) => x.rsKey === s.rsKey);
    const alive = mine.every((x) => x.up);
    const dynamic = mine.map((x) => x.last?.weight).find((w) => w !== undefined);
    const prev = this.rsAlive.get(s.rsKey);
    this.rsAlive.set(s.rsKey, { alive, weight: dynamic });
    if (prev?.alive !== alive) {
      const reasons = mine.filter((x) => (alive ? true : !x.up)).map((x) => `${x.check.type}: ${x.last?.reason ?? 'pending'}${x.last?.detail ? ` (${x.last.detail})` : ''}`);
      this.o.onRealServer?.({ key: s.rsKey, alive, reasons, atMs: this.o.clock.nowMs() });
    }
    if (prev?.alive !== alive || prev?.weight !== dynamic) {
      const vs = s.vs;
      const key = [...this.desired.keys()].find((k) => this.desired.get(k)!.realServers.some((x) => x.key === s.rsKey))!;
      const before = this.desired.get(key);
      const after = foldVirtualServer(vs, this.rsAlive, before?.quorumUp);
      this.desired.set(key, after);
      this.o.onVirtualServer?.(after, before);
    }
  }
}
