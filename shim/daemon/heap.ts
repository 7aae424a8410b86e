import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface HeapTrimAddon {
  /** V8's Isolate::LowMemoryNotification(). */
  lowMemory(): void;
  /** malloc_trim(0): true when pages went back to the kernel. */
  trim(): boolean;
}

let addon: HeapTrimAddon | null | undefined;

/** native/vrrp-socket/src/heap_trim.cc, or null when it is not built or does not load (a Node upgraded since npm ci). */
function heapAddon(): HeapTrimAddon | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('vrrp-socket/heap-trim.cjs') as HeapTrimAddon;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** glibc's malloc_trim(0); false without the addon (or not glibc). */
export function trimMalloc(): boolean {
  return heapAddon()?.trim() ?? false;
}

/**
 * The collection V8 runs when told memory is short, then malloc_trim. A plain
 * full GC frees the start-up garbage but leaves the old generation's pages
 * half empty and resident (measured with 10,000 real servers: 34 MB of old
 * space holding 16.5 MB) and the young generation at the size the start-up
 * grew it to. The low-memory collection compacts the old generation and
 * shrinks the young one back, so the shim can run with a young generation
 * big enough for a fast reconcile (--max-semi-space-size in its systemd unit)
 * without keeping it resident while idle. Without the addon: one compacting
 * gc(), exposed only in a fresh context so nothing else can call it.
 */
export function collectGarbageNow(): void {
  const native = heapAddon();
  if (native) native.lowMemory();
  else {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      gc?.();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  }
  // Parsing a large config and the first pass's netlink batches peak far above the idle set; glibc keeps what they freed.
  native?.trim();
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
