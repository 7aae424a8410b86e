import { describe, expect, it } from 'vitest';
import { SimClock } from './sim-clock.ts';

describe('the simulated clock of the chaos runs', () => {
  it('runs sleeps in virtual time, in order, without waiting for them', async () => {
    const clock = new SimClock();
    const t0 = clock.nowMs();
    const order: number[] = [];
    const run = Promise.all([clock.sleep(5_000).then(() => order.push(5)), clock.sleep(1_000).then(() => order.push(1))]);
    const started = Date.now();
    await clock.drive(run, () => {}, { what: 'two sleeps', timeoutMs: 5_000 });
    expect(order).toEqual([1, 5]);
    expect(clock.nowMs() - t0).toBe(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('gives up at its deadline, naming what it drove, when the run waits on nothing it can move', async () => {
    const clock = new SimClock();
    const stuck = new Promise<void>(() => {});
    await expect(clock.drive(stuck, () => {}, { what: 'a schedule that never ends', timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms waiting for a schedule that never ends; last seen: 0 ms of simulated time, 0 timers pending/);
  });

  it('gives up at its deadline while an EC2 call never returns', async () => {
    const clock = new SimClock();
    const caller = clock.counting()(() => new Promise(() => {}));
    const hung = caller({ action: 'DescribeAddresses', params: {} } as never, new AbortController().signal);
    await expect(clock.drive(hung, () => {}, { what: 'a hung call', timeoutMs: 300 })).rejects.toThrow(/waiting for a hung call; last seen: .* 1 EC2 calls in flight/);
  });
});
