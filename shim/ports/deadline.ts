/**
 * A deadline joined with the caller's signals, held by its own timer.
 *
 * Node 20's `AbortSignal.any()` keeps only weak references to its sources,
 * and an `AbortSignal.timeout()` that nothing else references can be
 * collected before it fires: joined that way, a deadline silently never comes
 * (`any([signal, AbortSignal.timeout(200)])` is still not aborted 600 ms later
 * after one collection). Here the timer holds the controller, the parents'
 * listeners hold it too, and `clear()` lets both go once the work is done.
 * The abort reason is a `TimeoutError` DOMException, as AbortSignal.timeout's.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer and detaches from the parents; call it when the guarded work is done. */
  clear(): void;
}

export function deadline(ms: number, what: string, ...parents: ReadonlyArray<AbortSignal | undefined>): Deadline {
  const c = new AbortController();
  const live = parents.filter((p): p is AbortSignal => p !== undefined);
  const onParent = (e: Event) => c.abort((e.target as AbortSignal).reason);
  const clear = () => {
    clearTimeout(timer);
    for (const p of live) p.removeEventListener('abort', onParent);
  };
  const timer = setTimeout(() => {
    clear();
    c.abort(new DOMException(`${what}: no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  for (const p of live) {
    if (p.aborted) {
      clear();
      c.abort(p.reason);
      break;
    }
    p.addEventListener('abort', onParent, { once: true });
  }
  c.signal.addEventListener('abort', clear, { once: true });
  return { signal: c.signal, clear };
}
