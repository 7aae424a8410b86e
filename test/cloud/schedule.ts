/**
 * Seeded chaos schedules over a Fleet, the EC2 endpoint and a lease keeper.
 * Invariants, checked all along (sampled) and at the end:
 *  - never two directors believe they hold the lease at once;
 *  - every API call a director made fell inside a lease it held, and no two
 *    directors' leases overlapped (the endpoint's log against their deadlines);
 *  - once faults heal, the address ends on the director holding the lease.
 */
import type { Clock } from '../../core/ports/clock.ts';
import type { Ec2Endpoint } from '../ec2/ec2-endpoint.ts';
import { ALLOCATION_ID, DIRECTORS } from '../ec2/fixture.ts';
import { checkCallLog, type Fleet } from './fleet.ts';

export const STEPS = ['kill-holder', 'partition-holder', 'partition-shims', 'restart-board', 'expire-during-call', 'throttle-half'] as const;
export type Step = (typeof STEPS)[number];

export interface ChaosWorld {
  fleet: Fleet;
  endpoint: Ec2Endpoint;
  clock: Clock;
  ids: string[];
  ttlMs: number;
  restartBoard: () => Promise<void>;
  /** Runs `check` often while the schedule runs; returns a stop function. Default: every 20 ms of real time. */
  sampler?: (check: () => void) => () => void;
}

export function pickSchedule(rng: () => number, length: number): Step[] {
  // Every step kind once (shuffled), then random ones.
  const all = [...STEPS].sort(() => rng() - 0.5);
  while (all.length < length) all.push(STEPS[Math.floor(rng() * STEPS.length)]!);
  return all.slice(0, Math.max(length, 0));
}

export async function runSchedule(w: ChaosWorld, steps: readonly Step[], log: (line: string) => void = () => {}): Promise<string[]> {
  const violations: string[] = [];
  const { fleet, endpoint, clock } = w;
  const check = () => {
    const b = fleet.believers();
    if (b.length > 1) violations.push(`at ${clock.nowMs()} ${b.join(' and ')} both believe they hold the lease`);
  };
  const stopSampling =
    w.sampler?.(check) ??
    (() => {
      const t = setInterval(check, 20);
      return () => clearInterval(t);
    })();
  const wait = (ms: number) => clock.sleep(ms);
  const holder = () => fleet.believers()[0];
  try {
    for (const step of steps) {
      for (const id of w.ids) if (!fleet.alive().includes(id)) fleet.start(id);
      await wait(w.ttlMs * 1.5);
      const h = holder();
      log(`step ${step} (holder ${h ?? 'none'})`);
      switch (step) {
        case 'kill-holder':
          if (h) await fleet.kill(h);
          await wait(w.ttlMs * 2);
          break;
        case 'partition-holder':
          if (h) fleet.cut.add(h);
          await wait(w.ttlMs * 2);
          fleet.cut.clear();
          break;
        case 'partition-shims':
          // Cloud directors never talk to each other (the Board is the only arbiter): a partition between them changes nothing, which is the point.
          await wait(w.ttlMs);
          break;
        case 'restart-board':
          await w.restartBoard();
          await wait(w.ttlMs);
          break;
        case 'expire-during-call': {
          // Someone moved the address behind the holder's back; its next reconcile calls AssociateAddress, which hangs past the lease while it is cut off.
          endpoint.faults = { ...endpoint.faults, latencyMs: w.ttlMs * 1.5 };
          const other = DIRECTORS.find((d) => d.id !== h) ?? DIRECTORS[2];
          endpoint.world.associateAddress({ allocationId: ALLOCATION_ID, instanceId: other.instanceId, allowReassociation: true });
          if (h) fleet.cut.add(h);
          await wait(w.ttlMs * 2);
          fleet.cut.clear();
          endpoint.faults = { ...endpoint.faults, latencyMs: 0 };
          break;
        }
        case 'throttle-half':
          endpoint.faults = { ...endpoint.faults, throttleRate: 0.5 };
          if (h) await fleet.kill(h);
          await wait(w.ttlMs * 2);
          endpoint.faults = { ...endpoint.faults, throttleRate: 0 };
          break;
      }
    }
    // Heal everything, then the address must settle on the holder.
    fleet.cut.clear();
    endpoint.faults = { throttleRate: 0, serverErrorRate: 0, latencyMs: 0 };
    for (const id of w.ids) if (!fleet.alive().includes(id)) fleet.start(id);
    let settled = false;
    for (let i = 0; i < 60 && !settled; i++) {
      await wait(w.ttlMs / 2);
      const b = fleet.believers();
      const d = DIRECTORS.find((x) => x.id === b[0]);
      const addr = endpoint.world.addresses.get(ALLOCATION_ID);
      settled = b.length === 1 && d !== undefined && addr?.instanceId === d.instanceId;
    }
    if (!settled) violations.push(`the address did not settle on the lease holder (believers ${fleet.believers().join(',') || 'none'}, address on ${endpoint.world.addresses.get(ALLOCATION_ID)?.instanceId ?? 'nothing'})`);
  } finally {
    stopSampling();
  }
  violations.push(...checkCallLog(endpoint.calls, fleet.spans));
  return violations;
}
