import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/eventually.ts';
import type { SyncDaemon, SyncRole } from '../ipvs/syncd-codec.ts';
import type { SyncdKernel } from '../ipvs/syncd-kernel.ts';
import { SyncdControl, type SyncdPlan } from './syncd.ts';

/**
 * The kernel's side as ip_vs_sync.c keeps it: one daemon per role, defaults
 * filled in; `failStarts` makes the next starts fail as a missing interface
 * does. The real kernel is test/ipvs/uml-syncd.test.ts; this one is here for
 * the control's order and retries.
 */
function kernelModel() {
  const running = new Map<SyncRole, Required<SyncDaemon>>();
  const calls: string[] = [];
  let failStarts = 0;
  const kernel: SyncdKernel = {
    list: async () => [...running.values()],
    start: async (d) => {
      calls.push(`start ${d.role} ${d.ifname} ${d.syncId}`);
      if (failStarts > 0) return (failStarts--, `start the ${d.role} sync daemon on ${d.ifname}: ENODEV (errno -19)`);
      if (!running.has(d.role)) running.set(d.role, { maxlen: 1472, port: 8848, ttl: 1, group: '224.0.0.81', ...d } as Required<SyncDaemon>);
      return null;
    },
    stop: async (role) => {
      calls.push(`stop ${role}`);
      running.delete(role);
      return null;
    },
    close: () => calls.push('close'),
  };
  return { kernel, running, calls, failNextStarts: (n: number) => (failStarts = n) };
}

const PLAN: SyncdPlan = { instance: 'VI_1', daemon: { ifname: 'eth0', syncId: 61 } };
const roles = (m: ReturnType<typeof kernelModel>) => [...m.running.values()].map((d) => `${d.role}:${d.ifname}:${d.syncId}`).sort();

function control(m: ReturnType<typeof kernelModel>) {
  const faults: string[] = [];
  const logs: string[] = [];
  const c = new SyncdControl(() => m.kernel, { log: (msg) => logs.push(msg), fault: (reason, detail) => faults.push(`${reason}: ${detail}`), ok: () => faults.push('ok') });
  return { c, faults, logs };
}

describe('lvs_sync_daemon control (keepalived ipvs_syncd_master/backup)', () => {
  it('backup daemon from start-up, master only while MASTER (the backup stopped first), none after stop', async () => {
    const m = kernelModel();
    const { c } = control(m);
    c.configure(PLAN);
    c.state('VI_1', 'BACKUP');
    await eventually('the backup daemon', () => roles(m).join() === 'backup:eth0:61', { timeoutMs: 5_000 });
    c.state('VI_1', 'MASTER');
    await eventually('the master daemon alone', () => roles(m).join() === 'master:eth0:61', { timeoutMs: 5_000 });
    expect(m.calls.slice(-2)).toEqual(['stop backup', 'start master eth0 61']);
    c.state('VI_1', 'FAULT');
    await eventually('the backup daemon again (FAULT from MASTER)', () => roles(m).join() === 'backup:eth0:61', { timeoutMs: 5_000 });
    await c.stop();
    expect(roles(m)).toEqual([]);
  });

  it('other instances do not move the daemons; a reload with another syncid restarts the running one, one without lvs_sync_daemon stops it', async () => {
    const m = kernelModel();
    const { c } = control(m);
    c.configure(PLAN);
    c.state('VI_1', 'MASTER');
    c.state('VI_2', 'BACKUP');
    await eventually('the master daemon', () => roles(m).join() === 'master:eth0:61', { timeoutMs: 5_000 });
    c.configure({ instance: 'VI_1', daemon: { ifname: 'eth0', syncId: 9 } });
    await eventually('the master daemon with syncid 9', () => roles(m).join() === 'master:eth0:9', { timeoutMs: 5_000 });
    // lvs_sync_daemon removed by a reload: nothing manages the daemon any more, so it is stopped.
    c.configure(null);
    await eventually('no daemon once lvs_sync_daemon is gone', () => roles(m).length === 0, { timeoutMs: 5_000 });
    await c.stop();
  });

  it('a start the kernel refuses is a fault, not a throw; the retry converges and ends the burst', async () => {
    const m = kernelModel();
    const { c, faults } = control(m);
    m.failNextStarts(1);
    c.configure(PLAN);
    c.state('VI_1', 'MASTER');
    await eventually('the master daemon after a retry', () => roles(m).join() === 'master:eth0:61', { timeoutMs: 10_000 });
    expect(faults.filter((f) => f !== 'ok')).toEqual(['start: start the master sync daemon on eth0: ENODEV (errno -19)']);
    expect(faults.at(-1)).toBe('ok');
    await c.stop();
  });

  it('an unknown instance: keepalived\'s words, and the kernel is never touched', async () => {
    const m = kernelModel();
    const { c, logs } = control(m);
    c.configure({ instance: 'VI_9', unresolved: true });
    c.state('VI_1', 'MASTER');
    await c.stop();
    expect(logs).toEqual(['Unable to find vrrp instance VI_9 for lvs_syncd - clearing lvs_syncd config']);
    expect(m.calls).toEqual([]);
  });
});
