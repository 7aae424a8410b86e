/**
 * Samples who holds a virtual address, over and over, while a test moves it:
 * the invariant under test is "never two holders", and the outcome "this one".
 */
import { eventually } from '../helpers/eventually.ts';
import type { Director, Lab } from './lab.ts';

/** Waits until exactly `d` holds `vip`; a failure shows `detail()` (the processes' output). */
export async function holderIs(lab: Lab, vip: string, d: Director, timeoutMs: number, detail?: () => string): Promise<void> {
  await eventually(`${vip} held by ${d.ns} alone`, () => lab.holders(vip).map((h) => h.ns).join() === d.ns, { timeoutMs, detail });
}

/** Waits until `d` has `vip` on its link (whoever else may, as a killed master's namespace keeps it). */
export async function hasAddress(lab: Lab, d: Director, vip: string, timeoutMs: number, detail?: () => string): Promise<void> {
  await eventually(`${vip} on ${d.ns}`, () => lab.addresses(d).includes(vip), { timeoutMs, detail });
}

/**
 * Samples who holds `vip` until `signal` resolves (a positive sign that the
 * others have had every chance to take it, such as adverts counted) and
 * once more after; returns each sample that was not `d` alone. A signal that
 * fails fails the caller.
 */
export async function holderThroughout(lab: Lab, vip: string, d: Director, signal: Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const sample = () => {
    const h = lab.holders(vip).map((x) => x.ns).join();
    if (h !== d.ns) seen.push(h || '(none)');
  };
  let done = false;
  const ended = signal.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    sample();
    await Promise.race([ended, new Promise((r) => setTimeout(r, 50))]);
  }
  await signal;
  sample();
  return seen;
}

export interface Sample {
  atMs: number;
  holders: string[];
}

export class HolderWatch {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Directors whose process was killed -9: their namespace keeps the address, as a dead host's would vanish. */
  readonly dead = new Set<Director>();

  constructor(
    private readonly lab: Lab,
    private readonly vip: string,
    private readonly stepMs = 40,
  ) {}

  start(): this {
    const t0 = Date.now();
    const tick = () => {
      const holders = this.lab.directors.filter((d) => !this.dead.has(d) && this.lab.addresses(d).includes(this.vip)).map((d) => d.ns);
      this.samples.push({ atMs: Date.now() - t0, holders });
      this.timer = setTimeout(tick, this.stepMs);
    };
    tick();
    return this;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Samples where more than one live director held the address. */
  doubles(): Sample[] {
    return this.samples.filter((s) => s.holders.length > 1);
  }

  /**
   * Doubles seen on two polls in a row. A handover is "advert out, then
   * address on" at the new master against "advert in, then address off" at the
   * old one, so for a moment (well under one poll interval, keepalived alike,
   * longer in unicast while the new master's ARP entry for its peer resolves)
   * both can hold it. What must never happen is that overlap lasting.
   */
  lastingDoubles(): Sample[] {
    return this.samples.filter((s, i) => s.holders.length > 1 && (this.samples[i - 1]?.holders.length ?? 0) > 1);
  }

  describe(): string {
    return this.samples.map((s) => `${s.atMs}ms:[${s.holders.join(',')}]`).join(' ');
  }
}
