import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { collectGarbageNow, collectStartupGarbage, trimMalloc } from './heap.ts';

/** An object nothing holds any more, watched through a WeakRef. */
function garbage(): WeakRef<object> {
  return new WeakRef({ payload: new Array(1000).fill('start-up garbage') });
}
const turn = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('start-up garbage collection', () => {
  it('the addon npm ci builds exports the low-memory collection and malloc_trim, and both run (else the idle shim keeps its start-up peak)', () => {
    const addon = createRequire(import.meta.url)('vrrp-socket/heap-trim.cjs') as { trim(): unknown; lowMemory(): unknown };
    expect(addon.lowMemory()).toBeUndefined();
    expect(typeof addon.trim()).toBe('boolean');
    expect(typeof trimMalloc()).toBe('boolean');
  });

  it('a collection frees what nothing holds', async () => {
    const ref = garbage();
    await turn();
    collectGarbageNow();
    expect(ref.deref()).toBeUndefined();
  });

  it('collects once the first IPVS pass has ended, without waiting for the timer', async () => {
    let passEnded!: () => void;
    const firstPass = new Promise<void>((r) => (passEnded = r));
    const gc = collectStartupGarbage({ afterMs: 600_000, firstPass, settleMs: 0 });
    const ref = garbage();
    await turn();
    passEnded();
    await turn(50);
    gc.cancel();
    expect(ref.deref()).toBeUndefined();
  });
});
