import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import type { BoardTarget } from './board-target.ts';
import { BoardTracker, BoardView, reportedState, verdictOf } from './board-track.ts';
import type { Snapshot } from './snapshot.ts';

const VS = 'tcp/192.0.2.10:80';
const RS = `${VS}|10.0.0.5:8080`;
const T0 = 1_800_000_000_000;

function snapshot(atMs: number, quorumUp: boolean, rsState: 'up' | 'down' | 'unknown' = 'up', ttlMs = 60_000): Snapshot {
  return {
    v: 1,
    cluster: 'c',
    seq: 1,
    configVersion: 1,
    issuedAtMs: atMs,
    expiresAtMs: atMs + ttlMs,
    virtualServers: [{ key: VS, quorumUp, aliveWeight: 1, realServers: [{ key: RS, ip: '10.0.0.5', port: 8080, present: true, weight: 1, state: rsState, effective: rsState === 'down' ? 'down' : 'up', sorry: false }] }],
  };
}

const vsTrack: BoardTarget = { name: 'vs', vsKey: VS, holdTimeMs: 30_000 };
const rsTrack: BoardTarget = { name: 'rs', vsKey: VS, rsKey: RS, holdTimeMs: 10_000 };

describe("the Board's verdict for VRRP tracking", () => {
  it('reads a virtual server by its quorum and a real server by its effective state; what the snapshot does not name is unknown', () => {
    expect(verdictOf(vsTrack, snapshot(T0, false))).toEqual({ verdict: 'down' });
    expect(verdictOf(rsTrack, snapshot(T0, false, 'down'))).toEqual({ verdict: 'down' });
    expect(verdictOf(rsTrack, snapshot(T0, true, 'up'))).toEqual({ verdict: 'up' });
    expect(verdictOf(rsTrack, snapshot(T0, true, 'unknown')).verdict).toBe('unknown');
    expect(verdictOf({ ...vsTrack, vsKey: 'fwmark/9' }, snapshot(T0, true))).toEqual({ verdict: 'unknown', why: 'the snapshot does not name fwmark/9' });
  });

  it('is neutral until the first snapshot, then follows it at once', async () => {
    const clock = new FakeClock(T0);
    const t = new BoardTracker([vsTrack, rsTrack], clock.nowMs());
    expect(t.view()).toEqual({ tracks: [{ name: 'vs', effect: 'neutral' }, { name: 'rs', effect: 'neutral' }] });
    expect(t.nextDeadlineMs()).toBeNull();
    await clock.advance(1_000);
    const changes = t.accept(snapshot(clock.nowMs(), false, 'up'), clock.nowMs());
    expect(changes.map((c) => [c.name, c.to.effect])).toEqual([
      ['vs', 'down'],
      ['rs', 'up'],
    ]);
    expect(BoardView.parse(t.view())).toEqual({ tracks: [{ name: 'vs', effect: 'down' }, { name: 'rs', effect: 'up' }] });
  });

  it('a stale snapshot holds the last effect for hold_time, then turns neutral; a fresh one ends the hold', async () => {
    const clock = new FakeClock(T0);
    const t = new BoardTracker([vsTrack, rsTrack], clock.nowMs());
    t.accept(snapshot(clock.nowMs(), false), clock.nowMs());
    const expiry = T0 + 60_000;
    expect(t.nextDeadlineMs()).toBe(expiry);
    await clock.advance(59_999);
    expect(t.tick(clock.nowMs())).toEqual([]);
    await clock.advance(1);
    const stale = t.tick(clock.nowMs());
    expect(stale.map((c) => [c.name, c.to.verdict, c.to.effect])).toEqual([
      ['vs', 'stale', 'down'],
      ['rs', 'stale', 'up'],
    ]);
    expect(reportedState(t.state('vs')!)).toBe('unknown');
    // Each track's own hold: rs (10 s) goes neutral first.
    expect(t.nextDeadlineMs()).toBe(expiry + 10_000);
    await clock.advance(10_000);
    expect(t.tick(clock.nowMs()).map((c) => [c.name, c.to.effect])).toEqual([['rs', 'neutral']]);
    expect(t.view().tracks).toEqual([
      { name: 'vs', effect: 'down' },
      { name: 'rs', effect: 'neutral' },
    ]);
    expect(t.nextDeadlineMs()).toBe(expiry + 30_000);
    await clock.advance(20_000);
    expect(t.tick(clock.nowMs()).map((c) => [c.name, c.to.effect])).toEqual([['vs', 'neutral']]);
    expect(reportedState(t.state('vs')!)).toBe('neutral');
    expect(t.nextDeadlineMs()).toBeNull();
    await clock.advance(5_000);
    t.accept(snapshot(clock.nowMs(), true), clock.nowMs());
    expect(t.view().tracks.map((x) => x.effect)).toEqual(['up', 'up']);
    expect(t.state('vs')).toEqual({ verdict: 'up', effect: 'up', unsureSinceMs: null });
  });

  it('an object the Board cannot decide (unknown) holds, then turns neutral, while other tracks follow fresh verdicts', async () => {
    const clock = new FakeClock(T0);
    const t = new BoardTracker([vsTrack, rsTrack], clock.nowMs());
    t.accept(snapshot(clock.nowMs(), true, 'down'), clock.nowMs());
    await clock.advance(1_000);
    t.accept(snapshot(clock.nowMs(), true, 'unknown'), clock.nowMs());
    expect(t.state('rs')).toMatchObject({ verdict: 'unknown', effect: 'down', why: `too few fresh vantage points on ${RS}` });
    // Fresh snapshots keep coming and keep saying unknown: the hold still runs from the first.
    await clock.advance(5_000);
    t.accept(snapshot(clock.nowMs(), true, 'unknown'), clock.nowMs());
    expect(t.state('rs')!.effect).toBe('down');
    await clock.advance(5_000);
    t.accept(snapshot(clock.nowMs(), true, 'unknown'), clock.nowMs());
    expect(t.view().tracks).toEqual([
      { name: 'vs', effect: 'up' },
      { name: 'rs', effect: 'neutral' },
    ]);
  });

  it('a hold of 0 turns neutral at once', () => {
    const t = new BoardTracker([{ ...vsTrack, holdTimeMs: 0 }], T0);
    t.accept(snapshot(T0, false, 'up', 1_000), T0);
    expect(t.tick(T0 + 1_000).map((c) => c.to.effect)).toEqual(['neutral']);
  });

  it('the view handed across to VRRP is bounded and strict', () => {
    expect(BoardView.safeParse({ tracks: [{ name: 'x', effect: 'maybe' }] }).success).toBe(false);
    expect(BoardView.safeParse({ tracks: [], extra: 1 }).success).toBe(false);
  });
  it('a reload keeps unchanged tracks as they were, gives new ones the last verdict at once, forgets removed ones', async () => {
    const clock = new FakeClock(T0);
    const t = new BoardTracker([vsTrack, rsTrack], clock.nowMs());
    t.accept(snapshot(clock.nowMs(), false, 'down', 5_000), clock.nowMs());
    // The snapshot expires: vs holds its last effect (down) for its hold_time.
    await clock.advance(6_000);
    t.tick(clock.nowMs());
    expect(t.state('vs')).toMatchObject({ verdict: 'stale', effect: 'down', unsureSinceMs: T0 + 6_000 });
    const rs2: BoardTarget = { ...rsTrack, name: 'rs2', holdTimeMs: 20_000 };
    const changes = t.retarget([vsTrack, rs2], clock.nowMs());
    // vs: no change, its hold goes on from when it began; rs2: new, the last snapshot (stale) holds nothing, so neutral.
    expect(changes.map((c) => [c.name, c.to.verdict, c.to.effect])).toEqual([['rs2', 'stale', 'neutral']]);
    expect(t.state('vs')).toMatchObject({ effect: 'down', unsureSinceMs: T0 + 6_000 });
    expect(t.state('rs2')).toMatchObject({ verdict: 'stale', effect: 'neutral' });
    expect(t.state('rs')).toBeUndefined();
    expect(t.view()).toEqual({ tracks: [{ name: 'vs', effect: 'down' }, { name: 'rs2', effect: 'neutral' }] });
    // A fresh snapshot after the reload reaches the new track at once.
    await clock.advance(1_000);
    t.accept(snapshot(clock.nowMs(), true, 'down'), clock.nowMs());
    expect(t.view()).toEqual({ tracks: [{ name: 'vs', effect: 'up' }, { name: 'rs2', effect: 'down' }] });
  });

  it('a reload that adds a track while the last snapshot is fresh gives it that verdict at once', () => {
    const t = new BoardTracker([vsTrack], T0);
    t.accept(snapshot(T0, true, 'down'), T0);
    const changes = t.retarget([vsTrack, rsTrack], T0 + 1_000);
    expect(changes.map((c) => [c.name, c.to.effect])).toEqual([['rs', 'down']]);
  });
});
