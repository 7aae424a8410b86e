import { abortAllDurableObjects, env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { proberName } from './prober-plan.ts';
import { alarmAndRound, edgeLoopbackConfig, putConfig, realServer, saidAbout, verdict } from '../test/helpers.ts';

const upPort = inject('upPort');
const downPort = inject('downPort');

const config = edgeLoopbackConfig({ delayLoopS: 30, upChecks: ['tcp'] });

const prober = (cluster: string, shard: number) => env.PROBER.get(env.PROBER.idFromName(proberName(cluster, 'weur', shard)));
const board = (cluster: string) => env.BOARD.get(env.BOARD.idFromName(cluster));
interface Inside {
  slots: Map<string, { dueMs: number }>;
}
/** Every checker due `lateMs` ago: as if the alarm came that late (a stalled or overloaded shard). */
const dueAgo = (stub: ReturnType<typeof prober>, lateMs: number) => runInDurableObject(stub, (i) => void [...(i as unknown as Inside).slots.values()].forEach((s) => (s.dueMs = Date.now() - lateMs)));

async function until<T>(f: () => Promise<T>, ok: (x: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const x = await f();
    if (ok(x) || Date.now() > end) return x;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('latency-sized shards re-plan when a Prober falls behind', () => {
  it('a lagging Prober reports with its votes, the Board splits its shard at once, and both targets keep being checked and voted on', async () => {
    expect((await putConfig('lag-a', config)).status).toBe(201);
    const first = prober('lag-a', 0);
    expect((await first.status()).jobs).toHaveLength(2);
    // On schedule: no report, one shard.
    await dueAgo(first, 0);
    await alarmAndRound(first);
    expect(Object.keys((await board('lag-a').shardPlacement()).weur ?? {})).toEqual(['0']);
    // 10 s late against a 30 s loop (threshold 6 s): the batch carries the report.
    await dueAgo(first, 10_000);
    await alarmAndRound(first);
    const placement = await until(() => board('lag-a').shardPlacement(), (p) => Object.keys(p.weur ?? {}).length === 2);
    const shards = Object.entries(placement.weur!).map(([s, ts]) => [Number(s), ts] as const);
    expect(shards).toHaveLength(2);
    expect(shards.flatMap(([, ts]) => ts).sort()).toEqual([`tcp/127.0.0.1:8080|127.0.0.1:${downPort}`, `tcp/127.0.0.1:8080|127.0.0.1:${upPort}`].sort());
    // Each Prober got its part (the re-plan reached them), nothing lost or doubled.
    const stubs = shards.map(([s]) => prober('lag-a', s));
    const jobs = await until(() => Promise.all(stubs.map((s) => s.status())), (xs) => xs.every((x) => x.jobs.length === 1));
    expect(jobs.map((j) => j.jobs.length)).toEqual([1, 1]);
    // The moved target's checker starts in keepalived's initial state on its new shard; its vote stays under weur.
    const moved = jobs.find((j) => j.jobs.some((x) => !x.hasRun));
    expect(moved?.jobs[0]?.up).toBe(true);
    for (const s of stubs) {
      await dueAgo(s, 0);
      await alarmAndRound(s);
    }
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
    await putConfig('lag-b', config);
    const stub = prober('lag-b', 0);
    for (let i = 0; i < 3; i++) {
      await dueAgo(stub, 100);
      await alarmAndRound(stub);
    }
    expect(Object.keys((await board('lag-b').shardPlacement()).weur ?? {})).toEqual(['0']);
    expect((await stub.status()).jobs).toHaveLength(2);
  });
});
