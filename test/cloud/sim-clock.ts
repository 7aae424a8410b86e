/**
 * A simulated clock for in-process chaos runs: sleeps are timers on a virtual
 * time line, and the driver moves time to the next timer only once the
 * process is idle (no EC2 call in flight except those parked on a virtual
 * delay, microtasks and I/O callbacks drained). A 20 s schedule then runs in
 * well under a second, with the real movers, the real SDK and the endpoint.
 */
import type { Clock } from '../../core/ports/clock.ts';
import type { Caller } from '../../shim/cloud/ec2-caller.ts';
import { WaitTimeout } from '../helpers/eventually.ts';

interface Timer {
  atMs: number;
  seq: number;
  fire: () => void;
}

export class SimClock implements Clock {
  private t = 1_700_000_000_000;
  private seq = 0;
  private timers: Timer[] = [];
  inFlight = 0;
  parked: () => number = () => 0;

  nowMs(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      };
      const timer: Timer = {
        atMs: this.t + Math.max(0, ms),
        seq: ++this.seq,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Counts EC2 calls in flight, so the driver never jumps time under a live request. */
  counting(): (c: Caller) => Caller {
    return (inner) => async (call, signal) => {
      this.inFlight++;
      try {
        return await inner(call, signal);
      } finally {
        this.inFlight--;
      }
    };
  }

  private async idle(overdue: () => void): Promise<void> {
    for (let quiet = 0; quiet < 3; ) {
      overdue();
      await new Promise((r) => setImmediate(r));
      if (this.inFlight - this.parked() > 0) {
        quiet = 0;
        await new Promise((r) => setTimeout(r, 1));
      } else quiet++;
    }
  }

  /**
   * Drives time until `done` resolves; calls `onStep` after each timer fires.
   * Fails, naming `what`, when `done` has not resolved after `timeoutMs` of
   * real time (a call that never returns, a schedule waiting on nothing).
   */
  async drive(done: Promise<unknown>, onStep: () => void, o: { what: string; timeoutMs: number }): Promise<void> {
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    const startedMs = this.t;
    const deadline = Date.now() + o.timeoutMs;
    const overdue = () => {
      if (Date.now() > deadline) throw new WaitTimeout(o.what, o.timeoutMs, `${this.t - startedMs} ms of simulated time, ${this.timers.length} timers pending, ${this.inFlight} EC2 calls in flight`);
    };
    while (!finished) {
      await this.idle(overdue);
      if (finished) break;
      this.timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) {
        overdue();
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      this.t = Math.max(this.t, next.atMs);
      next.fire();
      onStep();
    }
  }
}
