import * as z from 'zod';
import { PlannedChecker } from '../../core/check/checker-plan.ts';
import { CheckerState, nextDueMs, onResult } from '../../core/check/checker-state.ts';
import { ReasonCode } from '../../core/check/result.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { CONNECTIONS_PER_INVOCATION } from '../../core/vote/shards.ts';
import { workersCheckPorts } from '../ports/workers-ports.ts';

/** A round holds at most this many checks: one socket each, under the 10,000 subrequests of a paid invocation with room for its reports. */
export const MAX_ROUND_CHECKS = 5000;

/**
 * A round: the checks one Prober hands a ProbeRunner invocation for the next
 * few seconds (probe-runner.ts says why). Each check comes with keepalived's
 * state of its checker and its due time; the runner runs it when due, steps
 * the state machine, runs it again if it falls due again before the round
 * ends (a retry after delay_before_retry, a short delay_loop), and hands the
 * states back. The Prober stays the owner of every checker's state: a round
 * is a loan of some of them.
 */
export const RoundCheck = z.object({
  job: PlannedChecker,
  state: CheckerState,
  dueMs: z.number(),
});
export type RoundCheck = z.infer<typeof RoundCheck>;

export const Round = z.object({
  id: z.string().min(1).max(64),
  /** The Prober to report to (proberName: cluster/vantage point/shard). */
  prober: z.string().min(1),
  cluster: z.string().min(1),
  vantagePoint: z.string().min(1),
  /** No check starts at or after this time; checks running then finish first. */
  endMs: z.number(),
  checks: z.array(RoundCheck).max(MAX_ROUND_CHECKS),
});
export type Round = z.infer<typeof Round>;

export const Last = z.object({ reason: ReasonCode, latencyMs: z.number(), atMs: z.number(), detail: z.string() });
export type Last = z.infer<typeof Last>;

/** A run's start against keepalived's due time, for the Prober's lateness window. */
export const RunTiming = z.object({ atMs: z.number(), dueMs: z.number(), reason: ReasonCode });

/** What a round did to one checker: its state, next due time and last result now, and its runs since the previous report. */
export const Outcome = z.object({
  id: z.string(),
  state: CheckerState,
  dueMs: z.number(),
  last: Last,
  runs: z.array(RunTiming),
});
export type Outcome = z.infer<typeof Outcome>;

/**
 * What a report to the Prober says of the checkers in it: `transition`, they
 * went up or down and stay lent (the round goes on); `returned`, they are
 * back (the round still has checks running); `final`, the round is over and
 * every checker lent to it is back, run or not.
 */
export const ReportKind = z.enum(['transition', 'returned', 'final']);
export type ReportKind = z.infer<typeof ReportKind>;

interface Live {
  check: RoundCheck;
  state: CheckerState;
  dueMs: number;
  /** How far from its due time it may start, either way (slackMs of the wait that made it due). */
  slackMs: number;
  last: Last | null;
  runs: z.infer<typeof RunTiming>[];
}

/** `drain`: the runs go with this report and not with the next. */
const outcome = (l: Live, drain: boolean): Outcome => ({ id: l.check.job.id, state: l.state, dueMs: l.dueMs, last: l.last!, runs: drain ? l.runs.splice(0) : [] });

/** How long past its end a round waits for the checks still running before it hands back those that finished. */
export const END_GRACE_MS = 500;

export interface RoundHooks {
  /** A checker went up or down: heard at once (detection must not wait for the end of the round). */
  transition(o: Outcome): void;
  /**
   * The round is over, or END_GRACE_MS past its end with checks still
   * running (a target holding its socket to the timeout): every checker that
   * finished, handed back so the Prober can schedule its next run now.
   */
  ended(finished: Outcome[], stragglers: number): void;
}

/**
 * Runs a round with at most six sockets open (a Worker invocation's limit),
 * each check at its due time, earliest first; no check starts at or after
 * `endMs`. Resolves, once the last check has finished, with the checkers
 * that `ended` did not already hand back. The queue is kept sorted by due
 * time, so a pick costs no scan: this CPU is billed per check.
 */
/**
 * A check starts within 2.5% of the wait that made it due (its delay_loop,
 * or its delay_before_retry for a retry; at most 250 ms) either side of its
 * due time, so that checks falling due close together start on one wake-up
 * of the invocation instead of one each: every wake-up is CPU, and CPU is
 * what a round is billed for (bench/results.md). Early and late balance, so
 * the loop keeps keepalived's length on average (next run due a delay_loop
 * after this one ends); the Prober's alarms before rounds allowed half a
 * second either way.
 */
export const SLACK_SHARE = 0.025;
export const SLACK_MAX_MS = 250;
export const slackMs = (waitMs: number) => Math.min(SLACK_MAX_MS, Math.floor(waitMs * SLACK_SHARE));

export async function executeRound(round: Round, hooks: RoundHooks, now: () => number = Date.now): Promise<Outcome[]> {
  const queue: Live[] = round.checks.map((check) => ({ check, state: check.state, dueMs: check.dueMs, slackMs: slackMs(check.job.timing.delayLoopMs), last: null, runs: [] })).sort((a, b) => a.dueMs - b.dueMs);
  const requeue = (l: Live) => {
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid]!.dueMs <= l.dueMs) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, l);
  };
  const ran = new Set<Live>();
  const running = new Set<Live>();
  // One dispatcher waits for due times and free sockets; a finished check wakes it. (Six sockets each
  // sleeping until the next due time woke six times per check: CPU, which is what a round is billed for.)
  let wake: (() => void) | undefined;
  const changed = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const waitChange = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(changed, Math.max(0, ms));
      wake = () => (clearTimeout(timer), resolve());
    });
  const run = async (l: Live, t: number) => {
    const job = l.check.job;
    let r: { ok: boolean; reason: Outcome['last']['reason']; latencyMs: number; detail: string };
    // A hard deadline past the check's own timeouts, cleared when it is done (AbortSignal.timeout's timer
    // would fire seconds after every check, one more wake-up each).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error('check deadline')), job.timing.connectTimeoutMs * 3 + 1000);
    try {
      // The planned checker is its own target (ip, port, virtualhosts): no object per run.
      r = await runCheck(job.check, job, workersCheckPorts, { timeoutMs: job.timing.connectTimeoutMs, signal: deadline.signal });
    } catch (err) {
      r = { ok: false, reason: 'aborted', latencyMs: now() - t, detail: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
    const step = onResult(l.state, r.ok, job.timing, job.check.type);
    const end = now();
    l.runs.push({ atMs: t, dueMs: l.dueMs, reason: r.reason });
    l.state = step.state;
    l.dueMs = nextDueMs(end, step);
    l.slackMs = slackMs(step.nextDelayMs);
    l.last = { reason: r.reason, latencyMs: r.latencyMs, atMs: end, detail: r.detail.slice(0, 200) };
    running.delete(l);
    ran.add(l);
    requeue(l);
    if (step.transition) hooks.transition(outcome(l, false));
    changed();
  };
  const dispatch = async () => {
    for (;;) {
      const head = queue[0];
      if (!head || head.dueMs >= round.endMs || now() >= round.endMs) {
        if (running.size === 0) return;
        await waitChange(Infinity); // a running check may come back due within the round (a retry)
        continue;
      }
      if (running.size >= CONNECTIONS_PER_INVOCATION) {
        await waitChange(Infinity);
        continue;
      }
      const t = now();
      if (head.dueMs - head.slackMs > t) {
        // Until the head is slackMs late, then start everything up to slackMs early: runs land within
        // ± slackMs of their due time, on time on average (all early would shorten every loop by slackMs).
        // Sooner when a finished check queues an earlier retry.
        await waitChange(Math.min(head.dueMs + head.slackMs, round.endMs) - t);
        continue;
      }
      queue.shift();
      running.add(head);
      void run(head, t);
    }
  };
  const all = dispatch();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, round.endMs + END_GRACE_MS - now()))));
  await Promise.race([all, grace]);
  clearTimeout(timer);
  const handed = new Set([...ran].filter((l) => !running.has(l)));
  hooks.ended([...handed].map((l) => outcome(l, true)), running.size);
  await all;
  return [...ran].filter((l) => !handed.has(l)).map((l) => outcome(l, true));
}
