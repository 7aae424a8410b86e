/**
 * The one way a test waits: polls `fn` until it returns something other than
 * undefined, null or false (and does not throw), then returns that value. At
 * the deadline it throws, naming what it waited for and the last thing it saw
 * (the last error, or the last value), so a failing wait says what the user
 * would have seen go wrong instead of timing the test out.
 */
export interface EventuallyOptions {
  timeoutMs: number;
  /** Between polls; default 50 ms. */
  intervalMs?: number;
  /** Gives up at once when this aborts (a process that exited, say), with its reason. */
  signal?: AbortSignal;
  /** What else to show when the wait fails (a process's output, a sample log), read only then. */
  detail?: () => string;
}

export class WaitTimeout extends Error {
  constructor(what: string, timeoutMs: number, last: string, detail = '') {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last seen: ${last}` : ''}${detail ? `\n${detail}` : ''}`);
    this.name = 'WaitTimeout';
  }
}

const describe = (v: unknown): string => {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return (s ?? String(v)).slice(0, 500);
  } catch {
    return String(v).slice(0, 500);
  }
};

export async function eventually<T>(what: string, fn: () => T | Promise<T>, o: EventuallyOptions): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + o.timeoutMs;
  const interval = o.intervalMs ?? 50;
  let last = '';
  for (;;) {
    if (o.signal?.aborted) throw new Error(`gave up waiting for ${what}: ${describe(o.signal.reason)}${o.detail ? `\n${o.detail()}` : ''}`);
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
      last = describe(v);
    } catch (err) {
      last = describe(err);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeout(what, o.timeoutMs, last, o.detail?.());
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.min(interval, left));
      function done() {
        clearTimeout(t);
        o.signal?.removeEventListener('abort', done);
        resolve();
      }
      o.signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** Races a promise against a deadline, failing with what it waited for. */
export async function within<T>(what: string, p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new WaitTimeout(what, timeoutMs, '')), timeoutMs)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
