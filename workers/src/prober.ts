import { DurableObject } from 'cloudflare:workers';
import * as z from 'zod';
import type { PlannedChecker } from '../../core/check/checker-plan.ts';
import { firstDueMs, initialState, type CheckerState } from '../../core/check/checker-state.ts';
import { realServerVote } from '../../core/check/real-server-vote.ts';
import type { Vote } from '../../core/vote/fold.ts';
import { isLate, isTimingOut, type ProberHealth } from './board-shards.ts';
import { withDeadline } from './deadline.ts';
import { alarmGapMs, roundLengthMs, roundLostAfterMs } from './edge-timings.ts';
import { LatenessWindow } from './prober-health.ts';
import { proberName, ProberSpec } from './prober-plan.ts';
import { Outcome, ReportKind, type Last } from './round.ts';

interface Slot {
  job: PlannedChecker;
  state: CheckerState;
  dueMs: number;
  last: Last | null;
  /** Runs since this checker (re)started: status and tests. */
  runs: number;
  /** Lent to a ProbeRunner round until it reports, or until `lostAtMs`. */
  round?: { id: string; lostAtMs: number };
}

export interface ProberStatus {
  vantagePoint: string | null;
  configVersion: number | null;
  alarmAtMs: number | null;
  /** Since this object (re)started: rounds handed to a ProbeRunner, reported back, taken back as lost, not dispatched (the runner call failed). */
  rounds: { dispatched: number; reported: number; lost: number; failed: number };
  /** The round out now, lent to a ProbeRunner, and when it counts as lost (its checkers then run again); null: none. */
  round: { id: string; lostAtMs: number } | null;
  jobs: { id: string; target: string; up: boolean; hasRun: boolean; dueMs: number; runs: number; last: Last | null; inRound: boolean }[];
}

const RUNNER_DEADLINE_MS = 5000;

const minLoopMs = (spec: ProberSpec) => Math.min(...spec.jobs.map((j) => j.timing.delayLoopMs));
const maxTimeoutMs = (spec: ProberSpec) => Math.max(...spec.jobs.map((j) => j.timing.connectTimeoutMs));
/** Connections a second this shard opens: a run each delay_loop, one per url for an HTTP check. */
const connectionsPerS = (spec: ProberSpec) => spec.jobs.reduce((n, j) => n + Math.max(1, 'urls' in j.check ? j.check.urls.length : 1) / (Math.max(1, j.timing.delayLoopMs) / 1000), 0);
/** When a checker next needs this Prober: its due time, or, lent to a round, when that round counts as lost. */
const wantedAtMs = (s: Slot) => s.round?.lostAtMs ?? s.dueMs;

const SpecRow = z.object({ spec: z.string() });

/**
 * One edge vantage point's shard of checks for one cluster, at the region its
 * locationHint puts it. Alarms drive keepalived's schedule (warmup, retry,
 * delay_before_retry, delay_loop from the end of each run): each alarm lends
 * the checkers due within the next round to a ProbeRunner invocation, which
 * runs each check at its due time with at most six sockets open (the
 * per-invocation limit the Board's shard plan sizes for) and reports back
 * (roundDone); the votes it derives here go to the Board in one batch per
 * report, which is also this vantage point's heartbeat. The Prober itself
 * never waits on a socket (probe-runner.ts: why). A Prober whose checks
 * start late (p99 over a minute) says so with its votes and the Board splits
 * its shard.
 *
 * Only the plan is stored (written when it changes, not per run). Checker
 * state lives in memory: after an eviction every checker starts again in
 * keepalived's initial state (up unless alpha, first run after warmup), as
 * keepalived's checkers do when it restarts, and a round still out reports
 * to a Prober that no longer knows it (dropped). The Board holds its
 * verdicts meanwhile: the old votes stay fresh for three intervals.
 */
export class Prober extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** undefined: not read from storage yet. */
  private spec: ProberSpec | null | undefined;
  private specText: string | null = null;
  private slots = new Map<string, Slot>();
  private readonly lateness = new LatenessWindow();
  private readonly rounds = { dispatched: 0, reported: 0, lost: 0, failed: 0 };
  /**
   * The round out now, until its end report: one at a time, so the next
   * round takes every checker then due (two rounds in flight would each
   * bring back their own checkers and stay apart for good, doubling the
   * rounds a shard pays for).
   */
  private current: { id: string; lostAtMs: number } | null = null;

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
      next.set(job.id, same ? prev : { job, state: initialState(job.timing.alpha), dueMs: firstDueMs(nowMs, job.timing, Math.random), last: null, runs: 0 });
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
      rounds: { ...this.rounds },
      round: this.current ? { ...this.current } : null,
      jobs: [...this.slots.values()].map((s) => ({ id: s.job.id, target: s.job.target, up: s.state.up, hasRun: s.state.hasRun, dueMs: s.dueMs, runs: s.runs, last: s.last, inRound: s.round !== undefined })),
    };
  }

  /**
   * The alarm for the earliest checker that needs this Prober (with a round
   * out, for when that round counts as lost: its report comes first and
   * moves the alarm), unless one is set sooner already (a row only when it moves).
   */
  private async arm(): Promise<number | null> {
    if (this.slots.size === 0) return null;
    let next = this.current?.lostAtMs ?? Infinity;
    if (!this.current) for (const s of this.slots.values()) next = Math.min(next, wantedAtMs(s));
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
    return Math.min(next, current ?? Infinity);
  }

  /**
   * Lends every checker due within the next round (edge-timings.ts roundLengthMs: up to 20 s) to
   * a ProbeRunner invocation through the PROBE_RUNNER Service binding and
   * returns at once, without waiting on a single socket: this object is
   * idle, and not billed for duration, while the checks run (probe-runner.ts
   * says why). The runner reports back through roundDone, which sets the
   * next alarm. A round that never reports is taken back after a grace
   * (edge-timings.ts roundLostAfterMs; the cron's rearm sets the alarm for it)
   * and its checkers run again, so a lost runner costs one round of those
   * checks, not the schedule.
   */
  override async alarm(): Promise<void> {
    const spec = this.ready();
    if (!spec) return;
    const startMs = Date.now();
    if (this.current && this.current.lostAtMs > startMs) {
      // Woken while a round is out (a re-sent plan armed an earlier alarm): its report schedules what comes next.
      await this.ctx.storage.setAlarm(this.current.lostAtMs);
      return;
    }
    this.current = null;
    const lost = new Set<string>();
    for (const s of this.slots.values()) if (s.round && s.round.lostAtMs <= startMs) (lost.add(s.round.id), (s.round = undefined));
    this.rounds.lost += lost.size;
    const endMs = startMs + roundLengthMs(maxTimeoutMs(spec), connectionsPerS(spec));
    const due = [...this.slots.values()].filter((s) => !s.round && s.dueMs < endMs);
    if (due.length > 0) {
      const id = crypto.randomUUID();
      const lostAtMs = endMs + roundLostAfterMs(maxTimeoutMs(spec));
      for (const s of due) s.round = { id, lostAtMs };
      const round = { id, prober: proberName(spec.cluster, spec.vantagePoint, spec.shard), cluster: spec.cluster, vantagePoint: spec.vantagePoint, endMs, checks: due.map((s) => ({ job: s.job, state: s.state, dueMs: s.dueMs })) };
      // Out from now: a fast round can report before runRound's answer is back here.
      this.current = { id, lostAtMs };
      try {
        await withDeadline(this.env.PROBE_RUNNER.runRound(round), RUNNER_DEADLINE_MS, 'ProbeRunner.runRound');
        this.rounds.dispatched++;
        // No alarm now: the round's report at its end sets the next one for every checker (arm), so rounds
        // follow one another instead of an alarm at the end racing the report. A round that never
        // reports: the cron's rearm sets the alarm for its grace, within a minute.
        return;
      } catch (err) {
        this.rounds.failed++;
        if (this.current?.id === id) this.current = null;
        for (const s of due) if (s.round?.id === id) s.round = undefined;
        console.warn(`prober ${round.prober}: round not dispatched: ${(err as Error).message}`);
        await this.ctx.storage.setAlarm(startMs + alarmGapMs(minLoopMs(spec)));
        return;
      }
    }
    // Nothing due within a round: the alarm for the earliest that needs this Prober.
    let next = Infinity;
    for (const s of this.slots.values()) next = Math.min(next, wantedAtMs(s));
    await this.ctx.storage.setAlarm(next);
  }

  /**
   * A ProbeRunner's report for a round (round.ts ReportKind): transitions at
   * once, the finished checkers back at the round's end, the last stragglers
   * after. Results for a checker that was re-planned, or whose round was
   * taken as lost, are dropped; the answer is the votes for the real servers
   * touched (and this Prober's health when behind), which the runner takes
   * to the Board. Checkers coming back get their next alarm here.
   */
  async roundDone(roundId: string, input: Outcome[], kindInput: ReportKind): Promise<{ votes: Vote[]; health?: ProberHealth } | null> {
    const spec = this.ready();
    if (!spec) return null;
    const outcomes = Outcome.array().parse(input);
    const kind = ReportKind.parse(kindInput);
    const touched = new Set<string>();
    for (const o of outcomes) {
      const slot = this.slots.get(o.id);
      if (!slot || slot.round?.id !== roundId) continue;
      slot.state = o.state;
      slot.dueMs = o.dueMs;
      slot.last = o.last;
      slot.runs += o.runs.length;
      for (const r of o.runs) this.lateness.record(r.atMs, r.dueMs, r.reason);
      if (kind === 'returned') slot.round = undefined;
      touched.add(slot.job.target);
    }
    // The round's end returns every checker lent to it, run or not (those it had no socket for are due at once).
    if (kind !== 'transition' && this.current?.id === roundId) this.current = null;
    if (kind === 'final') {
      this.rounds.reported++;
      for (const s of this.slots.values()) if (s.round?.id === roundId) s.round = undefined;
    }
    // The returned checkers' next run: about one setAlarm a round, here (alarm() set none for them).
    if (kind !== 'transition') await this.arm();
    const votes = this.votesFor(spec, touched);
    return { votes, health: votes.length > 0 ? this.health(spec) : undefined };
  }

  /** This Prober's health when it is behind (late p99 > 20% of the shortest loop, or timing out en masse), for the Board to re-plan. */
  private health(spec: ProberSpec): ProberHealth | undefined {
    return this.lateness.report(spec.shard, minLoopMs(spec), Date.now(), (h) => isLate(h) || isTimingOut(h));
  }

  /** One vote per real server touched, by core's rule for every vantage point (realServerVote). */
  private votesFor(spec: ProberSpec, targets: Set<string>): Vote[] {
    const byTarget = new Map<string, { state: CheckerState; last: Last | null; timing: PlannedChecker['timing'] }[]>();
    for (const s of this.slots.values()) {
      if (!targets.has(s.job.target)) continue;
      let mine = byTarget.get(s.job.target);
      if (!mine) byTarget.set(s.job.target, (mine = []));
      mine.push({ state: s.state, last: s.last, timing: s.job.timing });
    }
    const nowMs = Date.now();
    return [...byTarget].map(([target, mine]) => realServerVote(target, spec.vantagePoint, mine, nowMs));
  }
}
