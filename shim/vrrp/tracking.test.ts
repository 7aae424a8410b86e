import { describe, expect, it } from 'vitest';
import { VrrpMachine, type MachineOptions } from './machine.ts';
import { SyncGroup } from './sync-group.ts';
import { contribution, evaluateTracking, type TrackedObject } from './tracking.ts';
import { planVrrp } from './plan.ts';
import { ok, readText } from '../../test/helpers/read-config.ts';
import { keepalivedConf } from '../../test/vrrp/conf.ts';

const pf = (weight: number, ok: boolean | null, reverse = false): TrackedObject => ({ kind: 'script', name: 's', weight, reverse, status: { kind: 'pass-fail', ok } });
const file = (weight: number, value: number, reverse = false): TrackedObject => ({ kind: 'file', name: 'f', weight, reverse, status: { kind: 'value', value } });

describe('keepalived weight rules', () => {
  it('an unweighted failure is FAULT; reverse flips it', () => {
    expect(contribution(pf(0, false))).toBe('fault');
    expect(contribution(pf(0, true))).toBe(0);
    expect(contribution(pf(0, true, true))).toBe('fault');
    expect(contribution(pf(0, null))).toBe('fault');
  });

  it("the Board's verdict once neutral adds nothing and never faults, whatever its weight or reverse", () => {
    const board = (weight: number, reverse = false): TrackedObject => ({ kind: 'board', name: 'web', weight, reverse, status: { kind: 'neutral' } });
    expect([board(0), board(0, true), board(-30), board(20, true)].map(contribution)).toEqual([0, 0, 0, 0]);
    expect(evaluateTracking(150, [board(0), pf(-30, false)])).toEqual({ fault: false, faultBy: [], effectivePriority: 120 });
  });

  it('a positive weight adds while passing, a negative one subtracts while failing', () => {
    expect(contribution(pf(20, true))).toBe(20);
    expect(contribution(pf(20, false))).toBe(0);
    expect(contribution(pf(-30, false))).toBe(-30);
    expect(contribution(pf(-30, true))).toBe(0);
    expect(contribution(pf(20, true, true))).toBe(-20);
    expect(contribution(pf(-30, false, true))).toBe(30);
  });

  it('track_file: value × weight, clamped; −254 or an unweighted non-zero value is FAULT', () => {
    expect(contribution(file(0, 0))).toBe(0);
    expect(contribution(file(0, 3))).toBe('fault');
    expect(contribution(file(0, 0, true))).toBe('fault');
    expect(contribution(file(2, -10))).toBe(-20);
    expect(contribution(file(1, 500))).toBe(253);
    expect(contribution(file(1, -254))).toBe('fault');
    expect(contribution(file(-2, 5, true))).toBe(10);
  });

  it('the effective priority stays within 1..254 and an owner stays at 255', () => {
    expect(evaluateTracking(100, [pf(-150, false)]).effectivePriority).toBe(1);
    expect(evaluateTracking(200, [pf(100, true)]).effectivePriority).toBe(254);
    expect(evaluateTracking(255, [pf(-100, false)]).effectivePriority).toBe(255);
    expect(evaluateTracking(100, [pf(0, false), pf(10, true)])).toEqual({ fault: true, faultBy: ['script s'], effectivePriority: 110 });
  });

  it("the Board's verdict tracks like a script: unknown adds nothing", () => {
    const board = (ok: boolean | null): TrackedObject => ({ kind: 'board', name: 'verdict', weight: -60, reverse: false, status: { kind: 'pass-fail', ok } });
    expect(evaluateTracking(150, [board(false)]).effectivePriority).toBe(90);
    expect(evaluateTracking(150, [board(null)]).effectivePriority).toBe(150);
  });
});

describe('vrrp_sync_group', () => {
  const opts = (name: string): MachineOptions => ({
    name, version: 3, advertIntMs: 100, basePriority: 100, initialState: 'BACKUP', nopreempt: false, preemptDelayMs: 0, primaryAddress: '10.0.0.2',
  });

  it('waits until every member wants master, then moves them together, and back', () => {
    const a = new VrrpMachine(opts('A'));
    const b = new VrrpMachine(opts('B'));
    const g = new SyncGroup('G', [a, b]);
    a.start(0, false);
    b.start(10, false);
    // A's timer runs out first but B still hears a master: A is held back.
    expect(a.tick(a.deadlineMs!)).toEqual([]);
    expect(a.state).toBe('BACKUP');
    expect(a.wantMaster).toBe(true);
    const e = b.tick(b.deadlineMs!);
    expect(b.state).toBe('MASTER');
    const followed = g.follow(b.deadlineMs!, b, 'BACKUP');
    expect(a.state).toBe('MASTER');
    expect(followed.effects[0]!.machine).toBe(a);
    expect(followed.groupTransition).toEqual({ from: 'INIT', to: 'MASTER' });
    expect(e.map((x) => x.type)).toEqual(['advert', 'transition']);
    // A higher master on A's VRID takes the whole group to BACKUP.
    a.receive(5000, { source: '10.0.0.9', priority: 200, advertIntMs: 100 });
    const back = g.follow(5000, a, 'MASTER');
    expect(b.state).toBe('BACKUP');
    expect(back.groupTransition).toEqual({ from: 'MASTER', to: 'BACKUP' });
  });
});

describe('track_board in the plan', () => {
  it("each instance a track_board names tracks it, with the instance's own weight over the track's", () => {
    const c = ok(
      readText(
        keepalivedConf('plan', [
          { name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100/24' },
          { name: 'VI_2', vrid: 52, priority: 100, vip: '192.0.2.101/24' },
        ]) +
          `
virtual_server 192.0.2.10 80 {
    protocol TCP
}
vigil {
    track_board web {
        virtual_server 192.0.2.10 80
        weight -20 reverse
        instance VI_1 weight -60
        instance VI_2
    }
}
`),
    );
    const boards = planVrrp(c).instances.map((i) => i.tracks.filter((t) => t.kind === 'board'));
    expect(boards).toEqual([[{ kind: 'board', name: 'web', target: 'web', weight: -60, reverse: true }], [{ kind: 'board', name: 'web', target: 'web', weight: -20, reverse: true }]]);
  });
});
