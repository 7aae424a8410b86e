/**
 * RPC calls between Durable Objects take no AbortSignal, so each gets a
 * deadline here: the caller stops waiting (the alarm or request moves on)
 * even if the callee is stuck.
 */
export async function withDeadline<T>(p: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
