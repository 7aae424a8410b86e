import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { continuousPays, continuousWindowEndMs, CRON_EVERY_MS, CRON_MARGIN_MS } from './hot-path.ts';
import { proberName } from './prober-plan.ts';
import { edgeLoopbackConfig, putConfig, realServer, verdict } from './test-helpers.ts';

const upPort = inject('upPort');
const downPort = inject('downPort');

/** Two real servers checked every second: one serving HTTP (and TCP), one closed. */
const config = edgeLoopbackConfig({ delayLoopS: 1, upChecks: ['http', 'tcp'] });

interface ProberInside {
  slots: Map<string, { dueMs: number }>;
  env: Env;
  windowEndMs: (startMs: number) => number;
  forceMode: 'alarms' | 'continuous' | undefined;
}

describe('continuous Prober', () => {
  it('chooses continuous mode only for shards whose per-alarm costs exceed a window of wall-clock', () => {
    expect(continuousPays(2 / 30, 0.004 / 30, 1000)).toBe(false); // two checks at 30 s
    expect(continuousPays(74.8, 74.8 * 0.033, 1000)).toBe(true); // 748 checks at 10 s, 33 ms
    expect(continuousPays(10, 10 * 0.03, 1000)).toBe(false); // 100 checks at 10 s: alarms are cheaper
  });

  it('ends every window before the next cron minute, so the cron still heals a lost alarm', () => {
    for (const at of [0, 500, 30_000, 58_500, 59_500]) {
      const start = 10 * CRON_EVERY_MS + at;
      const end = continuousWindowEndMs(start);
      expect(end).toBeGreaterThan(start);
      if (at <= CRON_EVERY_MS - CRON_MARGIN_MS - 1000) expect(end).toBeLessThanOrEqual(11 * CRON_EVERY_MS - CRON_MARGIN_MS);
    }
  });

  it('one alarm runs several rounds of real checks and the votes reach the Board in batches', async () => {
    const put = await putConfig('edge-cont', config);
    expect(put.status, await put.clone().text()).toBe(201);
    const stub = env.PROBER.get(env.PROBER.idFromName(proberName('edge-cont', 'weur', 0)));
    // Three checks every second at ≥ 20 ms: an alarm every 333 ms ($1.3e-6 each) costs more than a window's wall-clock.
    expect((await stub.status()).mode).toBe('continuous');
    const batches: { atMs: number; targets: string[] }[] = [];
    await runInDurableObject(stub, async (instance, state) => {
      const inside = instance as unknown as ProberInside;
      inside.windowEndMs = (start) => start + 3500;
      for (const s of inside.slots.values()) s.dueMs = Date.now();
      const real = inside.env.BOARD;
      inside.env = {
        ...inside.env,
        BOARD: {
          idFromName: (n: string) => real.idFromName(n),
          get: (id: DurableObjectId) => {
            const board = real.get(id);
            return {
              submitEdgeVotes: (c: string, vp: string, votes: { target: string }[], health: unknown) => (
                batches.push({ atMs: Date.now(), targets: votes.map((v) => v.target) }), board.submitEdgeVotes(c, vp, votes as never, health as never)
              ),
            };
          },
        } as never,
      };
      // Keep the alarm this test runs from firing on its own first.
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    const started = Date.now();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const tookMs = Date.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(3000); // the window, not one round
    const s = await stub.status();
    expect(s.mode).toBe('continuous');
    // delay_loop 1 s over a 3.5 s window: every checker ran several rounds in this one alarm.
    for (const j of s.jobs) expect(j.runs, j.id).toBeGreaterThanOrEqual(3);
    // Votes in batches about a second apart, not one per check and not one at the end.
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.length).toBeLessThanOrEqual(6);
    const checks = s.jobs.reduce((n, j) => n + j.runs, 0);
    expect(batches.reduce((n, b) => n + b.targets.length, 0)).toBeLessThan(checks);
    for (const b of batches) expect(new Set(b.targets).size).toBe(b.targets.length);
    expect(s.alarmAtMs).not.toBeNull(); // one alarm set for the next window
    const v = await verdict('edge-cont');
    expect(realServer(v.doc!, `:${upPort}`).state).toBe('up');
    expect(realServer(v.doc!, `:${downPort}`).state).toBe('down');
    // Stop here: no further windows behind the next test's back.
    await runInDurableObject(stub, async (instance, state) => {
      (instance as unknown as ProberInside).forceMode = 'alarms';
      await state.storage.deleteAlarm();
    });
  });
});
