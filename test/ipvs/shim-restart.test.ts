import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FOREIGN, ShimRig, sortLines } from './shim-rig.ts';

/**
 * What a restart and a stop of a real `vigil shim` do to the table: the last
 * applied sequence survives in --state-dir, so an older snapshot that is still
 * valid cannot bring back a server the Board removed; and a stop removes only
 * what this process took over, so a shim started beside keepalived's table and
 * stopped before its first verdict leaves that table as it was.
 */
describe('vigil shim: restart replay and release of owned services only', () => {
  let rig: ShimRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const applied = (out: string) => [...out.matchAll(/"msg":"ipvs applied".*?"seq":(\d+)/g)].map((m) => Number(m[1]));

  it('after a restart the previous valid snapshot, and the last one again, change nothing; the next one applies', async () => {
    rig = await new ShimRig().init();
    const r = rig;
    const older = await r.publish([]);
    const first = r.start(['--dont-release-ipvs']);
    await r.tableIs('every real server in the table', r.desired([]));
    const last = await r.publish(['192.168.1.1']);
    await r.tableIs('192.168.1.1 removed by the Board', r.desired(['192.168.1.1']));
    expect(await first.stop()).toBe(0);
    expect(r.table(), '--dont-release-ipvs kept the table').toBe(r.desired(['192.168.1.1']));

    // The Board (or someone between it and the shim) serves the older snapshot, still unexpired, that had 192.168.1.1 in.
    r.board.offer(older.body, older.signature, older.seq);
    const second = r.start();
    await r.metricAtLeast('the older snapshot refused as a replay', 'vigil_shim_snapshots_rejected_total', { reason: 'stale_sequence' }, 1);
    r.board.offer(last.body, last.signature, last.seq);
    await r.metricAtLeast('the last applied snapshot refused as a replay', 'vigil_shim_snapshots_rejected_total', { reason: 'stale_sequence' }, 2);
    expect(r.table(), 'a replay changed the table').toBe(r.desired(['192.168.1.1']));
    expect(await r.metric('vigil_shim_snapshots_accepted_total')).toBe(0);
    expect(second.output()).toMatch(/"msg":"replay state","dir":"[^"]+","from":"file","last":\{"keyId":"test-board-1","seq":2,/);

    await r.publish(['192.168.1.2']);
    await r.tableIs('the next snapshot applied', r.desired(['192.168.1.2']));
    // The table can show the batch before the shim has heard ipvsadm exit and logged it.
    await second.waitForLine('the shim to log the batch it applied', /"msg":"ipvs applied".*"seq":3/, 10_000);
    expect(applied(second.output())).toEqual([3]);
    expect(await r.metric('vigil_shim_applied_sequence')).toBe(3);
    expect(r.unhandled()).toEqual([]);
  });

  it('a corrupt state file is reported and counted, and the shim starts from sequence 0', async () => {
    rig = await new ShimRig().init();
    const r = rig;
    mkdirSync(r.stateDir);
    writeFileSync(join(r.stateDir, 'replay.json'), '{"v":1,"cluster":"c1","seqByKey":{"test-board-1":"many"}}');
    await r.publish(['192.168.1.3']);
    const shim = r.start();
    await r.tableIs('the snapshot applied', r.desired(['192.168.1.3']));
    expect(await r.metric('vigil_shim_state_load_errors_total', { reason: 'corrupt' })).toBe(1);
    expect(shim.output()).toMatch(/"msg":"replay state not usable: starting from sequence 0","level":"error".*seqByKey\.test-board-1/);
  });

  it('SIGTERM before the first snapshot leaves a service that was already there; after a verdict only the shim’s own service goes', async () => {
    rig = await new ShimRig().init();
    const r = rig;
    // keepalived made 10.0.0.1:80 before the migration; someone else's service sits beside it.
    const keepalived = `-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.1.9:80 -m -w 5\n${FOREIGN}`;
    r.setTable(keepalived);
    const first = r.start();
    await first.waitForLine('the shim connected to the Board (no snapshot to give)', /"msg":"board websocket connected"/, 20_000);
    expect(await first.stop()).toBe(0);
    expect(first.output()).toMatch(/"msg":"ipvs stopped","released":\[\]/);
    expect(r.table(), 'the stop removed a service it never took over').toBe(sortLines(keepalived));
    expect(r.calls().filter((c) => c.startsWith('apply')), 'no batch was sent').toEqual([]);

    await r.publish([]);
    const second = r.start();
    await r.tableIs('the Board’s verdict replaced keepalived’s real servers', sortLines(r.desired([]) + '\n' + FOREIGN));
    expect(await second.stop()).toBe(0);
    expect(r.table(), 'the stop removed the service the shim took over, and nothing else').toBe(sortLines(FOREIGN));
  });
});
