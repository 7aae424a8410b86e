import { describe, expect, it } from 'vitest';
import { initialFailStatic, onSnapshot, onTick } from './fail-static.ts';

describe('fail-static', () => {
  it('holds from start until a valid snapshot; holds again when it expires; local checks only after localAfterMs', () => {
    let s = initialFailStatic(0);
    expect(onTick(s, 60_000, {})).toEqual({ state: s, action: 'none' });
    let r = onSnapshot(s, 30_000, 1_000);
    expect(r.action).toBe('apply-board');
    s = r.state;
    expect(onTick(s, 29_999, { localAfterMs: 10_000 }).action).toBe('none');
    r = onTick(s, 30_000, { localAfterMs: 10_000 });
    expect(r).toEqual({ state: { mode: 'holding', heldSinceMs: 30_000 }, action: 'hold' });
    s = r.state;
    expect(onTick(s, 39_999, { localAfterMs: 10_000 }).action).toBe('none');
    r = onTick(s, 40_000, { localAfterMs: 10_000 });
    expect(r.action).toBe('start-local');
    s = r.state;
    expect(onTick(s, 90_000, { localAfterMs: 10_000 }).action).toBe('none');
    // The Board is back: its verdicts win again.
    r = onSnapshot(s, 120_000, 100_000);
    expect(r.state.mode).toBe('board');
    expect(r.action).toBe('apply-board');
  });

  it('never goes local without localAfterMs; an already-expired snapshot changes nothing', () => {
    const s = onTick(onSnapshot(initialFailStatic(0), 10, 0).state, 10, {}).state;
    expect(s.mode).toBe('holding');
    expect(onTick(s, 10 ** 9, {}).action).toBe('none');
    expect(onSnapshot(s, 50, 50)).toEqual({ state: s, action: 'none' });
  });

  it('--local runs local from the start', () => {
    expect(initialFailStatic(5, true).mode).toBe('local');
  });
});
