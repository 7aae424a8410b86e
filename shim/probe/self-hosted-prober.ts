import { planCheckers, type PlannedChecker } from '../../core/check/checker-plan.ts';
import { initialState, type CheckerState } from '../../core/check/checker-state.ts';
import type { CheckPorts } from '../../core/check/ports.ts';
import type { ScriptPolicy } from '../../core/check/script-policy.ts';
import { realServerVote, type LastRun } from '../../core/check/real-server-vote.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { Scheduler, type RunReport } from '../../core/check/scheduler.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Vote } from '../../core/vote/fold.ts';
import type { Assignment, BoardClient } from './board-client.ts';
import { refuseScripts, scriptRunner } from '../checks/script-runner.ts';
import { VigilError } from '../../core/errors.ts';
import { DEFAULT_VOTE_MAX_SKEW_MS } from '../../core/vote/freshness.ts';

/** The longest wait between assignment requests while the Board refuses this vantage point. */
const MAX_REFUSED_BACKOFF_MS = 300_000;

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
  /**
   * Run the config's scripts (MISC_CHECK): the host's explicit opt-in
   * (`--allow-scripts`), off by default because the config comes from the
   * Board, not this host. Off, every script is refused (`script_refused`).
   */
  allowScripts?: boolean;
  log?: (line: string) => void;
}

/** A planned checker with what the vote needs of it: its state and last run as this vantage point saw them. */
interface Slot {
  checker: PlannedChecker;
  timing: PlannedChecker['timing'];
  state: CheckerState;
  last: LastRun | null;
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
  /** Each real server's slots, in the order its checks are written (the vote names the first failing one). */
  private byTarget = new Map<string, Slot[]>();
  private queue = new Map<string, Vote>();
  private readonly stop = new AbortController();
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly o: ProberOptions) {}

  /** Runs until close(); a Board that is down is retried at each refresh (the checks keep running meanwhile). */
  async run(): Promise<void> {
    const refreshMs = this.o.refreshMs ?? 10_000;
    const flushMs = this.o.flushMs ?? 250;
    let nextRefresh = 0;
    // After a refusal (this vantage point removed from the config, a token not accepted) the assignment is
    // asked for again less and less often, up to MAX_REFUSED_BACKOFF_MS, and said once until it changes.
    let refusedFor = 0;
    let lastRefusal = '';
    while (!this.stop.signal.aborted) {
      if (this.o.clock.nowMs() >= nextRefresh) {
        nextRefresh = this.o.clock.nowMs() + refreshMs;
        try {
          const a = await this.o.board.assignment(this.o.vantagePoint, this.stop.signal);
          if (refusedFor > 0) this.o.log?.(`probe ${this.o.vantagePoint}: the Board assigns checks again`);
          refusedFor = 0;
          lastRefusal = '';
          if (a.etag !== this.etag) this.apply(a);
        } catch (err) {
          if (this.stop.signal.aborted) break;
          if (err instanceof VigilError && !err.retryable) {
            // Nothing is assigned any more: the checks stop and what they queued is not sent.
            this.unassign();
            refusedFor++;
            nextRefresh = this.o.clock.nowMs() + Math.min(MAX_REFUSED_BACKOFF_MS, refreshMs * 2 ** refusedFor);
            if (err.message !== lastRefusal) this.o.log?.(`probe ${this.o.vantagePoint}: the Board refuses this vantage point (${err.code}: ${err.message}); checks stopped, asking again with backoff`);
            lastRefusal = err.message;
          } else this.o.log?.(`probe ${this.o.vantagePoint}: assignment: ${(err as Error).message}`);
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

  private unassign(): void {
    this.scheduler?.close();
    this.scheduler = null;
    this.etag = '';
    this.slots = new Map();
    this.queue.clear();
  }

  private apply(a: Assignment): void {
    this.scheduler?.close();
    this.etag = a.etag;
    this.slots = new Map();
    this.byTarget = new Map();
    const ports = this.portsFor(a.config.globalDefs);
    const scheduler = new Scheduler({
      clock: this.o.clock,
      maxConcurrent: 256,
      jitterFraction: 0.02,
      run: (job, signal) => {
        const c = this.slots.get(job.id)!.checker;
        return runCheck(c.check, c, ports, { timeoutMs: job.timing.connectTimeoutMs, signal });
      },
      onReport: (r) => this.onReport(r),
    });
    const mine = new Set(a.targets);
    for (const rs of planCheckers(a.config, mine)) {
      const slots = rs.checkers.map((checker): Slot => ({ checker, timing: checker.timing, state: initialState(checker.timing.alpha), last: null }));
      this.byTarget.set(rs.target, slots);
      for (const s of slots) {
        this.slots.set(s.checker.id, s);
        scheduler.add({ id: s.checker.id, type: s.checker.check.type, timing: s.timing });
      }
    }
    this.scheduler = scheduler;
    const prev = this.loop;
    this.loop = prev.then(() => scheduler.loop());
    this.o.log?.(`probe ${this.o.vantagePoint}: config v${a.version}, ${mine.size} real server(s), ${this.slots.size} checker(s)`);
  }

  /** The check ports for one assignment: scripts only with the opt-in, then under the config's script_user and enable_script_security. */
  private portsFor(policy: ScriptPolicy): CheckPorts {
    const log = (line: string) => this.o.log?.(`probe ${this.o.vantagePoint}: ${line}`);
    if (!this.o.allowScripts) return { ...this.o.ports, runScript: refuseScripts('scripts are off on this prober (start vigil probe with --allow-scripts to run them)') };
    return { ...this.o.ports, runScript: scriptRunner(policy, log) };
  }

  private onReport(r: RunReport): void {
    const s = this.slots.get(r.job.id);
    if (!s) return;
    s.state = r.state;
    s.last = { reason: r.result.reason, latencyMs: r.result.latencyMs, atMs: Date.now() };
    const c = s.checker;
    // As keepalived logs a checker's state changes (its first run included), with the reason a vote will carry.
    if (r.transition) this.o.log?.(`probe ${this.o.vantagePoint}: checker ${c.id} ${c.check.type} ${c.ip}:${c.port} ${r.transition}${r.result.ok ? '' : `: ${r.result.reason}`}`);
    const target = c.target;
    this.queue.set(target, realServerVote(target, this.o.vantagePoint, this.byTarget.get(target)!, Date.now()));
    if (this.queue.size >= (this.o.maxBatch ?? 1000)) void this.flush();
  }

  /** Sends what is queued; a failed post keeps the newest vote per target for the next try. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.queue.size === 0) return;
      // A vote older than half the Board's skew window would get the whole batch refused (a Board that was
      // away): it is dropped, and its checker's next run votes again.
      const oldestMs = Date.now() - DEFAULT_VOTE_MAX_SKEW_MS / 2;
      const batch = [...this.queue.values()].filter((v) => v.atMs >= oldestMs);
      const stale = this.queue.size - batch.length;
      this.queue.clear();
      if (stale > 0) this.o.log?.(`probe ${this.o.vantagePoint}: ${stale} vote(s) too old to deliver dropped`);
      if (batch.length === 0) return;
      try {
        await this.o.board.postVotes(batch, this.stop.signal);
      } catch (err) {
        // What the Board refused as such (a bad request, a token it does not accept) is not sent again as it is.
        const refused = err instanceof VigilError && !err.retryable;
        if (!refused) for (const v of batch) if (!this.queue.has(v.target)) this.queue.set(v.target, v);
        this.o.log?.(`probe ${this.o.vantagePoint}: votes not delivered${refused ? ' (refused, dropped)' : ''}: ${(err as Error).message}`);
      }
    });
    return this.flushing;
  }
}
