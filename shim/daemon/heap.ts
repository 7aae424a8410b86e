import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface HeapTrimAddon {
  /** malloc_trim(0): true when pages went back to the kernel. */
  trim(): boolean;
}

let trimAddon: HeapTrimAddon | null | undefined;

/** glibc's malloc_trim(0) through native/vrrp-socket/src/heap_trim.c; false without the addon (not built, not glibc). */
export function trimMalloc(): boolean {
  if (trimAddon === undefined) {
  try {
      trimAddon = createRequire(import.meta.url)('vrrp-socket/heap-trim.cjs') as HeapTrimAddon;
    } catch {
      trimAddon = null;
    }
  }
  return trimAddon?.trim() ?? false;
}

/**
 * One compacting full collection, then malloc_trim. A plain full GC frees the
 * start-up garbage but leaves the old generation's pages half empty and
 * resident (measured with 10,000 real servers: 34 MB of old space holding
 * 16.5 MB); compacting moves the survivors together so the emptied pages are
 * released. The compaction flag is set for this one collection only: later
 * collections keep V8's own heuristics. `gc` is exposed only in a fresh
 * context, so nothing else in the process can call it.
 */
export function collectGarbageNow(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc?.();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  // Parsing a large config and the first pass's netlink batches peak far above the idle set; glibc keeps what they freed.
  trimMalloc();
}

/**
 * Collects once start-up is over. An idle daemon allocates almost nothing, and
 * V8 collects only when allocating, so the start-up garbage (the config text
 * and parse tree, the first fold and diff of a 10,000-server table) would
 * otherwise stay resident for the life of the process: measured 39 MB of heap
 * in use vs 20 MB live for the bench config. Start-up is over `settleMs` after
 * the first pass ends when one is given (the first IPVS reconcile), else
 * `afterMs` after start; a first pass that comes later than that (it waits for
 * the Board) is collected after too. One collection when the pass comes first:
 * a second, redundant one would only raise RSS again while it compacts.
 */
export function collectStartupGarbage(o: { afterMs?: number; firstPass?: Promise<unknown>; settleMs?: number } = {}): { cancel(): void } {
  let cancelled = false;
  let collected = false;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, unlessCollected: boolean) => {
    if (cancelled) return;
    const t = setTimeout(() => {
      if (unlessCollected && collected) return;
      collected = true;
      collectGarbageNow();
    }, ms);
    t.unref();
    timers.push(t);
  };
  later(o.afterMs ?? 5000, true);
  const afterPass = () => later(o.settleMs ?? 500, false);
  void o.firstPass?.then(afterPass, afterPass);
  return {
    cancel() {
      cancelled = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}
