import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import { firstDelayMs, initialState, onResult, type CheckerState } from '../../core/check/checker-state.ts';
import { ReasonCode } from '../../core/check/result.ts';
import { runCheck } from '../../core/check/run-check.ts';
import type { Vote } from '../../core/vote/fold.ts';
import { CONNECTIONS_PER_INVOCATION } from '../../core/vote/shards.ts';
import { workersCheckPorts } from '../ports/workers-ports.ts';
import { withDeadline } from './deadline.ts';
import { ProberJob, ProberSpec } from './prober-plan.ts';

const JobRow = z.object({ id: z.string(), job: z.string(), state: z.string(), due_ms: z.number(), last: z.string().nullable() });
const State = z.object({ up: z.boolean(), hasRun: z.boolean(), retryIt: z.number().int() });
const Last = z.object({ reason: ReasonCode, latencyMs: z.number(), atMs: z.number(), detail: z.string() });
type Last = z.infer<typeof Last>;

interface Slot {
  job: ProberJob;
  state: CheckerState;
  dueMs: number;
  last: Last | null;
}

export interface ProberStatus {
  vantagePoint: string | null;
  configVersion: number | null;
  alarmAtMs: number | null;
  jobs: { id: string; target: string; up: boolean; hasRun: boolean; dueMs: number; last: Last | null }[];
}

/** Runs that start within this of their due time share one alarm, instead of one alarm each. */
const BATCH_WINDOW_MS = 25;
const BOARD_DEADLINE_MS = 10_000;

/**
 * One edge vantage point's shard of checks for one cluster, at the region its
 * locationHint puts it. Alarms drive keepalived's schedule (warmup, retry,
 * delay_before_retry, delay_loop from the end of each run); each alarm runs what
 * is due with at most six sockets open (the per-invocation limit) and sends
 * the Board one vote per real server it checked, which is also its heartbeat.
 */
export class Prober extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS spec (k INTEGER PRIMARY KEY CHECK (k = 1), spec TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, job TEXT NOT NULL, state TEXT NOT NULL, due_ms INTEGER NOT NULL, last TEXT)`);
  }

  private spec(): ProberSpec | null {
    const row = this.sql.exec<{ spec: string }>(`SELECT spec FROM spec WHERE k = 1`).toArray()[0];
    if (!row) return null;
    const p = ProberSpec.safeParse(JSON.parse(row.spec));
    return p.success ? p.data : null;
  }

  private slots(): Slot[] {
    const out: Slot[] = [];
    for (const raw of this.sql.exec(`SELECT * FROM jobs`).toArray()) {
      const r = JobRow.safeParse(raw);
      if (!r.success) continue;
      const job = ProberJob.safeParse(JSON.parse(r.data.job));
      const state = State.safeParse(JSON.parse(r.data.state));
      const last = r.data.last ? Last.safeParse(JSON.parse(r.data.last)) : null;
      if (!job.success || !state.success) continue;
      out.push({ job: job.data, state: state.data, dueMs: r.data.due_ms, last: last?.success ? last.data : null });
    }
    return out;
  }

  private save(s: Slot): void {
    this.sql.exec(
      `INSERT INTO jobs (id, job, state, due_ms, last) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET job = excluded.job, state = excluded.state, due_ms = excluded.due_ms, last = excluded.last`,
      s.job.id, JSON.stringify(s.job), JSON.stringify(s.state), s.dueMs, s.last ? JSON.stringify(s.last) : null,
    );
  }

  /**
   * Takes a new plan from the Board. A checker whose definition is unchanged
   * keeps its state and its next due time, so a re-sent plan (every cron
   * minute) never disturbs the schedule; an empty plan retires this Prober.
   */
  async configure(input: ProberSpec): Promise<{ jobs: number; alarmAtMs: number | null }> {
    const spec = ProberSpec.parse(input);
    const now = Date.now();
    const old = new Map(this.slots().map((s) => [s.job.id, s]));
    this.sql.exec(`DELETE FROM jobs`);
    if (spec.jobs.length === 0) {
      this.sql.exec(`DELETE FROM spec`);
      await this.ctx.storage.deleteAlarm();
      return { jobs: 0, alarmAtMs: null };
    }
    this.sql.exec(`INSERT INTO spec (k, spec) VALUES (1, ?) ON CONFLICT (k) DO UPDATE SET spec = excluded.spec`, JSON.stringify(spec));
    for (const job of spec.jobs) {
      const prev = old.get(job.id);
      const same = prev && JSON.stringify(prev.job) === JSON.stringify(job);
      this.save(same ? prev : { job, state: initialState(job.timing.alpha), dueMs: now + firstDelayMs(job.timing, Math.random), last: null });
    }
    return { jobs: spec.jobs.length, alarmAtMs: await this.arm() };
  }

  /** The cron's heal: an alarm that was lost (or never set) is set again. */
  async rearm(): Promise<number | null> {
    if (!this.spec()) return null;
    return this.arm();
  }

  async status(): Promise<ProberStatus> {
    const spec = this.spec();
    return {
      vantagePoint: spec?.vantagePoint ?? null,
      configVersion: spec?.configVersion ?? null,
      alarmAtMs: await this.ctx.storage.getAlarm(),
      jobs: this.slots().map((s) => ({ id: s.job.id, target: s.job.target, up: s.state.up, hasRun: s.state.hasRun, dueMs: s.dueMs, last: s.last })),
    };
  }

  /** `inAlarm`: the running alarm still reads as set until its handler returns, so the next one must be set regardless. */
  private async arm(inAlarm = false): Promise<number | null> {
    const slots = this.slots();
    if (slots.length === 0) return null;
    const next = Math.min(...slots.map((s) => s.dueMs));
    const current = inAlarm ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
    return Math.min(next, current ?? Infinity);
  }

  override async alarm(): Promise<void> {
    const spec = this.spec();
    if (!spec) return;
    const slots = this.slots();
    const due = slots.filter((s) => s.dueMs <= Date.now() + BATCH_WINDOW_MS);
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const s = due[next++]!;
        const signal = AbortSignal.timeout(s.job.timing.connectTimeoutMs * 3 + 1000);
        const target = { ip: s.job.ip, port: s.job.port, realServerVirtualhost: s.job.realServerVirtualhost, virtualServerVirtualhost: s.job.virtualServerVirtualhost };
        const r = await runCheck(s.job.check, target, workersCheckPorts, { timeoutMs: s.job.timing.connectTimeoutMs, signal });
        const step = onResult(s.state, r.ok, s.job.timing, s.job.check.type);
        const end = Date.now();
        s.state = step.state;
        s.dueMs = end + step.nextDelayMs;
        s.last = { reason: r.reason, latencyMs: r.latencyMs, atMs: end, detail: r.detail.slice(0, 200) };
        this.save(s);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONNECTIONS_PER_INVOCATION, due.length) }, worker));
    const votes = this.votesFor(spec, slots, new Set(due.map((s) => s.job.target)));
    await this.arm(true);
    if (votes.length === 0) return;
    const board = this.env.BOARD.get(this.env.BOARD.idFromName(spec.cluster));
    try {
      await withDeadline(board.submitEdgeVotes(spec.cluster, spec.vantagePoint, votes), BOARD_DEADLINE_MS, 'Board.submitEdgeVotes');
    } catch (err) {
      // The votes are lost, not the schedule: the next run votes again, and the Board holds state meanwhile.
      console.warn(`prober ${spec.cluster}/${spec.vantagePoint}/${spec.shard}: votes not delivered: ${(err as Error).message}`);
    }
  }

  /** One vote per real server touched: up only while all its checkers are up (keepalived's rule). */
  private votesFor(spec: ProberSpec, slots: Slot[], targets: Set<string>): Vote[] {
    const votes: Vote[] = [];
    for (const target of targets) {
      const mine = slots.filter((s) => s.job.target === target);
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
