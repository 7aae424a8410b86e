/**
 * Samples who holds a virtual address, over and over, while a test moves it:
 * the invariant under test is "never two holders", and the outcome "this one".
 */
import type { Director, Lab } from './lab.ts';

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
