import { describe, expect, it } from 'vitest';
import { VrrpMachine, type MachineOptions } from './machine.ts';
import { masterDownMs, skewMs, wireIntervalMs } from './timers.ts';

const base: MachineOptions = {
  name: 'VI_1',
  version: 3,
  advertIntMs: 100,
  basePriority: 100,
  initialState: 'BACKUP',
  nopreempt: false,
  preemptDelayMs: 0,
  primaryAddress: '10.0.0.2',
};
const machine = (o: Partial<MachineOptions> = {}) => new VrrpMachine({ ...base, ...o });
const adv = (priority: number, source = '10.0.0.9', advertIntMs = 100) => ({ source, priority, advertIntMs });
const types = (effects: { type: string }[]) => effects.map((e) => e.type);

describe('keepalived timer arithmetic', () => {
  it('master down is 3 × interval + (256 − priority) × interval / 256', () => {
    expect(masterDownMs(3, 100, 100)).toBeCloseTo(300 + (156 * 100) / 256);
    expect(masterDownMs(3, 200, 1000)).toBeCloseTo(3000 + 218.75);
    // v2 skew is a fraction of one second whatever the interval (RFC 3768).
    expect(masterDownMs(2, 100, 3000)).toBeCloseTo(9000 + 609.375);
    expect(skewMs(3, 254, 100, true)).toBeCloseTo(100 / 256);
  });

  it('rounds advert_int to what the wire carries', () => {
    expect(wireIntervalMs(2, 1500)).toBe(2000);
    expect(wireIntervalMs(2, 100)).toBe(1000);
    expect(wireIntervalMs(3, 104)).toBe(100);
    expect(wireIntervalMs(3, 1)).toBe(10);
    expect(wireIntervalMs(3, 100_000)).toBe(40_950);
  });
});

describe('VrrpMachine', () => {
  it('a backup that hears nothing becomes master after the master-down interval, advertising first', () => {
    const m = machine();
    expect(types(m.start(0, false))).toEqual(['transition']);
    expect(m.state).toBe('BACKUP');
    const down = masterDownMs(3, 100, 100);
    expect(m.tick(down - 1)).toEqual([]);
    const e = m.tick(down);
    expect(types(e)).toEqual(['advert', 'transition']);
    expect(e[1]).toMatchObject({ from: 'BACKUP', to: 'MASTER', releaseAddresses: false });
    expect(m.deadlineMs).toBe(down + 100);
    expect(m.tick(down + 100)).toEqual([{ type: 'advert', priority: 100 }]);
  });

  it('an address owner with state MASTER takes over at once', () => {
    const m = machine({ basePriority: 255, initialState: 'MASTER' });
    m.start(0, false);
    expect(types(m.tick(0))).toEqual(['advert', 'transition']);
    expect(m.state).toBe('MASTER');
  });

  it("a master's answers to other masters follow lower_prio_no_advert and higher_prio_send_advert (keepalived vrrp_state_master_rx)", () => {
    const master = (o: Partial<MachineOptions>) => {
      const m = machine({ basePriority: 200, ...o });
      m.start(0, false);
      m.tick(1000);
      expect(m.state).toBe('MASTER');
      return m;
    };
    // Default: a lower priority is answered with an advert (a new election); a higher one is yielded to silently.
    expect(types(master({}).receive(1010, adv(100)))).toEqual(['advert', 'lower-priority-advert']);
    expect(types(master({}).receive(1010, adv(250)))).toEqual(['transition']);
    // lower_prio_no_advert (vrrp_strict's default): no answer to a lower priority.
    expect(types(master({ lowerPrioNoAdvert: true }).receive(1010, adv(100)))).toEqual(['lower-priority-advert']);
    // higher_prio_send_advert: one advert at our priority, then BACKUP.
    const h = master({ higherPrioSendAdvert: true });
    const e = h.receive(1010, adv(250));
    expect(e[0]).toEqual({ type: 'advert', priority: 200 });
    expect(types(e)).toEqual(['advert', 'transition']);
    expect(h.state).toBe('BACKUP');
  });

  it('a higher or equal priority advert resets the backup timer; priority 0 cuts it to the skew time', () => {
    const m = machine({ basePriority: 100 });
    m.start(0, false);
    m.receive(200, adv(100));
    expect(m.deadlineMs).toBeCloseTo(200 + m.masterDownMs());
    m.receive(250, adv(0));
    expect(m.deadlineMs).toBeCloseTo(250 + (156 * 100) / 256);
  });

  it('preempt: a backup ignores a lower-priority master and takes over when its timer runs out', () => {
    const m = machine({ basePriority: 150 });
    m.start(0, false);
    const deadline = m.deadlineMs!;
    m.receive(100, adv(100));
    expect(m.deadlineMs).toBe(deadline);
    expect(types(m.tick(deadline))).toEqual(['advert', 'transition']);
  });

  it('nopreempt: a backup keeps accepting a lower-priority master', () => {
    const m = machine({ basePriority: 150, nopreempt: true });
    m.start(0, false);
    for (let t = 100; t < 5000; t += 100) {
      m.receive(t, adv(100));
      expect(m.tick(t)).toEqual([]);
    }
    expect(m.state).toBe('BACKUP');
  });

  it('preempt_delay: lower-priority adverts are accepted until the delay has passed', () => {
    const m = machine({ basePriority: 150, preemptDelayMs: 1000 });
    m.start(0, false);
    let t = 100;
    for (; t <= 1000; t += 100) m.receive(t, adv(100));
    expect(m.state).toBe('BACKUP');
    m.receive(1200, adv(100)); // delay over: ignored, so the timer runs out
    const due = m.deadlineMs!;
    expect(due).toBeCloseTo(1000 + m.masterDownMs());
    expect(types(m.tick(due))).toEqual(['advert', 'transition']);
  });

  it('a master yields to a higher priority and drops its addresses without priority 0', () => {
    const m = machine({ basePriority: 100 });
    m.start(0, false);
    m.tick(1000);
    const e = m.receive(1050, adv(200, '10.0.0.9', 50));
    expect(e).toEqual([{ type: 'transition', from: 'MASTER', to: 'BACKUP', priority: 100, releaseAddresses: true }]);
    // v3: the backup times the master by the master's own interval.
    expect(m.masterAdvertIntMs).toBe(50);
    expect(m.deadlineMs).toBeCloseTo(1050 + masterDownMs(3, 100, 50));
  });

  it('at equal priority the higher primary address wins', () => {
    const low = machine({ primaryAddress: '10.0.0.2' });
    low.start(0, false);
    low.tick(1000);
    expect(types(low.receive(1010, adv(100, '10.0.0.3')))).toEqual(['transition']);
    const high = machine({ primaryAddress: '10.0.0.3' });
    high.start(0, false);
    high.tick(1000);
    expect(types(high.receive(1010, adv(100, '10.0.0.2')))).toEqual(['advert', 'lower-priority-advert']);
    expect(high.state).toBe('MASTER');
  });

  it('a master answers priority 0 at once, and a lower-priority master with an advert and an announcement', () => {
    const m = machine();
    m.start(0, false);
    m.tick(1000);
    expect(m.receive(1010, adv(0))).toEqual([{ type: 'advert', priority: 100 }]);
    expect(m.receive(1020, adv(50))).toEqual([
      { type: 'advert', priority: 100 },
      { type: 'lower-priority-advert', source: '10.0.0.9', priority: 50 },
    ]);
  });

  it('FAULT from master sends priority 0 and releases; recovery starts as backup', () => {
    const m = machine();
    m.start(0, false);
    m.tick(1000);
    const e = m.setFault(1100, true);
    expect(e).toEqual([
      { type: 'advert', priority: 0 },
      { type: 'transition', from: 'MASTER', to: 'FAULT', priority: 100, releaseAddresses: true },
    ]);
    expect(m.deadlineMs).toBeNull();
    expect(m.tick(99_999)).toEqual([]);
    expect(types(m.setFault(2000, false))).toEqual(['transition']);
    expect(m.state).toBe('BACKUP');
    expect(m.deadlineMs).toBeCloseTo(2000 + m.masterDownMs());
  });

  it('starting in fault stays there until tracking clears', () => {
    const m = machine();
    expect(m.start(0, true)).toEqual([{ type: 'transition', from: 'INIT', to: 'FAULT', priority: 100, releaseAddresses: false }]);
    expect(m.receive(10, adv(200))).toEqual([]);
  });

  it('shutdown: priority 0 and release, or neither with --dont-release-vrrp', () => {
    const a = machine();
    a.start(0, false);
    a.tick(1000);
    expect(a.stop(1100, true)).toEqual([
      { type: 'advert', priority: 0 },
      { type: 'transition', from: 'MASTER', to: 'STOP', priority: 100, releaseAddresses: true },
    ]);
    const b = machine();
    b.start(0, false);
    b.tick(1000);
    expect(b.stop(1100, false)).toEqual([{ type: 'transition', from: 'MASTER', to: 'STOP', priority: 100, releaseAddresses: false }]);
  });

  it('a lower effective priority lengthens a running backup timer', () => {
    const m = machine({ basePriority: 200 });
    m.start(0, false);
    const before = m.deadlineMs!;
    m.setEffectivePriority(10, 100);
    expect(m.deadlineMs!).toBeCloseTo(before + ((200 - 100) * 100) / 256);
  });

  it('an address owner keeps 255 whatever tracking says', () => {
    const m = machine({ basePriority: 255 });
    m.setEffectivePriority(0, 100);
    expect(m.effectivePriority).toBe(255);
  });
});
