import { onTestFinished, vi } from 'vitest';

const HOUR_MS = 3_600_000;

export interface TestClock {
  /** Moves time forward to `atMs` (time passing: an alarm that comes late, a round's grace running out); already past it, stays. */
  jumpTo(atMs: number): void;
}

/**
 * The clock for one test, run ahead of workerd's. vitest-pool-workers runs
 * the tests, the Worker, its Durable Objects and the ProbeRunner in one
 * isolate, so moving Date.now() moves it for all of them alike, while
 * workerd still fires alarms by its own clock. An hour ahead, every alarm
 * the system sets lands an hour into workerd's future: none fires by itself
 * while the test runs (where a natural alarm would race the test's own), and
 * each runs when the test runs it (runDurableObjectAlarm), at the time the
 * test has moved to. Put back when the test ends, pass or fail.
 */
export function clockAhead(aheadMs = HOUR_MS): TestClock {
  const real = Date.now;
  let offsetMs = aheadMs;
  const spy = vi.spyOn(Date, 'now').mockImplementation(() => real() + offsetMs);
  onTestFinished(() => spy.mockRestore());
  return {
    jumpTo(atMs: number): void {
      offsetMs += Math.max(0, atMs - (real() + offsetMs));
    },
  };
}
