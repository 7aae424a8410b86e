import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import { firstDelayMs, initialState, onResult, type CheckerState } from '../../core/check/checker-state.ts';
import type { ReasonCode } from '../../core/check/result.ts';
import { runCheck } from '../../core/check/run-check.ts';
import type { Vote } from '../../core/vote/fold.ts';
import { CONNECTIONS_PER_INVOCATION } from '../../core/vote/shards.ts';
import { workersCheckPorts } from '../ports/workers-ports.ts';
import { withDeadline } from './deadline.ts';
import { isLate, isTimingOut } from './board-shards.ts';
import { alarmGapMs, batchWindowMs, continuousPays, continuousWindowEndMs, VOTE_EVERY_MS } from './hot-path.ts';
import { LatenessWindow } from './prober-health.ts';
import { ProberSpec, type ProberJob } from './prober-plan.ts';

interface Last {
  reason: ReasonCode;
  latencyMs: number;
  atMs: number;
  detail: string;
}

interface Slot {
  job: ProberJob;
  state: CheckerState;
  dueMs: number;
  last: Last | null;
  /** Runs since this checker (re)started: status and tests. */
  runs: number;
}

export interface ProberStatus {
  vantagePoint: string | null;
  configVersion: number | null;
  alarmAtMs: number | null;
  mode: 'alarms' | 'continuous';
  jobs: { id: string; target: string; up: boolean; hasRun: boolean; dueMs: number; runs: number; last: Last | null }[];
}

const BOARD_DEADLINE_MS = 10_000;

/** The planner's hold floor (shard-planner.ts HOLD_FLOOR_MS), for a checker that has not run yet. */
const UNMEASURED_HOLD_MS = 20;
const minLoopMs = (spec: ProberSpec) => Math.min(...spec.jobs.map((j) => j.timing.delayLoopMs));

const SpecRow = z.object({ spec: z.string() });

/**
 * One edge vantage point's shard of checks for one cluster, at the region its
 * locationHint puts it. Alarms drive keepalived's schedule (warmup, retry,
 * delay_before_retry, delay_loop from the end of each run); each alarm runs
 * everything due with at most six sockets open (the per-invocation limit) and
 * sends the Board one batch with a vote per real server it checked, which is
 * also its heartbeat. Alarms are at least alarmGapMs apart (hot-path.ts), so
 * a check starts at most one gap late; a Prober later than that (p99 over a
 * minute) says so with its batch and the Board splits its shard. A shard
 * dense enough that a minute of billed wall-clock costs less than its alarms
 * runs continuous instead: one alarm per window, checks as they fall due,
 * votes every second (continuous() below).
 *
 * Only the plan is stored (written when it changes, not per run). Checker
 * state lives in memory: after an eviction every checker starts again in
 * keepalived's initial state (up unless alpha, first run after warmup), as
 * keepalived's checkers do when it restarts. The Board holds its verdicts
 * meanwhile: the old votes stay fresh for three intervals.
 */
export class Prober extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** undefined: not read from storage yet. */
  private spec: ProberSpec | null | undefined;
  private specText: string | null = null;
  private slots = new Map<string, Slot>();
  private readonly lateness = new LatenessWindow();
  /** Tests shorten a continuous window or force the mode (runInDurableObject); production leaves both alone. */
  private windowEndMs: (startMs: number) => number = continuousWindowEndMs;
  private forceMode: 'alarms' | 'continuous' | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS spec (k INTEGER PRIMARY KEY CHECK (k = 1), spec TEXT NOT NULL)`);
    // The first version wrote every checker's state here after every run.
    this.sql.exec(`DROP TABLE IF EXISTS jobs`);
  }

  private loadSpec(): ProberSpec | null {
    if (this.spec !== undefined) return this.spec;
    const row = SpecRow.safeParse(this.sql.exec(`SELECT spec FROM spec WHERE k = 1`).toArray()[0]);
    let parsed: ProberSpec | null = null;
    if (row.success) {
      try {
        const p = ProberSpec.safeParse(JSON.parse(row.data.spec));
        parsed = p.success ? p.data : null;
      } catch {
        parsed = null;
      }
    }
    this.spec = parsed;
    this.specText = parsed ? JSON.stringify(parsed) : null;
    return parsed;
  }

  /** Checkers for the plan: unchanged ones keep their state and due time; new ones (or all, after an eviction) start fresh. */
  private reslot(spec: ProberSpec, nowMs: number): void {
    const next = new Map<string, Slot>();
    if (spec.jobs.length !== this.slots.size || spec.jobs.some((j) => !this.slots.has(j.id))) this.lateness.reset();
    for (const job of spec.jobs) {
      const prev = this.slots.get(job.id);
      const same = prev && JSON.stringify(prev.job) === JSON.stringify(job);
      next.set(job.id, same ? prev : { job, state: initialState(job.timing.alpha), dueMs: nowMs + firstDelayMs(job.timing, Math.random), last: null, runs: 0 });
    }
    this.slots = next;
  }

  private ready(): ProberSpec | null {
    const spec = this.loadSpec();
    if (spec && this.slots.size === 0) this.reslot(spec, Date.now());
    return spec;
  }

  /**
   * Takes a new plan from the Board. A checker whose definition is unchanged
   * keeps its state and its next due time, so a re-sent plan (every cron
   * minute) never disturbs the schedule, and writes nothing; an empty plan
   * retires this Prober.
   */
  async configure(input: ProberSpec): Promise<{ jobs: number; alarmAtMs: number | null }> {
    const spec = ProberSpec.parse(input);
    this.ready();
    if (spec.jobs.length === 0) {
      this.sql.exec(`DELETE FROM spec`);
      this.spec = null;
      this.specText = null;
      this.slots.clear();
      await this.ctx.storage.deleteAlarm();
      return { jobs: 0, alarmAtMs: null };
    }
    const text = JSON.stringify(spec);
    if (text !== this.specText) {
      this.sql.exec(`INSERT INTO spec (k, spec) VALUES (1, ?) ON CONFLICT (k) DO UPDATE SET spec = excluded.spec`, text);
      this.spec = spec;
      this.specText = text;
    }
    this.reslot(spec, Date.now());
    return { jobs: spec.jobs.length, alarmAtMs: await this.arm() };
  }

  /** The cron's heal: an alarm that was lost (or never set) is set again. */
  async rearm(): Promise<number | null> {
    if (!this.ready()) return null;
    return this.arm();
  }

  async status(): Promise<ProberStatus> {
    const spec = this.ready();
    return {
      vantagePoint: spec?.vantagePoint ?? null,
      configVersion: spec?.configVersion ?? null,
      alarmAtMs: await this.ctx.storage.getAlarm(),
      mode: spec ? this.mode(spec) : 'alarms',
      jobs: [...this.slots.values()].map((s) => ({ id: s.job.id, target: s.job.target, up: s.state.up, hasRun: s.state.hasRun, dueMs: s.dueMs, runs: s.runs, last: s.last })),
    };
  }

  /** `inAlarm`: the running alarm still reads as set until its handler returns, so the next one must be set regardless. */
  private async arm(inAlarm = false, notBeforeMs = 0): Promise<number | null> {
    if (this.slots.size === 0) return null;
    let next = Infinity;
    for (const s of this.slots.values()) next = Math.min(next, s.dueMs);
    next = Math.max(next, notBeforeMs);
    const current = inAlarm ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
    return Math.min(next, current ?? Infinity);
  }

  /**
   * Per-alarm or continuous, from the plan (each check's delay_loop) and what
   * its checks measured (a fast 20 ms until then: the first round measures it,
   * and a fresh shard of a few slow checks should not start on a minute of
   * billed wall-clock it may not need): hot-path.ts continuousPays
   * weighs the per-alarm costs against a whole window of billed wall-clock.
   */
  private mode(spec: ProberSpec): 'alarms' | 'continuous' {
    if (this.forceMode) return this.forceMode;
    let runsPerS = 0;
    let busyPerS = 0;
    for (const s of this.slots.values()) {
      const everyS = Math.max(1, s.job.timing.delayLoopMs) / 1000;
      runsPerS += 1 / everyS;
      busyPerS += Math.min(s.last?.latencyMs ?? UNMEASURED_HOLD_MS, s.job.timing.connectTimeoutMs) / 1000 / everyS;
    }
    return continuousPays(runsPerS, busyPerS, alarmGapMs(minLoopMs(spec)), CONNECTIONS_PER_INVOCATION) ? 'continuous' : 'alarms';
  }

  /** One check of one checker: keepalived's state machine, the next due time from the end of the run, lateness. */
  private async runOne(slot: Slot): Promise<void> {
    const dueMs = slot.dueMs;
    const runStartMs = Date.now();
    const signal = AbortSignal.timeout(slot.job.timing.connectTimeoutMs * 3 + 1000);
    const target = { ip: slot.job.ip, port: slot.job.port, realServerVirtualhost: slot.job.realServerVirtualhost, virtualServerVirtualhost: slot.job.virtualServerVirtualhost };
    const r = await runCheck(slot.job.check, target, workersCheckPorts, { timeoutMs: slot.job.timing.connectTimeoutMs, signal });
    const step = onResult(slot.state, r.ok, slot.job.timing, slot.job.check.type);
    const end = Date.now();
    slot.state = step.state;
    slot.dueMs = end + step.nextDelayMs;
    slot.last = { reason: r.reason, latencyMs: r.latencyMs, atMs: end, detail: r.detail.slice(0, 200) };
    slot.runs++;
    this.lateness.record(runStartMs, dueMs, r.reason);
  }

  override async alarm(): Promise<void> {
    const spec = this.ready();
    if (!spec) return;
    if (this.mode(spec) === 'continuous') return this.continuous();
    const startMs = Date.now();
    const ran = new Set<Slot>();
    // The alarm serves what is due by its start plus half a gap (hot-path.ts), not what falls due while it
    // runs: a moving horizon kept the last busy socket chasing arrivals alone (one socket at 100% in a
    // dense shard) while five sat idle, so alarms ran for seconds and checks started seconds late.
    // With a fixed horizon an alarm lasts about (its checks × hold) / 6 and the rest wait for the next.
    const gapMs = alarmGapMs(minLoopMs(spec));
    const horizon = startMs + batchWindowMs(gapMs);
    // Earliest due first, so the wait for a free socket falls on the checks due last.
    const queue = [...this.slots.values()].filter((s) => s.dueMs <= horizon).sort((a, b) => a.dueMs - b.dueMs);
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        ran.add(s);
        await this.runOne(s);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS_PER_INVOCATION }, worker));
    await this.arm(true, startMs + gapMs);
    await this.sendVotes(spec, new Set([...ran].map((s) => s.job.target)));
  }

  /**
   * Continuous mode: this one alarm runs every check as it falls due until
   * the window ends (before the next cron minute), six at a time, each
   * socket sleeping until the next check is due; the votes go to the Board
   * every VOTE_EVERY_MS, then one alarm is set for the next window.
   *
   * Why (per second of a shard, prices in hot-path.ts): per-alarm mode pays
   * up to one alarm request + one vote RPC + one setAlarm row each gap
   * ($1.3e-6) plus the wall-clock its alarms are open; a window pays its whole
   * wall-clock ($1.5625e-6: 128 MB × $12.5/M GB-s) + one vote RPC a second
   * ($0.15e-6) + one alarm and one row a minute. That is fixed per shard, so
   * per check it falls as the shard fills its six sockets: at a mean hold h a
   * shard runs up to 6 × U / h checks a second, ≈ h / (6U) × $1.7e-6 a run.
   * The plan (re-sent each cron minute) may change meanwhile: each pick reads
   * the current checkers, and an empty plan ends the window.
   */
  private async continuous(): Promise<void> {
    const startMs = Date.now();
    const endMs = this.windowEndMs(startMs);
    const running = new Set<Slot>();
    let pending = new Set<string>();
    let open = CONNECTIONS_PER_INVOCATION;
    let wake: (() => void) | undefined;
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
    const pick = (nowMs: number): { slot?: Slot; nextMs: number } => {
      let best: Slot | undefined;
      for (const s of this.slots.values()) if (!running.has(s) && (!best || s.dueMs < best.dueMs)) best = s;
      if (best && best.dueMs <= nowMs) return { slot: best, nextMs: nowMs };
      return { nextMs: best ? best.dueMs : nowMs + VOTE_EVERY_MS };
    };
    const worker = async () => {
      for (let now = Date.now(); now < endMs && this.spec; now = Date.now()) {
        const { slot, nextMs } = pick(now);
        // Nothing due: sleep until the earliest is (at most a vote interval, so a new plan is seen).
        if (!slot) {
          await sleep(Math.min(nextMs, endMs, now + VOTE_EVERY_MS) - now);
          continue;
        }
        running.add(slot);
        try {
          await this.runOne(slot);
        } finally {
          running.delete(slot);
        }
        pending.add(slot.job.target);
      }
      if (--open === 0) wake?.();
    };
    const voter = async () => {
      // Until the last socket is done, then once more for what it ran.
      for (;;) {
        const done = open === 0;
        if (!done) await Promise.race([sleep(VOTE_EVERY_MS), new Promise<void>((resolve) => (wake = resolve))]);
        const targets = pending;
        pending = new Set();
        const current = this.spec;
        if (current && targets.size > 0) await this.sendVotes(current, targets);
        if (done) return;
      }
    };
    await Promise.all([...Array.from({ length: CONNECTIONS_PER_INVOCATION }, worker), voter()]);
    if (this.spec) await this.arm(true, Date.now());
  }

  /** One batch to the Board, with this Prober's health when it is behind. */
  private async sendVotes(spec: ProberSpec, targets: Set<string>): Promise<void> {
    const votes = this.votesFor(spec, targets);
    if (votes.length === 0) return;
    // Behind (late p99 > 20% of the shortest loop, or timing out en masse): say so with the votes, and the Board re-plans.
    const health = this.lateness.report(spec.shard, minLoopMs(spec), Date.now(), (h) => isLate(h) || isTimingOut(h));
    const board = this.env.BOARD.get(this.env.BOARD.idFromName(spec.cluster));
    try {
      await withDeadline(board.submitEdgeVotes(spec.cluster, spec.vantagePoint, votes, health), BOARD_DEADLINE_MS, 'Board.submitEdgeVotes');
    } catch (err) {
      // The votes are lost, not the schedule: the next run votes again, and the Board holds state meanwhile.
      console.warn(`prober ${spec.cluster}/${spec.vantagePoint}/${spec.shard}: votes not delivered: ${(err as Error).message}`);
    }
  }

  /** One vote per real server touched: up only while all its checkers are up (keepalived's rule). */
  private votesFor(spec: ProberSpec, targets: Set<string>): Vote[] {
    const votes: Vote[] = [];
    const byTarget = new Map<string, Slot[]>();
    for (const s of this.slots.values()) if (targets.has(s.job.target)) byTarget.set(s.job.target, [...(byTarget.get(s.job.target) ?? []), s]);
    for (const [target, mine] of byTarget) {
      const failing = mine.find((s) => !s.state.up);
      const latest = mine.reduce((a, b) => ((b.last?.atMs ?? 0) > (a.last?.atMs ?? 0) ? b : a));
      votes.push({
        target,
        vantagePoint: spec.vantagePoint,
        up: !failing,
        reason: failing ? (failing.last?.reason === 'ok' ? 'protocol_error' : (failing.last?.reason ?? 'aborted')) : 'ok',
        latencyMs: Math.max(0, latest.last?.latencyMs ?? 0),
        atMs: latest.last?.atMs ?? Date.now(),
        intervalMs: Math.max(...mine.map((s) => s.job.timing.delayLoopMs)),
        timeoutMs: Math.max(...mine.map((s) => s.job.timing.connectTimeoutMs)),
      });
    }
    return votes;
  }
}
