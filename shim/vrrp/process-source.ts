/**
 * A vrrp_track_process as a tracked object: up while the number of matching
 * processes is within [quorum, quorum_max] (keepalived's track_process.c).
 *
 * keepalived learns of forks, execs and exits from the kernel's proc
 * connector as they happen; the shim polls /proc instead (process-match.ts),
 * every PROCESS_POLL_MS, one walk shared by every tracked process of the
 * thread (ProcessScanner), which needs no netlink socket and costs one or two
 * bounded reads per process per pass.
 *
 * keepalived's delays, per poll:
 * - a loss that would change the status waits terminate_delay, a gain by a
 *   tracked process forking waits fork_delay; a process started afresh (exec)
 *   counts at once;
 * - a change undone before its delay ends is never reported;
 * - when the delay ends the status follows the count at that moment.
 * The first status comes from a scan at start, without delay, as keepalived's.
 */
import type { VrrpTrackProcess } from '../../core/config/track-process.ts';
import { systemClock, type Clock } from '../../core/ports/clock.ts';
import { matches, needsOf, ProcessMatcher, scanProcesses, walkProcs, type Found, type ProcNeeds } from './process-match.ts';
import type { TrackSource } from './track-sources.ts';
import type { TrackStatus } from './tracking.ts';
import { vrrpFault, vrrpOk } from './vrrp-faults.ts';

/**
 * keepalived is told at once; half a second is within one VRRP advert at
 * keepalived's default advert_int. A pass costs time in proportion to the
 * processes on the host: on the benchmark's loaded two-CPU VM, where every
 * syscall is slow, under 2 % of a core for a hundred processes and about a
 * tenth for a thousand (bench/results.md).
 */
export const PROCESS_POLL_MS = 500;

export type ProcessTrack = Pick<VrrpTrackProcess, 'name' | 'process' | 'params' | 'paramMatch' | 'fullCommand' | 'quorum' | 'quorumMax' | 'terminateDelayMs' | 'forkDelayMs'>;

/**
 * The count-to-status rules with their delays, pure: fed the matching
 * processes of each scan and the time of the scan.
 */
export class ProcessQuorum {
  up: boolean;
  private pids: Found;
  private pending: { dueMs: number } | null = null;

  constructor(
    private readonly t: ProcessTrack,
    initial: Found,
  ) {
    this.pids = initial;
    this.up = this.inQuorum(initial.size);
  }

  inQuorum(n: number): boolean {
    return n >= this.t.quorum && n <= this.t.quorumMax;
  }

  get count(): number {
    return this.pids.size;
  }

  /** When a pending delay ends, if one is pending. */
  get dueMs(): number | null {
    return this.pending?.dueMs ?? null;
  }

  /** Takes one scan's result; returns the status after it. */
  observe(nowMs: number, found: Found): boolean {
    const prev = this.pids;
    this.pids = found;
    const want = this.inQuorum(found.size);
    if (want === this.up) {
      this.pending = null;
      return this.up;
    }
    if (this.pending) {
      if (nowMs >= this.pending.dueMs) {
        this.pending = null;
        this.up = want;
      }
      return this.up;
    }
    const delayMs = found.size < prev.size ? this.t.terminateDelayMs : this.allForks(prev, found) ? this.t.forkDelayMs : 0;
    if (delayMs > 0) this.pending = { dueMs: nowMs + delayMs };
    else this.up = want;
    return this.up;
  }

  /** Every new process is the child of a tracked one: the count grew by forks, not by a program started afresh. */
  private allForks(prev: Found, found: Found): boolean {
    let any = false;
    for (const [pid, ppid] of found) {
      if (prev.has(pid)) continue;
      if (!prev.has(ppid) && !found.has(ppid)) return false;
      any = true;
    }
    return any;
  }
}

/**
 * One /proc walk per pass for every tracked process of the thread, as
 * keepalived's one read_procs: each pass reads what the most demanding
 * source needs, then each source matches in memory. It runs while it has
 * sources, and a pass comes sooner when a delay is due to end.
 */
export class ProcessScanner {
  private readonly sources = new Set<ProcessSource>();
  private abort: AbortController | null = null;
  private failing = false;
  /** Passes that could not read /proc: every source holds its status meanwhile. */
  scanErrors = 0;

  constructor(
    readonly clock: Clock = systemClock,
    private readonly pollMs = PROCESS_POLL_MS,
    private readonly procDir = '/proc',
    private readonly log?: (msg: string, fields: Record<string, unknown>) => void,
  ) {}

  /** Runs one /proc read; false when it failed (said once per run of failures). */
  private guarded(read: () => void): boolean {
    try {
      read();
      if (this.failing) {
        this.log?.('track process scan recovered', {});
        vrrpOk('vrrp_process_scan');
      }
      this.failing = false;
      return true;
    } catch (err) {
      this.scanErrors++;
      vrrpFault('vrrp_process_scan', 'read_failed', String(err));
      if (!this.failing) this.log?.('track process scan failed; tracked processes hold their status', { error: String(err) });
      this.failing = true;
      return false;
    }
  }

  /** The processes one matcher matches now (a source's first count), or null when /proc could not be read. */
  scanFor(matcher: ProcessMatcher, wantParents: boolean): Found | null {
    let found: Found = new Map();
    return this.guarded(() => void (found = scanProcesses(matcher, { wantParents, procDir: this.procDir }))) ? found : null;
  }

  /** One pass for every source; returns the wait until the next. */
  pass(): number {
    const now = this.clock.nowMs();
    const needs: ProcNeeds = { stat: false, cmdlineCap: 0 };
    const found = new Map<ProcessSource, Found>();
    for (const s of this.sources) {
      needs.stat ||= s.needs.stat;
      needs.cmdlineCap = Math.max(needs.cmdlineCap, s.needs.cmdlineCap);
      found.set(s, new Map());
    }
    const list = [...found];
    const ok = list.length > 0 && this.guarded(() => walkProcs(needs, (e) => { for (const [s, f] of list) if (matches(s.matcher, e)) f.set(e.pid, e.ppid); }, this.procDir));
    let wait = this.pollMs;
    for (const [s, f] of list) {
      if (ok) s.take(now, f);
      const due = s.dueMs;
      if (due !== null) wait = Math.min(wait, Math.max(0, due - now));
    }
    return wait;
  }

  add(s: ProcessSource): void {
    this.sources.add(s);
    if (this.abort) return;
    const abort = (this.abort = new AbortController());
    void (async () => {
      while (!abort.signal.aborted) {
        let wait = this.pollMs;
        try {
          wait = this.pass();
        } catch (err) {
          // The loop never dies: the next pass converges.
          this.log?.('track process pass failed', { error: String(err) });
        }
        await this.clock.sleep(wait, abort.signal);
      }
    })();
  }

  remove(s: ProcessSource): void {
    this.sources.delete(s);
    if (this.sources.size || !this.abort) return;
    this.abort.abort();
    this.abort = null;
  }
}

/** The VRRP thread's scanner: every track_process of every instance shares its walk. */
let shared: ProcessScanner | null = null;
export function sharedProcessScanner(log?: (msg: string, fields: Record<string, unknown>) => void): ProcessScanner {
  shared ??= new ProcessScanner(systemClock, PROCESS_POLL_MS, '/proc', log);
  return shared;
}

export interface ProcessSourceOptions {
  scanner?: ProcessScanner;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

export class ProcessSource implements TrackSource {
  status: TrackStatus;
  readonly needs: ProcNeeds;
  readonly matcher: ProcessMatcher;
  private readonly quorum: ProcessQuorum;
  private readonly scanner: ProcessScanner;

  constructor(
    private readonly t: ProcessTrack,
    private readonly onChange: () => void,
    private readonly opts: ProcessSourceOptions = {},
  ) {
    this.scanner = opts.scanner ?? sharedProcessScanner(opts.log);
    this.matcher = new ProcessMatcher(t);
    this.needs = needsOf(this.matcher, t.forkDelayMs > 0);
    // keepalived counts the processes once at start and takes its status from that, without delay.
    this.quorum = new ProcessQuorum(t, this.scanner.scanFor(this.matcher, t.forkDelayMs > 0) ?? new Map());
    this.status = { kind: 'pass-fail', ok: this.quorum.up };
  }

  /** When a pending delay ends, if one is pending. */
  get dueMs(): number | null {
    return this.quorum.dueMs;
  }

  get count(): number {
    return this.quorum.count;
  }

  /** Takes the processes one pass found for this source. */
  take(nowMs: number, found: Found): void {
    const before = this.quorum.up;
    const up = this.quorum.observe(nowMs, found);
    if (up === before) return;
    this.opts.log?.(`Quorum ${up ? 'gained' : 'lost'} for tracked process ${this.t.name}`, { process: this.t.name, count: found.size });
    this.status = { kind: 'pass-fail', ok: up };
    this.onChange();
  }

  start(): void {
    this.scanner.add(this);
  }

  stop(): void {
    this.scanner.remove(this);
  }
}
