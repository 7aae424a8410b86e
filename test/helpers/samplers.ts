/**
 * Measurements taken while something runs: a timer samples until `fn`
 * settles and is cleared then, pass or fail. These never wait for anything
 * themselves (the deadline is `fn`'s own), so they are not waits.
 */

/** The highest RSS of this process seen while `fn` runs, sampled every `everyMs`, as growth over the start. */
export async function peakRss<T>(fn: () => Promise<T>, everyMs = 10): Promise<{ value: T; growthBytes: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growthBytes: peak - base };
  } finally {
    clearInterval(sample);
  }
}

/** How long the event loop was held at worst while `fn` runs: the lateness of a timer meant to tick every `tickMs`. */
export async function worstLoopLag<T>(fn: () => Promise<T>, tickMs = 10): Promise<{ value: T; worstLagMs: number }> {
  let last = performance.now();
  let worstLagMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worstLagMs = Math.max(worstLagMs, now - last - tickMs);
    last = now;
  }, tickMs);
  try {
    const value = await fn();
    return { value, worstLagMs };
  } finally {
    clearInterval(ticker);
  }
}
