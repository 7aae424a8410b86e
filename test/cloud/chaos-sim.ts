/**
 * Many seeded chaos schedules in one process on a simulated clock: the real
 * movers and @aws-sdk/client-ec2 against the EC2 endpoint, the lease keeper's
 * own step (lease-table.ts, as the LeaseKeeper Durable Object runs it) in
 * memory. The workerd suite (chaos-workerd.test.ts) runs the same schedules
 * against the Durable Object itself, slower.
 */
import { LocalLeaseKeeper } from '../../shim/cloud/local-lease-keeper.ts';
import { Ec2Endpoint } from '../ec2/ec2-endpoint.ts';
import { binding, sdkEnv, seed } from '../ec2/fixture.ts';
import { Fleet } from './fleet.ts';
import { prng } from '../helpers/prng.ts';
import { pickSchedule, runSchedule, type Step } from './schedule.ts';
import { SimClock } from './sim-clock.ts';

export const SIM_TTL_MS = 2_000;

export interface SimOutcome {
  seed: number;
  steps: Step[];
  violations: string[];
  grants: number;
  mutations: number;
}

export async function runSimSchedule(scheduleSeed: number, length = 6): Promise<SimOutcome> {
  const clock = new SimClock();
  const endpoint = new Ec2Endpoint(seed(), { random: prng(scheduleSeed + 1), now: () => clock.nowMs(), delay: (ms) => clock.sleep(ms) });
  clock.parked = () => endpoint.parked;
  sdkEnv(await endpoint.start());
  const cfg = binding('elastic-ip', { name: 'web', leaseTtlMs: SIM_TTL_MS });
  const keeper = new LocalLeaseKeeper([cfg], clock);
  const fleet = new Fleet({ binding: cfg, clientFor: (id) => keeper.clientFor(id), clock, heartbeatMs: 500, retry: { baseMs: 50, maxBackoffMs: 800, maxAttempts: 10, random: prng(scheduleSeed + 2) }, wrapCaller: clock.counting() });
  const steps = pickSchedule(prng(scheduleSeed), length);
  let check: () => void = () => {};
  const run = runSchedule(
    {
      fleet,
      endpoint,
      clock,
      ids: ['lb1', 'lb2', 'lb3'],
      ttlMs: SIM_TTL_MS,
      restartBoard: async () => {
        keeper.down = true;
        await clock.sleep(800);
        keeper.restart();
        keeper.down = false;
      },
      sampler: (c) => {
        check = c;
        return () => (check = () => {});
      },
    },
    steps,
  );
  try {
    await clock.drive(run, () => check(), { what: `chaos schedule ${scheduleSeed} (${steps.join(', ')}) to finish`, timeoutMs: 60_000 });
    const violations = await run;
    await fleet.stopAll().catch(() => {});
    return { seed: scheduleSeed, steps, violations, grants: keeper.state('web')?.lastToken ?? 0, mutations: endpoint.mutations().length };
  } finally {
    const stopping = fleet.stopAll();
    await clock.drive(stopping, () => {}, { what: `the fleet of schedule ${scheduleSeed} to stop`, timeoutMs: 10_000 });
    await endpoint.stop();
  }
}
