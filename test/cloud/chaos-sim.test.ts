import { describe, expect, it } from 'vitest';
import { runSimSchedule } from './chaos-sim.ts';

// A bounded number here; `npm run chaos -- 1000` runs many more the same way.
const SCHEDULES = 25;

describe('cloud failover chaos on a simulated clock (real movers, SDK and EC2 endpoint; the keeper step in memory)', () => {
  it(`${SCHEDULES} seeded schedules: never two holders, calls only inside leases, the address ends on the holder`, async () => {
    let grants = 0;
    for (let s = 1001; s < 1001 + SCHEDULES; s++) {
      const r = await runSimSchedule(s);
      expect(r.violations, `seed ${s}: ${r.steps.join(', ')}`).toEqual([]);
      grants += r.grants;
    }
    // Every schedule forces handovers: kills, partitions, throttled moves.
    expect(grants).toBeGreaterThan(SCHEDULES * 3);
  }, 120_000);
});
