/**
 * Deadlines that hold. Node 20's AbortSignal.any() keeps only weak references
 * to its sources, and an AbortSignal.timeout() with no listener of its own
 * can be collected before it fires: joined that way, a deadline silently
 * never comes (seen: `any([signal, AbortSignal.timeout(200)])` still not
 * aborted 600 ms later after one gc()). This one is held by its own timer.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Clears the timer once the guarded work is done. */
  clear(): void;
}

export function deadline(ms: number, what: string): Deadline {
  const c = new AbortController();
  const timer = setTimeout(() => c.abort(new Error(`${what}: no answer within ${ms} ms`)), ms);
  return { signal: c.signal, clear: () => clearTimeout(timer) };
}

/** Whether `p` settled (either way) within `ms`. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
