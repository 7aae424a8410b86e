import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { deadline } from './deadline.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const abortedWithin = (signal: AbortSignal, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (signal.aborted) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve(true)), { once: true });
  });

describe('deadline', () => {
  it('fires even after a garbage collection, where AbortSignal.any over AbortSignal.timeout may never fire on Node 20', async () => {
    const outer = new AbortController();
    const d = deadline(150, 'the Board', outer.signal);
    await new Promise((r) => setTimeout(r, 30));
    gc();
    expect(await abortedWithin(d.signal, 2000)).toBe(true);
    expect((d.signal.reason as DOMException).name).toBe('TimeoutError');
    expect((d.signal.reason as Error).message).toBe('the Board: no answer within 150 ms');
  });

  it("follows the caller's signal with the caller's reason, and an already aborted one at once", async () => {
    const outer = new AbortController();
    const d = deadline(60_000, 'x', undefined, outer.signal);
    outer.abort(new Error('stopping'));
    expect(await abortedWithin(d.signal, 1000)).toBe(true);
    expect((d.signal.reason as Error).message).toBe('stopping');
    const gone = AbortSignal.abort(new Error('already'));
    expect((deadline(60_000, 'y', gone).signal.reason as Error).message).toBe('already');
  });

  it('clear() ends the timer and detaches from the caller: the signal never aborts afterwards', () => {
    vi.useFakeTimers();
    try {
      const outer = new AbortController();
      const d = deadline(50, 'z', outer.signal);
      d.clear();
      outer.abort(new Error('late'));
      vi.advanceTimersByTime(500);
      expect(vi.getTimerCount()).toBe(0);
      expect(d.signal.aborted).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
