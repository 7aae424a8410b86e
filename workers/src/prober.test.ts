import { createExecutionContext, createScheduledController, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker from './index.ts';
import { proberName } from './prober-plan.ts';
import { putConfig, realServer, verdict } from './test-helpers.ts';

const upPort = inject('upPort');
const downPort = inject('downPort');

/** One edge vantage point (local mode reaches loopback) over two real servers: one serving, one closed. */
function edgeConfig(): string {
  return `
virtual_server 127.0.0.1 8080 {
    delay_loop 30
    protocol TCP
    real_server 127.0.0.1 ${upPort} {
        weight 1
        HTTP_GET {
            url {
                path /health
                status_code 200
            }
            connect_timeout 2
        }
    }
    real_server 127.0.0.1 ${downPort} {
        weight 1
        TCP_CHECK {
            connect_timeout 2
            retry 0
        }
    }
}
vigil {
    vantage_point weur {
        kind edge
        region weur
    }
}
`;
}

const prober = (cluster: string) => env.PROBER.get(env.PROBER.idFromName(proberName(cluster, 'weur', 0)));

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
    // First runs are spread over warmup (= delay_loop, 30 s) as keepalived does; make them due now and run the alarm.
    await runInDurableObject(stub, (_i, state) => void state.storage.sql.exec('UPDATE jobs SET due_ms = 0'));
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
    expect(realServer(v.doc!, `:${downPort}`).votes.weur?.up).toBe(false);
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
