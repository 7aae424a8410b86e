import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Faults, UNHANDLED_MSG } from './faults.ts';
import { Metrics } from './metrics.ts';

describe('Faults: counted by where and reason, logged once per burst', () => {
  it('a burst of faults is one "fault" line, then one "fault burst over" line with the count; every fault is counted', () => {
    const lines: Array<{ msg: string } & Record<string, unknown>> = [];
    let now = 0;
    const m = new Metrics();
    const f = new Faults(m, (msg, fields) => lines.push({ msg, ...fields }), () => now);
    for (let i = 0; i < 5; i++) f.fault('ipvs', i < 3 ? 'read_failed' : 'apply_failed', `try ${i}`);
    f.ok('ipvs');
    f.ok('ipvs');
    expect(lines).toEqual([
      { msg: 'fault', where: 'ipvs', reason: 'read_failed', detail: 'try 0' },
      { msg: 'fault burst over', where: 'ipvs', faults: 5, reasons: { read_failed: 3, apply_failed: 2 } },
    ]);
    expect(m.get('vigil_shim_faults_total', { where: 'ipvs', reason: 'read_failed' })).toBe(3);
    expect(m.get('vigil_shim_faults_total', { where: 'ipvs', reason: 'apply_failed' })).toBe(2);
    // A burst that goes on says so once a minute, not once a fault.
    f.fault('board', 'long_poll_failed');
    now = 30_000;
    f.fault('board', 'long_poll_failed');
    now = 61_000;
    f.fault('board', 'long_poll_failed');
    f.fault('board', 'long_poll_failed');
    expect(lines.slice(2).map((l) => [l.msg, l.faults])).toEqual([
      ['fault', undefined],
      ['fault burst continues', 3],
    ]);
    expect(f.pending('board')).toBe(4);
  });

  it('an unhandled rejection and an uncaught exception are logged and counted, and the process lives on', () => {
    const script = `
      import { Faults, installProcessFaultHandlers } from ${JSON.stringify(join(import.meta.dirname, 'faults.ts'))};
      import { Metrics } from ${JSON.stringify(join(import.meta.dirname, 'metrics.ts'))};
      const m = new Metrics();
      const log = (msg, f) => console.log(JSON.stringify({ msg, ...f }));
      installProcessFaultHandlers(new Faults(m, log), log);
      Promise.reject(new Error('nobody awaited this'));
      setTimeout(() => { throw new Error('thrown in a timer'); }, 10);
      setTimeout(() => console.log('still running', m.get('vigil_shim_faults_total', { where: 'process', reason: 'unhandled_rejection' }), m.get('vigil_shim_faults_total', { where: 'process', reason: 'uncaught_exception' })), 100);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.includes(UNHANDLED_MSG)).map((l) => JSON.parse(l).kind)).toEqual(['unhandled_rejection', 'uncaught_exception']);
    expect(r.stdout).toContain('nobody awaited this');
    expect(r.stdout).toContain('still running 1 1');
  });
});
