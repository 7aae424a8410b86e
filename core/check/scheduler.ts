import type { EffectiveTiming } from '../config/effective.ts';
import type { CheckType } from '../config/checks.ts';
import type { Clock } from '../ports/clock.ts';
import { firstDueMs, initialState, nextDueMs, onResult, type CheckerState, type Transition } from './checker-state.ts';
import { MinHeap } from './min-heap.ts';
import { failResult, type CheckResult } from './result.ts';

/**
 * Runs many checkers, each on its own keepalived schedule, with at most
 * `maxConcurrent` runs in flight. A checker's next run is planned from the end
 * of its last one (as keepalived's timers are), so a slow target only ever
 * delays itself; every run has its own deadline (connect_timeout), so a slot is
 * held for a bounded time; and the queue is a heap, so 10,000 checkers cost
 * O(log n) per run.
 */
export interface Job {
  id: string;
  type: CheckType;
  timing: EffectiveTiming;
}

export interface RunReport<J extends Job = Job> {
  job: J;
  result: CheckResult;
  state: CheckerState;
  transition: Transition;
  /** How late the run started against its due time: the scheduler's own lag. */
  latenessMs: number;
  startedAtMs: number;
}

/** `J`: the caller's job, handed back as it was added (so a report needs no lookup by id). */
export interface SchedulerOptions<J extends Job = Job> {
  clock: Clock;
  maxConcurrent: number;
  /** Up to this fraction of each delay is added at random, so checkers started together drift apart. */
  jitterFraction?: number;
  /** Jitter never exceeds this, so it cannot stretch a 60 s delay_loop by more than a second. */
  maxJitterMs?: number;
  random?: () => number;
  run: (job: J, signal: AbortSignal) => Promise<CheckResult>;
  onReport?: (r: RunReport<J>) => void;
  /** Stop after this many runs in total (benchmarks and tests); unbounded when undefined. */
  maxRuns?: number;
}

const STOPPED = new Error('scheduler closed');
const WOKEN = new Error('woken');

interface Entry<J extends Job> {
  job: J;
  state: CheckerState;
  dueAtMs: number;
}

export class Scheduler<J extends Job = Job> {
  private readonly queue = new MinHeap<Entry<J>>();
  private inFlight = 0;
  private runs = 0;
  /** Wakes the loop from its wait (slot freed, job added, timer fired, closed). */
  private wakeUp: (() => void) | null = null;
  /**
   * One timer, armed for the earliest due time the loop has waited for. A run
   * finishing does not disarm it: re-arming a timer (and an AbortController)
   * on every completion was a large share of the loop's cost at steady load.
   * It is replaced only when an earlier wake is needed; a stale one wakes the
   * loop once, harmlessly.
   */
  private timerAt = Infinity;
  private timerCancel: AbortController | null = null;
  private readonly stop = new AbortController();
  /** One controller per run in flight, so each run's listeners stay few; close() aborts them all. */
  private readonly runSignals = new Set<AbortController>();
  private readonly random: () => number;
  private readonly jitterFraction: number;
  private readonly maxJitterMs: number;

  constructor(private readonly o: SchedulerOptions<J>) {
    this.random = o.random ?? Math.random;
    this.jitterFraction = o.jitterFraction ?? 0.02;
    this.maxJitterMs = o.maxJitterMs ?? 1000;
  }

  add(job: J): void {
    const due = firstDueMs(this.o.clock.nowMs(), job.timing, this.random);
    this.queue.push(due, { job, state: initialState(job.timing.alpha), dueAtMs: due });
    this.poke();
  }

  get running(): number {
    return this.inFlight;
  }

  /** Ends the loop; in-flight runs see their signal abort and finish with reason `aborted`. */
  close(): void {
    this.stop.abort(STOPPED);
    for (const c of this.runSignals) c.abort(STOPPED);
    this.timerCancel?.abort(STOPPED);
    this.timerCancel = null;
    this.poke();
  }

  /** Resolves when closed, or when maxRuns runs have finished. */
  async loop(): Promise<void> {
    const clock = this.o.clock;
    while (!this.stop.signal.aborted) {
      if (this.o.maxRuns !== undefined && this.runs >= this.o.maxRuns) {
        if (this.inFlight === 0) break;
        await this.idle(Infinity);
        continue;
      }
      const nextDue = this.queue.peekKey();
      const now = clock.nowMs();
      if (nextDue !== undefined && nextDue <= now && this.inFlight < this.o.maxConcurrent) {
        this.start(this.queue.popValue()!, now);
        continue;
      }
      // Nothing startable: wait for the next due time, a free slot or a new job.
      const waitMs = this.inFlight >= this.o.maxConcurrent || nextDue === undefined ? Infinity : nextDue - now;
      await this.idle(waitMs);
    }
  }

  private poke(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private idle(ms: number): Promise<void> {
    const p = new Promise<void>((r) => (this.wakeUp = r));
    if (ms !== Infinity) this.armTimer(ms);
    return p;
  }

  private armTimer(ms: number): void {
    const at = this.o.clock.nowMs() + ms;
    if (this.timerAt <= at) return;
    this.timerCancel?.abort(WOKEN);
    const c = new AbortController();
    this.timerCancel = c;
    this.timerAt = at;
    void this.o.clock.sleep(ms, c.signal).then(() => {
      if (this.timerCancel !== c) return;
      this.timerCancel = null;
      this.timerAt = Infinity;
      this.poke();
    });
  }

  private async runOne(e: Entry<J>, ac: AbortController, now: number, latenessMs: number): Promise<void> {
    let result: CheckResult;
    try {
      result = await this.o.run(e.job, ac.signal);
    } catch (err) {
      // A runner that throws is a bug; count it as a failed run so the checker keeps its schedule.
      result = failResult('protocol_error', 0, `runner threw: ${(err as Error)?.message}`);
    }
    this.runSignals.delete(ac);
    this.inFlight--;
    const step = onResult(e.state, result.ok, e.job.timing, e.job.type);
    try {
      if (this.o.onReport) this.o.onReport({ job: e.job, result, state: step.state, transition: step.transition, latenessMs, startedAtMs: now });
    } finally {
      const end = this.o.clock.nowMs();
      const jitter = Math.min(this.maxJitterMs, step.nextDelayMs * this.jitterFraction) * this.random();
      // The entry is reused: one object per checker, not one per run.
      e.state = step.state;
      e.dueAtMs = nextDueMs(end, step, jitter);
      if (!this.stop.signal.aborted) this.queue.push(e.dueAtMs, e);
      this.poke();
    }
  }

  private start(e: Entry<J>, now: number): void {
    this.inFlight++;
    this.runs++;
    const ac = new AbortController();
    this.runSignals.add(ac);
    void this.runOne(e, ac, now, now - e.dueAtMs);
  }
}
