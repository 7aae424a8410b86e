import type { Clock } from '../../core/ports/clock.ts';

/**
 * A clock that moves only when told. `advance` fires due sleepers in time order
 * and lets their continuations run before firing the next, so code awaiting
 * sleeps in a loop sees the same sequence it would in real time.
 */
export class FakeClock implements Clock {
  private now = 0;
  private seq = 0;
  private sleepers: { at: number; seq: number; resolve: () => void }[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const entry = { at: this.now + Math.max(0, ms), seq: this.seq++, resolve };
      this.sleepers.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== entry);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Number of pending sleeps: lets a test wait until the code under test is idle. */
  pending(): number {
    return this.sleepers.length;
  }

  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      await flushMicrotasks();
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers[0];
      if (!next || next.at > until) break;
      this.sleepers.shift();
      this.now = next.at;
      next.resolve();
    }
    this.now = until;
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  // A macrotask boundary lets every chained promise continuation settle.
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setTimeout(r, 0));
}
