/**
 * vrrp_track_process end to end, with Debian's keepalived 2.2.7 as the peer:
 * the shim holds the address while the tracked process runs, gives it to
 * keepalived once the process has been gone for terminate_delay (FAULT: the
 * track has no weight), and takes it back by preemption when the process
 * runs again. Matching, quorum and delay rules on their own:
 * shim/vrrp/process-source.test.ts.
 */
import { symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnDaemon } from '../helpers/daemon.ts';
import { eventually } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf } from './conf.ts';
import { keepalivedUnavailable, labUnavailable } from './lab.ts';
import { pairSuite } from './pair-suite.ts';
import { HolderWatch, holderIs } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();
/** v3 with 1 s adverts: a busy machine does not lose a master to a late advert, and the test is about tracking. */
const DEADLINE_MS = 20_000;
const TERMINATE_DELAY_S = 3;

describe.skipIf(!!skip)(skipTitle('track_process moves the address between a shim and keepalived', skip), () => {
  const pair = pairSuite(2, 41);


  it('process running: shim MASTER; killed: keepalived after terminate_delay; pair.running again: the shim preempts it back', async () => {
    // A name no other process has: the kernel takes comm from the name a program is started by.
    const name = `vgl${process.pid}ns`;
    const program = join(pair.lab.dir, name);
    symlinkSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), program);
    let tracked = spawnDaemon(program, ['1000']);

    const conf = { version: 3 as const, advertInt: '1', vip: `${pair.vip}/24` };
    const shimConf = [`vrrp_track_process tp {`, `  process ${name}`, `  terminate_delay ${TERMINATE_DELAY_S}`, '}', ''].join('\n') + keepalivedConf('tps', [{ ...conf, priority: 200, extra: ['track_process {', '  tp', '}'] }]);
    const pShim = pair.lab.shim(pair.shimHost, 'tps', pair.lab.write('tps.conf', shimConf), ['--config-id', 'tps']);
    const pKa = pair.lab.keepalived(pair.kaHost, 'tpk', pair.lab.write('tpk.conf', keepalivedConf('tpk', [{ ...conf, priority: 100 }])));
    pair.running.push(pShim, pKa);
    await holderIs(pair.lab, pair.vip, pair.shimHost, DEADLINE_MS, () => pair.why(pShim, pKa));

    pair.watch = new HolderWatch(pair.lab, pair.vip, 40);
    const t0 = Date.now();
    pair.watch.start();
    const killedAtMs = Date.now() - t0;
    await tracked.stop('SIGKILL');
    await holderIs(pair.lab, pair.vip, pair.kaHost, DEADLINE_MS, () => pair.why(pShim, pKa));
    await eventually('the shim to report FAULT', () => pair.lab.status('tps')?.instances[0]?.state === 'FAULT', { timeoutMs: DEADLINE_MS, detail: () => pair.why(pShim) });
    expect(pShim.output()).toMatch(/Quorum lost for tracked process tp/);
    // Sample times run a little behind real time (t0 is taken first), so "before" here is before in fact too.
    const early = pair.watch.samples.filter((s) => s.atMs >= killedAtMs && s.atMs < killedAtMs + (TERMINATE_DELAY_S - 1) * 1000);
    expect(early.length, pair.why(pShim, pKa)).toBeGreaterThan(0);
    expect(early.filter((s) => s.holders.join() !== pair.shimHost.ns), `the address left the shim within terminate_delay: ${pair.why(pShim, pKa)}`).toEqual([]);

    tracked = spawnDaemon(program, ['1000']);
    await holderIs(pair.lab, pair.vip, pair.shimHost, DEADLINE_MS, () => pair.why(pShim, pKa));
    expect(pShim.output()).toMatch(/Quorum gained for tracked process tp/);
    pair.watch.stop();
    expect(pair.watch.lastingDoubles(), `two holders: ${pair.why(pShim, pKa)}`).toEqual([]);
  });

  it('a weighted tracker moves the priority, not to FAULT: the process gone lowers the shim below keepalived, back raises it', async () => {
    const name = `vgl${process.pid}nw`;
    const program = join(pair.lab.dir, name);
    symlinkSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), program);
    const conf = { version: 3 as const, advertInt: '1', vip: `${pair.vip}/24` };
    // Weight -150 while no process runs: 200 - 150 = 50, below keepalived's 100.
    const shimConf = [`vrrp_track_process tp {`, `  process ${name}`, '  weight -150', '}', ''].join('\n') + keepalivedConf('tpw', [{ ...conf, priority: 200, extra: ['track_process {', '  tp', '}'] }]);
    const pShim = pair.lab.shim(pair.shimHost, 'tpw', pair.lab.write('tpw.conf', shimConf), ['--config-id', 'tpw']);
    const pKa = pair.lab.keepalived(pair.kaHost, 'tpkw', pair.lab.write('tpkw.conf', keepalivedConf('tpkw', [{ ...conf, priority: 100 }])));
    pair.running.push(pShim, pKa);
    // Watched for the failure messages; "never two holders" is the first test's and keepalived-interop's.
    pair.watch = new HolderWatch(pair.lab, pair.vip, 40).start();
    await holderIs(pair.lab, pair.vip, pair.kaHost, DEADLINE_MS, () => pair.why(pShim, pKa));
    await eventually('the shim to be BACKUP at priority 50', async () => {
      const i = (await pair.lab.freshStatus(pShim)).instances[0];
      return i?.state === 'BACKUP' && i.priority === 50;
    }, { timeoutMs: DEADLINE_MS, detail: () => pair.why(pShim) });
    const tracked = spawnDaemon(program, ['1000']);
    await holderIs(pair.lab, pair.vip, pair.shimHost, DEADLINE_MS, () => pair.why(pShim, pKa));
    await tracked.stop('SIGKILL');
    await holderIs(pair.lab, pair.vip, pair.kaHost, DEADLINE_MS, () => pair.why(pShim, pKa));
    // BACKUP at priority 50, not FAULT: a weighted tracker only moves the priority.
    expect((await pair.lab.freshStatus(pShim)).instances[0], pair.why(pShim)).toMatchObject({ state: 'BACKUP', priority: 50 });
  });
});
