import * as z from 'zod';
import type { BoardTarget } from './board-target.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * The Board's verdict as VRRP tracking sees it, pure: per track_board, what
 * the latest verified snapshot says of its object, and the effect VRRP acts
 * on. A fresh up or down is the effect at once. Unknown (the snapshot does not
 * name the object, or the Board lacks fresh votes on that real server) and
 * stale (no valid snapshot since the last one expired) keep the last effect
 * for the track's hold time, then turn neutral: no weight, no FAULT, as if
 * the track were not there. Before the first snapshot every track is neutral.
 */
export type BoardVerdict = 'up' | 'down' | 'unknown' | 'stale';
export type BoardEffect = 'up' | 'down' | 'neutral';

/** What the VRRP side is handed: plain JSON, so it can cross a thread or process boundary; parsed there. */
export const BoardView = z.strictObject({
  tracks: z.array(z.strictObject({ name: z.string().min(1).max(63), effect: z.enum(['up', 'down', 'neutral']) })).max(4096),
});
export type BoardView = z.infer<typeof BoardView>;

export interface TrackState {
  verdict: BoardVerdict;
  effect: BoardEffect;
  /** Since when the verdict has been unknown or stale (null while up or down). */
  unsureSinceMs: number | null;
  /** Why unknown, for the log. */
  why?: string;
}

/** One state a /metrics gauge shows: the verdict while fresh; `unknown` while an unsure verdict holds the last effect; `neutral` once it no longer does. */
export function reportedState(s: TrackState): 'up' | 'down' | 'unknown' | 'neutral' {
  if (s.verdict === 'up' || s.verdict === 'down') return s.verdict;
  return s.effect === 'neutral' ? 'neutral' : 'unknown';
}

/** What one snapshot says of one target. */
export function verdictOf(t: BoardTarget, s: Snapshot): { verdict: 'up' | 'down' | 'unknown'; why?: string } {
  const vs = s.virtualServers.find((v) => v.key === t.vsKey);
  if (!vs) return { verdict: 'unknown', why: `the snapshot does not name ${t.vsKey}` };
  if (t.rsKey === undefined) return { verdict: vs.quorumUp ? 'up' : 'down' };
  const rs = vs.realServers.find((r) => r.key === t.rsKey);
  if (!rs) return { verdict: 'unknown', why: `the snapshot does not name ${t.rsKey}` };
  if (rs.state === 'unknown') return { verdict: 'unknown', why: `too few fresh vantage points on ${t.rsKey}` };
  return { verdict: rs.effective };
}

export interface TrackChange {
  name: string;
  from: TrackState;
  to: TrackState;
}

export class BoardTracker {
  private readonly states = new Map<string, TrackState>();
  private readonly said = new Map<string, { verdict: 'up' | 'down' | 'unknown'; why?: string }>();
  private expiresAtMs: number | null = null;
  /** The last verified snapshot: a reload's new tracks take their verdict from it at once. */
  private last: Snapshot | null = null;

  constructor(
    private targetList: readonly BoardTarget[],
    startMs: number,
  ) {
    for (const t of targetList) this.states.set(t.name, { verdict: 'unknown', effect: 'neutral', unsureSinceMs: startMs, why: 'no snapshot yet' });
  }

  get targets(): readonly BoardTarget[] {
    return this.targetList;
  }

  /**
   * A reload's track_boards. A track whose name and target are unchanged
   * keeps its state (its effect, a hold under way), so a reload never makes
   * it flap; a new or changed one starts neutral and takes the last
   * snapshot's verdict at once; a removed one is forgotten.
   */
  retarget(targets: readonly BoardTarget[], nowMs: number): TrackChange[] {
    const same = (a: BoardTarget, b: BoardTarget | undefined) => b !== undefined && JSON.stringify(a) === JSON.stringify(b);
    const old = new Map(this.targetList.map((t) => [t.name, t]));
    for (const t of targets) {
      if (same(t, old.get(t.name))) continue;
      this.states.set(t.name, { verdict: 'unknown', effect: 'neutral', unsureSinceMs: nowMs, why: 'new on reload' });
      this.said.delete(t.name);
    }
    const names = new Set(targets.map((t) => t.name));
    for (const name of old.keys()) {
      if (names.has(name)) continue;
      this.states.delete(name);
      this.said.delete(name);
    }
    this.targetList = targets;
    return this.last ? this.accept(this.last, nowMs) : this.tick(nowMs);
  }

  /** A verified snapshot (wall-clock `nowMs`, as its expiry). */
  accept(s: Snapshot, nowMs: number): TrackChange[] {
    this.last = s;
    this.expiresAtMs = s.expiresAtMs;
    for (const t of this.targets) this.said.set(t.name, verdictOf(t, s));
    return this.tick(nowMs);
  }

  /** Re-evaluates at `nowMs`: a snapshot past its expiry makes every verdict stale; holds that have run out turn neutral. */
  tick(nowMs: number): TrackChange[] {
    const stale = this.expiresAtMs !== null && nowMs >= this.expiresAtMs;
    const changes: TrackChange[] = [];
    for (const t of this.targets) {
      const from = this.states.get(t.name)!;
      const said = this.said.get(t.name);
      const verdict: BoardVerdict = stale ? 'stale' : (said?.verdict ?? 'unknown');
      const why = stale ? `no valid snapshot since one expired at ${new Date(this.expiresAtMs!).toISOString()}` : (said?.why ?? from.why);
      const to = step(from, verdict, nowMs, t.holdTimeMs, why);
      if (to.verdict !== from.verdict || to.effect !== from.effect) changes.push({ name: t.name, from, to });
      this.states.set(t.name, to);
    }
    return changes;
  }

  /** When `tick` next has something to do (an expiry, a hold running out), or null. */
  nextDeadlineMs(): number | null {
    const at: number[] = [];
    const stale = [...this.states.values()].some((s) => s.verdict === 'stale');
    if (this.expiresAtMs !== null && !stale) at.push(this.expiresAtMs);
    for (const t of this.targets) {
      const s = this.states.get(t.name)!;
      if (s.unsureSinceMs !== null && s.effect !== 'neutral') at.push(s.unsureSinceMs + t.holdTimeMs);
    }
    return at.length ? Math.min(...at) : null;
  }

  state(name: string): TrackState | undefined {
    return this.states.get(name);
  }

  view(): BoardView {
    return { tracks: this.targets.map((t) => ({ name: t.name, effect: this.states.get(t.name)!.effect })) };
  }
}

function step(prev: TrackState, verdict: BoardVerdict, nowMs: number, holdMs: number, why: string | undefined): TrackState {
  if (verdict === 'up' || verdict === 'down') return { verdict, effect: verdict, unsureSinceMs: null };
  const since = prev.unsureSinceMs ?? nowMs;
  return { verdict, effect: nowMs - since >= holdMs ? 'neutral' : prev.effect, unsureSinceMs: since, why };
}
