import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { failResult, okResult, type CheckResult } from './result.ts';
import { Scheduler, type Job, type RunReport } from './scheduler.ts';

const timing = { connectTimeoutMs: 5000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 0, delayLoopMs: 10_000, alpha: false };
const job = (id: string, over: Partial<typeof timing> = {}): Job => ({ id, type: 'TCP_CHECK', timing: { ...timing, ...over } });

/** The scheduler under a fake clock; the check runner is scripted per job (it is not what is tested here). */
function harness(run: (job: Job, clock: FakeClock) => Promise<CheckResult>, maxConcurrent = 10) {
  const clock = new FakeClock();
  const reports: RunReport[] = [];
  const s = new Scheduler({ clock, maxConcurrent, jitterFraction: 0, run: (j) => run(j, clock), onReport: (r) => reports.push(r) });
  const done = s.loop();
  return { clock, reports, s, done };
}

describe('scheduler', () => {
  it('runs each checker every delay_loop, from the end of its last run', async () => {
    const { clock, reports, s, done } = harness(async (_j, c) => {
      await c.sleep(200);
      return okResult(200);
    });
    s.add(job('a'));
    await clock.advance(30_000);
    s.close();
    await done;
    expect(reports.map((r) => r.startedAtMs)).toEqual([0, 10_200, 20_400]);
  });

  it('a slow target never delays the others', async () => {
    const { clock, reports, s, done } = harness(async (j, c) => {
      await c.sleep(j.id === 'slow' ? 5000 : 10);
      return j.id === 'slow' ? failResult('read_timeout', 5000, 'slow') : okResult(10);
    }, 2);
    s.add(job('slow'));
    for (let i = 0; i < 5; i++) s.add(job(`fast${i}`));
    await clock.advance(25_000);
    s.close();
    await done;
    const fast = reports.filter((r) => r.job.id !== 'slow');
    // Five fast checkers share one slot while the slow one holds the other: each waits at most 4 × 10 ms.
    expect(Math.max(...fast.map((r) => r.latenessMs))).toBeLessThanOrEqual(40);
    expect(fast.filter((r) => r.job.id === 'fast0').length).toBeGreaterThanOrEqual(2);
  });

  it('never runs more than maxConcurrent at once', async () => {
    let peak = 0;
    let now = 0;
    const { clock, s, done } = harness(async (_j, c) => {
      peak = Math.max(peak, ++now);
      await c.sleep(100);
      now--;
      return okResult(100);
    }, 3);
    for (let i = 0; i < 20; i++) s.add(job(`j${i}`));
    await clock.advance(5000);
    s.close();
    await done;
    expect(peak).toBe(3);
  });

  it('drives the state machine: failure, retry after delay_before_retry, down', async () => {
    const { clock, reports, s, done } = harness(async () => failResult('connect_refused', 0, 'refused'));
    s.add(job('x'));
    await clock.advance(12_000);
    s.close();
    await done;
    expect(reports.map((r) => [r.startedAtMs, r.state.up, r.transition])).toEqual([
      [0, true, null],
      [1000, false, 'down'],
      [11_000, false, null],
    ]);
  });

  it('jitter keeps each run within its bound of the plan', async () => {
    const clock = new FakeClock();
    const reports: RunReport[] = [];
    const s = new Scheduler({ clock, maxConcurrent: 5, jitterFraction: 0.1, maxJitterMs: 500, random: () => 0.99, run: async () => okResult(0), onReport: (r) => reports.push(r) });
    const done = s.loop();
    s.add(job('a'));
    await clock.advance(21_000);
    s.close();
    await done;
    const gaps = reports.slice(1).map((r, i) => r.startedAtMs - reports[i]!.startedAtMs);
    for (const g of gaps) expect(g).toBeCloseTo(10_000 + 495, 0);
  });

  it('stops by itself after maxRuns', async () => {
    const clock = new FakeClock();
    let n = 0;
    const s = new Scheduler({ clock, maxConcurrent: 4, maxRuns: 7, run: async () => (n++, okResult(0)) });
    for (let i = 0; i < 3; i++) s.add(job(`j${i}`, { delayLoopMs: 100 }));
    const done = s.loop();
    await clock.advance(10_000);
    await done;
    expect(n).toBe(7);
  });
});
