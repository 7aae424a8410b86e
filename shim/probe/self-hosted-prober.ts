import type { CheckPorts } from '../../core/check/ports.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { Scheduler, type RunReport } from '../../core/check/scheduler.ts';
import type { Check } from '../../core/config/checks.ts';
import { effectiveTiming, type EffectiveTiming } from '../../core/config/effective.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Vote } from '../../core/vote/fold.ts';
import { realServerKey } from '../../core/vote/targets.ts';
import type { Assignment, BoardClient } from './board-client.ts';

export interface ProberOptions {
  vantagePoint: string;
  board: BoardClient;
  ports: CheckPorts;
  clock: Clock;
  /** How often the assignment is fetched again (a new config takes effect within this). */
  refreshMs?: number;
  /** Votes are sent at most this long after they are made, in one batch. */
  flushMs?: number;
  maxBatch?: number;
  log?: (line: string) => void;
}

interface Slot {
  target: string;
  check: Check;
  timing: EffectiveTiming;
  ip: string;
  port: number;
  rsVirtualhost: string | undefined;
  vsVirtualhost: string | undefined;
  up: boolean;
}

/**
 * `vigil probe`: a vantage point outside the edge (inside a data centre, on a
 * director). It runs the same engine and scheduler for the real servers the
 * Board assigns it, including what the edge cannot do (private addresses, UDP,
 * PING, MISC), and posts one vote per real server per run, in batches.
 */
export class SelfHostedProber {
  private scheduler: Scheduler | null = null;
  private loop: Promise<void> = Promise.resolve();
  private etag = '';
  private slots = new Map<string, Slot>();
  private queue = new Map<string, Vote>();
  private readonly stop = new AbortController();
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly o: ProberOptions) {}

  /** Runs until close(); a Board that is down is retried at each refresh (the checks keep running meanwhile). */
  async run(): Promise<void> {
    const refreshMs = this.o.refreshMs ?? 10_000;
    const flushMs = this.o.flushMs ?? 250;
    let nextRefresh = 0;
    while (!this.stop.signal.aborted) {
      if (this.o.clock.nowMs() >= nextRefresh) {
        nextRefresh = this.o.clock.nowMs() + refreshMs;
        try {
          const a = await this.o.board.assignment(this.o.vantagePoint, this.stop.signal);
          if (a.etag !== this.etag) this.apply(a);
        } catch (err) {
          if (!this.stop.signal.aborted) this.o.log?.(`probe ${this.o.vantagePoint}: assignment: ${(err as Error).message}`);
        }
      }
      await this.o.clock.sleep(flushMs, this.stop.signal);
      await this.flush();
    }
    this.scheduler?.close();
    await this.loop;
    await this.flush();
  }

  close(): void {
    this.stop.abort();
    this.scheduler?.close();
  }

  private apply(a: Assignment): void {
    this.scheduler?.close();
    this.etag = a.etag;
    const mine = new Set(a.targets);
    this.slots = new Map();
    const scheduler = new Scheduler({
      clock: this.o.clock,
      maxConcurrent: 256,
      jitterFraction: 0.02,
      run: (job, signal) => {
        const s = this.slots.get(job.id)!;
        return runCheck(s.check, { ip: s.ip, port: s.port, realServerVirtualhost: s.rsVirtualhost, virtualServerVirtualhost: s.vsVirtualhost }, this.o.ports, { timeoutMs: job.timing.connectTimeoutMs, signal });
      },
      onReport: (r) => this.onReport(r),
    });
    for (const vs of a.config.virtualServers) {
      for (const rs of vs.realServers) {
        const target = realServerKey(vs, rs);
        if (!mine.has(target)) continue;
        rs.checks.forEach((check, i) => {
          if (check.type === 'FILE_CHECK' || check.type === 'BFD_CHECK') return;
          const c = check as Check & { connectIp?: string; connectPort?: number };
          const timing = effectiveTiming(vs, rs, check);
          const id = `${target}#${i}`;
          this.slots.set(id, { target, check, timing, ip: c.connectIp ?? rs.ip, port: c.connectPort ?? rs.port ?? vs.port ?? 0, rsVirtualhost: rs.virtualhost, vsVirtualhost: vs.virtualhost, up: !timing.alpha });
          scheduler.add({ id, type: check.type, timing });
        });
      }
    }
    this.scheduler = scheduler;
    const prev = this.loop;
    this.loop = prev.then(() => scheduler.loop());
    this.o.log?.(`probe ${this.o.vantagePoint}: config v${a.version}, ${mine.size} real server(s), ${this.slots.size} checker(s)`);
  }

  private onReport(r: RunReport): void {
    const s = this.slots.get(r.job.id);
    if (!s) return;
    s.up = r.state.up;
    const mine = [...this.slots.values()].filter((x) => x.target === s.target);
    const up = mine.every((x) => x.up);
    this.queue.set(s.target, {
      target: s.target,
      vantagePoint: this.o.vantagePoint,
      up,
      reason: up ? 'ok' : r.result.ok ? 'protocol_error' : r.result.reason,
      latencyMs: Math.max(0, r.result.latencyMs),
      atMs: Date.now(),
      intervalMs: Math.max(...mine.map((x) => x.timing.delayLoopMs)),
      timeoutMs: Math.max(...mine.map((x) => x.timing.connectTimeoutMs)),
    });
    if (this.queue.size >= (this.o.maxBatch ?? 1000)) void this.flush();
  }

  /** Sends what is queued; a failed post keeps the newest vote per target for the next try. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.queue.size === 0) return;
      const batch = [...this.queue.values()];
      this.queue.clear();
      try {
        await this.o.board.postVotes(batch);
      } catch (err) {
        for (const v of batch) if (!this.queue.has(v.target)) this.queue.set(v.target, v);
        this.o.log?.(`probe ${this.o.vantagePoint}: votes not delivered: ${(err as Error).message}`);
      }
    });
    return this.flushing;
  }
}
