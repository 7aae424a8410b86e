// A deadline held by its own timer (Node 20 can collect an AbortSignal.timeout()
// joined with AbortSignal.any() before it fires): the shim's, one implementation.
export { deadline, type Deadline } from '../shim/ports/deadline.ts';

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
