import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { eventually } from '../../test/helpers/eventually.ts';
import { ProbeRunner } from './probe-runner.ts';
import { proberName } from './prober-plan.ts';
import { clockAhead } from '../test/clock.ts';
import { alarmAndRound, edgeLoopbackConfig, roundsBack, putConfig, realServer, saidAbout, verdict } from '../test/helpers.ts';

const upPort = inject('upPort');
const downPort = inject('downPort');
const silentPort = inject('silentPort');

/**
 * First runs due as the plan arrives (keepalived spreads them over warmup, a
 * whole delay_loop by default). Every test runs with the clock ahead of
 * workerd's (clockAhead), so those alarms wait for the test to run them.
 */
const edgeConfig = (delayLoopS = 30) => edgeLoopbackConfig({ delayLoopS, upChecks: ['http'], warmupS: 0 });

const prober = (cluster: string) => env.PROBER.get(env.PROBER.idFromName(proberName(cluster, 'weur', 0)));

describe('Prober alarms run real checks', () => {
  it('checks loopback servers over cloudflare:sockets in the round its alarm hands off, and the Board turns the votes into a verdict', async () => {
    clockAhead();
    const put = await putConfig('edge-a', edgeConfig());
    expect(put.status, await put.clone().text()).toBe(201);
    expect(((await put.json()) as { probers: number }).probers).toBe(1);
    const stub = prober('edge-a');
    const before = await stub.status();
    expect(before.jobs).toHaveLength(2);
    expect(before.alarmAtMs).not.toBeNull();
    expect(before.jobs.every((j) => !j.hasRun)).toBe(true);
    const after = await alarmAndRound(stub);
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

  it('hands a round to the ProbeRunner without waiting on its sockets, reports a transition before the round ends, and writes no rows for a run', async () => {
    clockAhead();
    // The up server, and a server that accepts and never answers: its HTTP check waits out a 5 s connect_timeout.
    const config = edgeConfig().replace(
      /(vigil \{)/,
      `virtual_server 127.0.0.2 8080 {\n    delay_loop 30\n    warmup 0\n    protocol TCP\n    real_server 127.0.0.1 ${silentPort} {\n        HTTP_GET {\n            url {\n                path /\n                status_code 200\n            }\n            connect_timeout 5\n            retry 0\n        }\n    }\n}\n$1`,
    );
    expect((await putConfig('edge-d', config)).status).toBe(201);
    const stub = prober('edge-d');
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // The alarm has returned while the silent server's check still holds its socket in the runner.
    const during = await stub.status();
    const silent = during.jobs.find((j) => j.target.endsWith(`:${silentPort}`))!;
    expect(silent).toMatchObject({ inRound: true, hasRun: false });
    // A transition is reported at once, not at the round's end: the down server's verdict lands while the silent check still runs.
    await eventually('the closed server down in the verdict while the silent check still runs', async () => realServer((await verdict('edge-d')).doc!, `:${downPort}`).state === 'down', { timeoutMs: 4000, intervalMs: 20 });
    expect((await stub.status()).jobs.find((j) => j.target.endsWith(`:${silentPort}`))!).toMatchObject({ inRound: true, hasRun: false });
    // The fast checks report before the round ends; the silent one after its timeout.
    const done = await roundsBack(stub, 20_000);
    expect(done.jobs.find((j) => j.target.endsWith(`:${silentPort}`))!).toMatchObject({ up: false, hasRun: true, last: { reason: expect.stringMatching(/timeout/) } });
    expect((await saidAbout('edge-d', `:${silentPort}`)).weur).toMatchObject({ up: false });
    expect(done.alarmAtMs).not.toBeNull(); // set by the round's report for the checkers' next runs
    // A test-only view of the Prober's storage: the claim is about rows written, which no API shows.
    const tables = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'`).toArray().map((r) => r.name));
    expect(tables).toEqual(['spec']); // the plan, and nothing per checker or per run
    expect(await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM spec`).one().n)).toBe(1);
  });

  it('an evicted Prober resumes from its stored plan with checkers in their initial state', async () => {
    clockAhead();
    await putConfig('edge-e', edgeConfig());
    const first = prober('edge-e');
    expect((await alarmAndRound(first)).jobs.every((j) => j.hasRun)).toBe(true);
    await abortAllDurableObjects(); // memory gone, storage and alarm kept
    const stub = prober('edge-e');
    const after = await stub.status();
    expect(after.jobs).toHaveLength(2);
    expect(after.jobs.every((j) => !j.hasRun && j.up)).toBe(true); // keepalived's initial state (no alpha)
    expect(after.alarmAtMs).not.toBeNull();
    // The Board (evicted too, its votes in memory lost) holds the verdict meanwhile; the next run votes again.
    expect(realServer((await verdict('edge-e')).doc!, `:${downPort}`)).toMatchObject({ state: 'unknown', effective: 'down' });
    const again = await alarmAndRound(stub);
    expect(again.jobs.every((j) => j.hasRun)).toBe(true);
    expect(again.jobs.find((j) => j.target.endsWith(`:${downPort}`))!.up).toBe(false);
    expect(realServer((await verdict('edge-e')).doc!, `:${downPort}`).state).toBe('down');
  });

  it('takes back a round that never reports, and runs its checkers again', async () => {
    const clock = clockAhead();
    // A 5-minute loop: the checkers of a lost round run again ~35 s after they were due, which is not
    // yet "behind" (20% of the loop), so no re-plan moves them while this test watches one shard.
    await putConfig('edge-f', edgeConfig(300));
    const stub = prober('edge-f');
    // A runner that accepts the round and is then lost (evicted, crashed): it never reports.
    const lostRunner = vi.spyOn(ProbeRunner.prototype, 'runRound').mockImplementation(async (r) => ({ accepted: r.checks.length }));
    onTestFinished(() => lostRunner.mockRestore());
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(lostRunner).toHaveBeenCalledTimes(1);
    const lent = await stub.status();
    expect(lent.jobs.every((j) => j.inRound && !j.hasRun)).toBe(true);
    // Every checker lent: no alarm until the report. The cron's rearm sets one for when the round's grace runs out.
    expect(lent.alarmAtMs).toBeNull();
    expect(lent.round).not.toBeNull();
    const lostAt = lent.round!.lostAtMs;
    expect(await stub.rearm()).toBe(lostAt);
    expect((await stub.status()).alarmAtMs).toBe(lostAt);
    // Past the grace, with the real runner back: the alarm takes the checkers back and lends them again.
    lostRunner.mockRestore();
    clock.jumpTo(lostAt + 1);
    const after = await alarmAndRound(stub);
    expect(after.jobs.every((j) => j.hasRun && j.runs === 1)).toBe(true);
    expect(after.rounds).toEqual({ dispatched: 2, reported: 1, lost: 1, failed: 0 });
    expect(realServer((await verdict('edge-f')).doc!, `:${downPort}`).state).toBe('down');
  });

  it('a config without the edge vantage point retires its Prober', async () => {
    clockAhead();
    await putConfig('edge-c', edgeConfig());
    const stub = prober('edge-c');
    expect((await stub.status()).jobs).toHaveLength(2);
    await putConfig('edge-c', edgeConfig().replace(/vantage_point weur \{[^}]*\}/, 'vantage_point dc1 {\n        kind self-hosted\n    }'));
    const s = await stub.status();
    expect(s.jobs).toHaveLength(0);
    expect(s.alarmAtMs).toBeNull();
  });
});
