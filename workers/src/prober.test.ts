import { abortAllDurableObjects, createExecutionContext, createScheduledController, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker from './index.ts';
import { proberName } from './prober-plan.ts';
import { edgeLoopbackConfig, putConfig, realServer, saidAbout, verdict } from './test-helpers.ts';

const upPort = inject('upPort');
const downPort = inject('downPort');

const edgeConfig = () => edgeLoopbackConfig({ delayLoopS: 30, upChecks: ['http'] });

const prober = (cluster: string) => env.PROBER.get(env.PROBER.idFromName(proberName(cluster, 'weur', 0)));

/** The Prober's in-memory checkers, as the tests reach into them. */
interface ProberInside {
  slots: Map<string, { dueMs: number }>;
  env: Env;
}
/** First runs are spread over warmup (= delay_loop, 30 s) as keepalived does: make them due now (not at 0: that reads as decades late, and a late Prober gets its shard split). */
const makeDue = (stub: ReturnType<typeof prober>) => runInDurableObject(stub, (instance) => void [...(instance as unknown as ProberInside).slots.values()].forEach((s) => (s.dueMs = Date.now())));

describe('Prober alarms run real checks', () => {
  it('checks loopback servers over cloudflare:sockets on its alarm and the Board turns the votes into a verdict', async () => {
    const put = await putConfig('edge-a', edgeConfig());
    expect(put.status, await put.clone().text()).toBe(201);
    expect(((await put.json()) as { probers: number }).probers).toBe(1);
    const stub = prober('edge-a');
    const before = await stub.status();
    expect(before.jobs).toHaveLength(2);
    expect(before.alarmAtMs).not.toBeNull();
    expect(before.jobs.every((j) => !j.hasRun)).toBe(true);
    await makeDue(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await stub.status();
    const byPort = (p: number) => after.jobs.find((j) => j.target.endsWith(`:${p}`))!;
    expect(byPort(upPort).last?.reason).toBe('ok');
    expect(byPort(upPort).up).toBe(true);
    expect(['connect_refused', 'connect_error']).toContain(byPort(downPort).last?.reason);
    expect(byPort(downPort).up).toBe(false);
    expect(after.alarmAtMs).not.toBeNull(); // the next run is scheduled
    const v = await verdict('edge-a');
    expect(realServer(v.doc!, `:${upPort}`).state).toBe('up');
    expect(realServer(v.doc!, `:${downPort}`).state).toBe('down');
    expect((await saidAbout('edge-a', `:${downPort}`)).weur?.up).toBe(false);
  });

  it('sends one batched vote RPC per alarm, and writes no rows for a run', async () => {
    await putConfig('edge-d', edgeConfig());
    const stub = prober('edge-d');
    await makeDue(stub);
    const calls: { vantagePoint: string; targets: string[] }[] = [];
    const rows = await runInDurableObject(stub, (instance, state) => {
      const inside = instance as unknown as ProberInside;
      const real = inside.env.BOARD;
      // A Board namespace that records each call before passing it on.
      inside.env = {
        ...inside.env,
        BOARD: {
          idFromName: (n: string) => real.idFromName(n),
          get: (id: DurableObjectId) => {
            const board = real.get(id);
            return { submitEdgeVotes: (c: string, vp: string, votes: { target: string }[]) => (calls.push({ vantagePoint: vp, targets: votes.map((v) => v.target) }), board.submitEdgeVotes(c, vp, votes as never)) };
          },
        } as never,
      };
      return state.storage.sql.exec(`SELECT COUNT(*) AS n FROM spec`).one().n;
    });
    expect(rows).toBe(1); // the plan, and nothing per checker
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.targets.sort()).toEqual([`tcp/127.0.0.1:8080|127.0.0.1:${downPort}`, `tcp/127.0.0.1:8080|127.0.0.1:${upPort}`].sort());
    const tables = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'`).toArray().map((r) => r.name));
    expect(tables).toEqual(['spec']);
    // The next alarm is at least ALARM_MIN_GAP_MS away, so runs falling due meanwhile share it.
    expect((await stub.status()).alarmAtMs).not.toBeNull();
  });

  it('an evicted Prober resumes from its stored plan with checkers in their initial state', async () => {
    await putConfig('edge-e', edgeConfig());
    const first = prober('edge-e');
    await makeDue(first);
    await runDurableObjectAlarm(first);
    expect((await first.status()).jobs.every((j) => j.hasRun)).toBe(true);
    await abortAllDurableObjects(); // memory gone, storage and alarm kept
    const stub = prober('edge-e');
    const after = await stub.status();
    expect(after.jobs).toHaveLength(2);
    expect(after.jobs.every((j) => !j.hasRun && j.up)).toBe(true); // keepalived's initial state (no alpha)
    expect(after.alarmAtMs).not.toBeNull();
    // The Board (evicted too, its votes in memory lost) holds the verdict meanwhile; the next run votes again.
    expect(realServer((await verdict('edge-e')).doc!, `:${downPort}`)).toMatchObject({ state: 'unknown', effective: 'down' });
    await makeDue(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const again = await stub.status();
    expect(again.jobs.every((j) => j.hasRun)).toBe(true);
    expect(again.jobs.find((j) => j.target.endsWith(`:${downPort}`))!.up).toBe(false);
    expect(realServer((await verdict('edge-e')).doc!, `:${downPort}`).state).toBe('down');
  });

  it('the cron re-arms a Prober whose alarm was lost', async () => {
    await putConfig('edge-b', edgeConfig());
    const stub = prober('edge-b');
    await runInDurableObject(stub, async (_instance, state) => {
      await state.storage.deleteAlarm();
    });
    expect((await stub.status()).alarmAtMs).toBeNull();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await stub.status()).alarmAtMs).not.toBeNull();
  });

  it('a config without the edge vantage point retires its Prober', async () => {
    await putConfig('edge-c', edgeConfig());
    const stub = prober('edge-c');
    expect((await stub.status()).jobs).toHaveLength(2);
    await putConfig('edge-c', edgeConfig().replace(/vantage_point weur \{[^}]*\}/, 'vantage_point dc1 {\n        kind self-hosted\n    }'));
    const s = await stub.status();
    expect(s.jobs).toHaveLength(0);
    expect(s.alarmAtMs).toBeNull();
  });
});
