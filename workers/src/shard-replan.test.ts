import { abortAllDurableObjects, env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../../test/helpers/eventually.ts';
import { proberName } from './prober-plan.ts';
import { clockAhead, type TestClock } from '../test/clock.ts';
import { alarmAndRound, edgeLoopbackConfig, lastDueMs, putConfig, realServer, saidAbout, verdict } from '../test/helpers.ts';

const upPort = inject('upPort');
const downPort = inject('downPort');

/** First runs due as the plan arrives; with the clock ahead of workerd's (clockAhead), each alarm runs when the test runs it. */
const config = edgeLoopbackConfig({ delayLoopS: 30, upChecks: ['tcp'], warmupS: 0 });

const prober = (cluster: string, shard: number) => env.PROBER.get(env.PROBER.idFromName(proberName(cluster, 'weur', shard)));
const board = (cluster: string) => env.BOARD.get(env.BOARD.idFromName(cluster));

/** Runs the Prober's alarm `lateMs` after its last checker fell due (an alarm that came that late: a stalled or overloaded shard). */
async function alarmLate(clock: TestClock, stub: ReturnType<typeof prober>, lateMs: number) {
  clock.jumpTo(lastDueMs(await stub.status()) + lateMs);
  return alarmAndRound(stub);
}

describe('latency-sized shards re-plan when a Prober falls behind', () => {
  it('a lagging Prober reports with its votes, the Board splits its shard at once, and both targets keep being checked and voted on', async () => {
    const clock = clockAhead();
    expect((await putConfig('lag-a', config)).status).toBe(201);
    const first = prober('lag-a', 0);
    expect((await first.status()).jobs).toHaveLength(2);
    // On schedule: no report, one shard.
    await alarmLate(clock, first, 0);
    expect(Object.keys((await board('lag-a').shardPlacement()).weur ?? {})).toEqual(['0']);
    // 10 s late against a 30 s loop (threshold 6 s): the batch carries the report.
    await alarmLate(clock, first, 10_000);
    const placement = await eventually('the Board to split weur into two shards', async () => {
      const p = await board('lag-a').shardPlacement();
      return Object.keys(p.weur ?? {}).length === 2 && p;
    }, { timeoutMs: 5000, intervalMs: 20 });
    const shards = Object.entries(placement.weur!).map(([s, ts]) => [Number(s), ts] as const);
    expect(shards).toHaveLength(2);
    expect(shards.flatMap(([, ts]) => ts).sort()).toEqual([`tcp/127.0.0.1:8080|127.0.0.1:${downPort}`, `tcp/127.0.0.1:8080|127.0.0.1:${upPort}`].sort());
    // Each Prober got its part (the re-plan reached them), nothing lost or doubled.
    const stubs = shards.map(([s]) => prober('lag-a', s));
    const jobs = await eventually('each of the two Probers to hold one checker', async () => {
      const xs = await Promise.all(stubs.map((s) => s.status()));
      return xs.every((x) => x.jobs.length === 1) && xs;
    }, { timeoutMs: 5000, intervalMs: 20 });
    expect(jobs.map((j) => j.jobs.length)).toEqual([1, 1]);
    // The moved target's checker starts in keepalived's initial state on its new shard; its vote stays under weur.
    const moved = jobs.find((j) => j.jobs.some((x) => !x.hasRun));
    expect(moved?.jobs[0]?.up).toBe(true);
    // Each shard's alarm on time: the moved checker's (due now) first, then the other's (a delay_loop after its last run).
    const byDue = await Promise.all(stubs.map(async (s) => [lastDueMs(await s.status()), s] as const));
    for (const [, s] of byDue.sort(([a], [b]) => a - b)) await alarmLate(clock, s, 0);
    const after = await Promise.all(stubs.map((s) => s.status()));
    expect(after.every((a) => a.jobs.every((j) => j.hasRun) && a.alarmAtMs !== null)).toBe(true);
    const v = await verdict('lag-a');
    expect(realServer(v.doc!, `:${upPort}`).state).toBe('up');
    expect(realServer(v.doc!, `:${downPort}`).state).toBe('down');
    expect((await saidAbout('lag-a', `:${upPort}`)).weur).toMatchObject({ up: true, fresh: true });
    expect((await saidAbout('lag-a', `:${downPort}`)).weur).toMatchObject({ up: false, fresh: true });
    // A restarted Board plans from the stored placement, estimates and correction: no merge back, no re-deal.
    await abortAllDurableObjects();
    expect(await board('lag-a').shardPlacement()).toEqual(placement);
  });

  it('a Prober on schedule never triggers a re-plan, and the plan survives a re-send unchanged', async () => {
    const clock = clockAhead();
    await putConfig('lag-b', config);
    const stub = prober('lag-b', 0);
    for (let i = 0; i < 3; i++) await alarmLate(clock, stub, 100);
    expect(Object.keys((await board('lag-b').shardPlacement()).weur ?? {})).toEqual(['0']);
    const s = await stub.status();
    expect(s.jobs).toHaveLength(2);
    expect(s.jobs.every((j) => j.runs === 3)).toBe(true);
  });
});
