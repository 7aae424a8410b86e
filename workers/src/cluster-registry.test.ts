import { abortAllDurableObjects, createExecutionContext, createScheduledController, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import worker from './index.ts';
import { Board } from './board.ts';
import { ClusterRegistry, LEGACY_REGISTRY_BOARD, REGISTRY_NAME } from './cluster-registry.ts';
import { proberName } from './prober-plan.ts';
import { clockAhead } from '../test/clock.ts';
import { edgeLoopbackConfig, putConfig, threeVantageConfig } from '../test/helpers.ts';

/** The registry the cron and every Board use. */
const registry = () => env.CLUSTER_REGISTRY.get(env.CLUSTER_REGISTRY.idFromName(REGISTRY_NAME));
/**
 * A registry of its own, as a deployment's would be on its first use: the
 * shared one has long since made its one import (every config put in these
 * tests registers there). The import logic does not depend on the name.
 */
const freshRegistry = (name: string) => env.CLUSTER_REGISTRY.get(env.CLUSTER_REGISTRY.idFromName(name));
const legacyBoard = () => env.BOARD.get(env.BOARD.idFromName(LEGACY_REGISTRY_BOARD));

/**
 * The list as the version before ClusterRegistry left it, a meta row of the
 * Board named `__registry__`, written into that Board's storage directly:
 * nothing in this version writes it (that is the point of the import).
 */
const seedLegacyList = (names: string[]) =>
  runInDurableObject(legacyBoard(), (_i, state) => void state.storage.sql.exec(`INSERT INTO meta (key, value) VALUES ('clusters', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, JSON.stringify(names)));

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('ClusterRegistry (the clusters the cron reaches)', () => {
  it('lists every cluster that has a config, once each and sorted, across a restart', async () => {
    for (const c of ['reg-b', 'reg-a', 'reg-b']) expect((await putConfig(c, threeVantageConfig())).status).toBeLessThan(300);
    const listed = await registry().list();
    expect(listed.filter((c) => c.startsWith('reg-'))).toEqual(['reg-a', 'reg-b']);
    expect(listed).toEqual([...listed].sort());
    await abortAllDurableObjects();
    expect((await registry().list()).filter((c) => c.startsWith('reg-'))).toEqual(['reg-a', 'reg-b']);
  });

  it('refuses a name that is not a cluster name', async () => {
    expect(await registry().register('Not A Cluster')).toMatchObject({ ok: false, error: { code: 'ERR_BAD_REQUEST', path: 'cluster' } });
    expect(await registry().list()).not.toContain('Not A Cluster');
  });

  it('the cron re-arms the lost alarms of every registered cluster’s Probers', async () => {
    clockAhead(); // no alarm fires by itself meanwhile, so "lost" stays lost until the cron
    const config = edgeLoopbackConfig({ delayLoopS: 30, upChecks: ['tcp'] });
    const probers = ['cron-a', 'cron-b'].map((c) => env.PROBER.get(env.PROBER.idFromName(proberName(c, 'weur', 0))));
    for (const c of ['cron-a', 'cron-b']) expect((await putConfig(c, config)).status).toBe(201);
    for (const p of probers) {
      // The alarm is lost (a fault no API can cause): deleted from the Prober's storage.
      await runInDurableObject(p, (_i, state) => state.storage.deleteAlarm());
      expect((await p.status()).alarmAtMs).toBeNull();
    }
    await runCron();
    for (const p of probers) expect((await p.status()).alarmAtMs).not.toBeNull();
  });

  it('a Board whose registration failed keeps its config and registers at its next alarm', async () => {
    clockAhead(); // the Board's alarm runs when this test runs it
    const down = vi.spyOn(ClusterRegistry.prototype, 'register').mockImplementationOnce(async () => {
      throw new Error('registry unavailable');
    });
    onTestFinished(() => down.mockRestore());
    expect((await putConfig('reg-late', threeVantageConfig())).status).toBe(201);
    expect(down).toHaveBeenCalledTimes(1);
    expect(await registry().list()).not.toContain('reg-late');
    expect(await runDurableObjectAlarm(env.BOARD.get(env.BOARD.idFromName('reg-late')))).toBe(true);
    expect(await registry().list()).toContain('reg-late');
    expect(down).toHaveBeenCalledTimes(2);
  });

  it('imports the list of the old __registry__ Board once, on first use', async () => {
    await seedLegacyList(['old-a', 'old-b']);
    const reg = freshRegistry('import-once');
    expect(await reg.register('new-c')).toEqual({ ok: true, value: undefined });
    expect(await reg.list()).toEqual(['new-c', 'old-a', 'old-b']);
    // Once: the old list is not read again, restart or not (nothing writes it any more; were it to change, the registry would not follow).
    await seedLegacyList(['old-a', 'old-b', 'old-z']);
    expect(await reg.list()).toEqual(['new-c', 'old-a', 'old-b']);
    await abortAllDurableObjects();
    expect(await freshRegistry('import-once').list()).toEqual(['new-c', 'old-a', 'old-b']);
  });

  it('an import that fails is tried again, and meanwhile the registry answers with what it has', async () => {
    await seedLegacyList(['old-d']);
    const evicted = async (): Promise<string[]> => {
      throw new Error('Board evicted');
    };
    const unreachable = vi.spyOn(Board.prototype, 'listClusters').mockImplementationOnce(evicted).mockImplementationOnce(evicted);
    onTestFinished(() => unreachable.mockRestore());
    const reg = freshRegistry('import-retried');
    expect(await reg.register('new-e')).toEqual({ ok: true, value: undefined });
    expect(await reg.list()).toEqual(['new-e']);
    expect(await reg.list()).toEqual(['new-e', 'old-d']);
    expect(unreachable).toHaveBeenCalledTimes(3);
  });
});
