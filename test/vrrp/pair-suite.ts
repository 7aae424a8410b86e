/**
 * The set-up every "shim beside keepalived" suite shares: a lab made before
 * the suite (director 1 for the shim, 2 for keepalived, any more for
 * clients), after each test the processes it started killed and the address
 * they left removed, the lab removed at the end. `watch` is the running
 * test's HolderWatch, stopped after it; `why` is the failure detail.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Lab, type Director, type Proc } from './lab.ts';
import type { HolderWatch } from './watch.ts';

export interface PairSuite {
  lab: Lab;
  shimHost: Director;
  kaHost: Director;
  /** Directors after the first two, for clients. */
  others: Director[];
  vip: string;
  /** Processes the running test started; killed after it. */
  running: Proc[];
  watch: HolderWatch | null;
  /** The watch's samples and each process's output, for failure messages. */
  why(...procs: Proc[]): string;
}

export function pairSuite(size: number, subnet: number): PairSuite {
  const s = {
    running: [] as Proc[],
    watch: null as HolderWatch | null,
    why(...procs: Proc[]): string {
      return `${s.watch?.describe().slice(-3000) ?? ''}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n')}`;
    },
  } as PairSuite;
  beforeAll(() => {
    s.lab = new Lab(size, subnet).create();
    [s.shimHost, s.kaHost, ...s.others] = s.lab.directors as [Director, Director, ...Director[]];
    s.vip = s.lab.vip();
  });
  afterEach(async () => {
    s.watch?.stop();
    s.watch = null;
    await s.lab.endScenario(s.running, `${s.vip}/24`);
  });
  afterAll(async () => {
    await s.lab?.destroy();
  });
  return s;
}
