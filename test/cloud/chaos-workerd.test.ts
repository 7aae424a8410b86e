import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../core/ports/clock.ts';
import { HttpLeaseClient } from '../../shim/cloud/lease-client.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { Ec2Endpoint } from '../ec2/ec2-endpoint.ts';
import { binding, sdkEnv, seed } from '../ec2/fixture.ts';
import { Fleet } from './fleet.ts';
import { prng } from '../helpers/prng.ts';
import { pickSchedule, runSchedule } from './schedule.ts';
import { WorkerdKeeper } from './workerd-keeper.ts';

/** Wall-clock ms, so the directors' deadlines and the endpoint's log share one time line. */
const wallClock: Clock = { nowMs: () => Date.now(), sleep: systemClock.sleep };
const SEED = Number(process.env['VIGIL_CHAOS_SEED'] ?? 7);
const TTL_MS = 2_000;

let keeper: WorkerdKeeper;
let endpoint: Ec2Endpoint;
const CLUSTER = 'chaos';
const IDS = ['lb1', 'lb2', 'lb3'];
const secrets = localSecrets({ clusters: [CLUSTER], directors: IDS });
const directors = tokensOf(secrets.tokens, CLUSTER).directors;
const cfg = binding('elastic-ip', { name: 'web', leaseTtlMs: TTL_MS });

beforeAll(async () => {
  endpoint = new Ec2Endpoint(seed(), { random: prng(SEED + 1) });
  sdkEnv(await endpoint.start());
  keeper = new WorkerdKeeper(secrets);
  await keeper.start();
  const res = await fetch(`${keeper.url}/v1/clusters/chaos/config`, { method: 'PUT', headers: { Authorization: `Bearer ${secrets.tokens.admin}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ vigil: { cloudBindings: [cfg] } }), signal: AbortSignal.timeout(20_000) });
  expect(res.status, await res.text()).toBe(201);
}, 120_000);

afterAll(async () => {
  await keeper?.dispose();
  await endpoint?.stop();
});

describe('cloud failover chaos: three shims, the LeaseKeeper in workerd, the EC2 endpoint', () => {
  it('the Board refuses a heartbeat without a shim token and for a binding the director does not serve', async () => {
    const post = (token: string, body: unknown) => fetch(`${keeper.url}/v1/clusters/chaos/directors/lb1/heartbeat`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    expect((await post('vgl_shim_nope', { healthy: true, bindings: ['web'] })).status).toBe(401);
    expect((await post(directors.lb1!, { healthy: true, bindings: ['other'] })).status).toBe(400);
    expect((await post(directors.lb1!, { healthy: 'yes', bindings: ['web'] })).status).toBe(400);
  });

  it(`a seeded schedule (seed ${SEED}) of every fault: never two holders, calls only inside leases, the address ends on the holder`, async () => {
    const fleet = new Fleet({
      binding: cfg,
      clientFor: (id) => new HttpLeaseClient(`${keeper.url}/v1/clusters/chaos`, id, directors[id]!),
      clock: wallClock,
      heartbeatMs: 500,
      retry: { baseMs: 50, maxBackoffMs: 800, maxAttempts: 10, random: prng(SEED + 2) },
    });
    const steps = pickSchedule(prng(SEED), 6);
    const lines: string[] = [];
    try {
      const violations = await runSchedule({ fleet, endpoint, clock: wallClock, ids: IDS, ttlMs: TTL_MS, restartBoard: async () => (await keeper.stop(), await keeper.start()) }, steps, (l) => lines.push(l));
      expect(violations, lines.join('\n')).toEqual([]);
    } finally {
      await fleet.stopAll();
    }
    // The schedule really moved the address between directors, and tokens only grew.
    const tokens = [...fleet.spans.values()].flat().map((s) => s.token).sort((a, b) => a - b);
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(3);
    expect(endpoint.mutations().filter((c) => c.action === 'AssociateAddress' && c.outcome === 'ok').length).toBeGreaterThanOrEqual(3);
  }, 240_000);
});
