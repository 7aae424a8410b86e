/**
 * A vrrp_track_process as a tracked object: up while the number of matching
 * processes is within [quorum, quorum_max] (keepalived's track_process.c).
 *
 * keepalived learns of forks, execs and exits from the kernel's proc
 * connector as they happen; the shim polls /proc instead (process-match.ts),
 * every PROCESS_POLL_MS, which needs no netlink socket or CAP_NET_ADMIN in the
 * VRRP thread and costs one bounded read or two per process per pass.
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
import { ProcessMatcher, scanProcesses, type Found, type ScanOptions } from './process-match.ts';
import type { TrackSource } from './track-sources.ts';
import type { TrackStatus } from './tracking.ts';

/** keepalived is told at once; a quarter second is within one VRRP advert at keepalived's default advert_int. */
export const PROCESS_POLL_MS = 250;

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

export interface ProcessSourceOptions {
  clock?: Clock;
  pollMs?: number;
  scan?: ScanOptions;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

export class ProcessSource implements TrackSource {
  status: TrackStatus;
  private readonly matcher: ProcessMatcher;
  private readonly quorum: ProcessQuorum;
  private readonly clock: Clock;
  private readonly scanOpts: ScanOptions;
  private abort: AbortController | null = null;
  private failing = false;
  /** Scans that failed (a /proc that cannot be read): the status holds meanwhile. */
  scanErrors = 0;

  constructor(
    private readonly t: ProcessTrack,
    private readonly onChange: () => void,
    private readonly opts: ProcessSourceOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.matcher = new ProcessMatcher(t);
    this.scanOpts = { ...opts.scan, wantParents: t.forkDelayMs > 0 };
    this.quorum = new ProcessQuorum(t, this.scan() ?? new Map());
    this.status = { kind: 'pass-fail', ok: this.quorum.up };
  }

  /** Matching processes now, or null when /proc could not be read (said once per run of failures). */
  private scan(): Found | null {
    try {
      const found = scanProcesses(this.matcher, this.scanOpts);
      if (this.failing) this.opts.log?.('track process scan recovered', { process: this.t.name });
      this.failing = false;
      return found;
    } catch (err) {
      this.scanErrors++;
      if (!this.failing) this.opts.log?.('track process scan failed; status held', { process: this.t.name, error: String(err) });
      this.failing = true;
      return null;
    }
  }

  /** One pass: scan, apply the rules, report a change. Returns when the next pass is due. */
  pass(): number {
    const now = this.clock.nowMs();
    const found = this.scan();
    if (found) {
      const before = this.quorum.up;
      const up = this.quorum.observe(now, found);
      if (up !== before) {
        this.opts.log?.(`Quorum ${up ? 'gained' : 'lost'} for tracked process ${this.t.name}`, { process: this.t.name, count: found.size });
        this.status = { kind: 'pass-fail', ok: up };
        this.onChange();
      }
    }
    const period = this.opts.pollMs ?? PROCESS_POLL_MS;
    const due = this.quorum.dueMs;
    return due === null ? period : Math.max(0, Math.min(period, due - now));
  }

  get count(): number {
    return this.quorum.count;
  }

  start(): void {
    if (this.abort) return;
    const abort = (this.abort = new AbortController());
    const loop = async () => {
      while (!abort.signal.aborted) {
        let waitMs = this.opts.pollMs ?? PROCESS_POLL_MS;
        try {
          waitMs = this.pass();
        } catch (err) {
          // Never let the loop die: the next pass converges.
          this.opts.log?.('track process pass failed', { process: this.t.name, error: String(err) });
        }
        await this.clock.sleep(waitMs, abort.signal);
      }
    };
    void loop();
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
  }
}
