import type { Config } from '../../core/config/model.ts';
import { resolveBoardTarget, type BoardTarget } from '../../core/vote/board-target.ts';
import { BoardTracker, reportedState, type BoardView, type TrackChange } from '../../core/vote/board-track.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { followBoard, type BoardCliOptions } from './board-follow.ts';
import type { BoardSubscriber } from './board-subscriber.ts';
import type { SnapshotTap } from './ipvs-main.ts';
import { Metrics } from './metrics.ts';

type Log = (msg: string, fields?: Record<string, unknown>) => void;

const STATES = ['up', 'down', 'unknown', 'neutral'] as const;

/**
 * From verified snapshots to the Board view VRRP tracking acts on. The same
 * snapshots that drive IPVS come in (onSnapshot, as a SnapshotTap of the IPVS
 * side, or from a subscriber of its own when this shim runs VRRP alone); the
 * hold and neutral rules are core/vote/board-track.ts, timed here with the
 * wall clock (a snapshot's expiry is a wall time); every change is logged once
 * and the whole view handed to `send`, a plain JSON message, so the VRRP side
 * may live in another thread or process.
 */
export class BoardFeed implements SnapshotTap {
  private readonly tracker: BoardTracker;
  private timer: NodeJS.Timeout | null = null;
  private subscriber: BoardSubscriber | null = null;
  private stopped = false;

  constructor(
    targets: BoardTarget[],
    private readonly send: (view: BoardView) => void,
    private readonly log: Log,
    private readonly wallNowMs: () => number = Date.now,
  ) {
    this.tracker = new BoardTracker(targets, wallNowMs());
  }

  /**
   * Starts the feed: `ipvsFollows` when the IPVS side's subscriber brings the
   * snapshots; otherwise one of its own with --board, or none (every track
   * stays neutral, and the log says why).
   */
  async start(o: BoardCliOptions, ipvsFollows: boolean, metrics: Metrics = new Metrics()): Promise<void> {
    const tracks = this.tracker.targets.map((t) => t.name);
    this.send(this.tracker.view());
    if (ipvsFollows) return this.log('board tracking', { tracks, snapshots: 'shared with the IPVS side' });
    if (!o.board) return this.log('board tracking has no Board (--board): tracks stay neutral', { tracks });
    this.subscriber = await followBoard(o, this.log, (s) => this.onSnapshot(s), metrics);
    this.log('board tracking', { tracks, snapshots: 'own subscriber (no IPVS side)' });
    this.subscriber.start();
  }

  /** SIGHUP: the reloaded config's track_boards (unchanged ones keep their state: core/vote/board-track.ts retarget). */
  retarget(targets: BoardTarget[]): void {
    if (this.stopped) return;
    this.log('board tracking reloaded', { tracks: targets.map((t) => t.name) });
    this.apply(this.tracker.retarget(targets, this.wallNowMs()));
    this.send(this.tracker.view());
  }

  onSnapshot(s: Snapshot): void {
    if (this.stopped) return;
    this.apply(this.tracker.accept(s, this.wallNowMs()));
  }

  /** A gauge per track, one series per state (1 for the current one): up, down, unknown (held), neutral. */
  collect(metrics: Metrics): void {
    metrics.define('vigil_shim_board_track', 'gauge', "The Board's verdict per track_board: up, down, unknown (the last effect held) or neutral");
    metrics.collect(() => {
      for (const t of this.tracker.targets) {
        const now = reportedState(this.tracker.state(t.name)!);
        for (const state of STATES) metrics.set('vigil_shim_board_track', state === now ? 1 : 0, { track: t.name, state });
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.subscriber?.stop();
  }

  private apply(changes: TrackChange[]): void {
    for (const c of changes) this.report(c);
    if (changes.length) this.send(this.tracker.view());
    this.schedule();
  }

  private report({ name, from, to }: TrackChange): void {
    if (to.verdict === 'up' || to.verdict === 'down') return this.log('board track', { track: name, verdict: to.verdict, was: from.verdict });
    if (to.effect !== 'neutral') {
      const holdMs = this.tracker.targets.find((t) => t.name === name)!.holdTimeMs;
      return this.log('board track unsure: holding the last effect', { track: name, verdict: to.verdict, effect: to.effect, holdMs, why: to.why });
    }
    this.log('board track neutral', { track: name, verdict: to.verdict, why: to.why });
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const at = this.tracker.nextDeadlineMs();
    if (at === null || this.stopped) return;
    // Timers past 2^31 ms fire at once in Node; a far deadline is re-armed when its wait ends.
    this.timer = setTimeout(() => this.apply(this.tracker.tick(this.wallNowMs())), Math.min(2 ** 31 - 1, Math.max(0, at - this.wallNowMs())));
  }
}

/** The track_boards that name an instance this shim runs, resolved to snapshot keys. */
export function boardTargetsFor(config: Config, instances: readonly string[], log: Log): BoardTarget[] {
  const here = new Set(instances);
  const targets: BoardTarget[] = [];
  for (const tb of config.vigil.trackBoards) {
    if (!tb.instances.some((i) => here.has(i.name))) continue;
    // check-config refused unresolved names already; a config read without the cross-checks still never follows a wrong key.
    const r = resolveBoardTarget(config, tb);
    if (r.ok) targets.push(r.target);
    else log('track_board ignored', { track: tb.name, error: r.problem.message });
  }
  return targets;
}

/** A feed for the track_boards that name an instance this shim runs, or null when none does. */
export function createBoardFeed(config: Config, instances: readonly string[], send: (view: BoardView) => void, log: Log): BoardFeed | null {
  const targets = boardTargetsFor(config, instances, log);
  return targets.length ? new BoardFeed(targets, send, log) : null;
}
