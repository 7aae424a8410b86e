import { afterEach, describe, expect, it } from 'vitest';
import { ShimRig, type FaultCall, type FaultKind } from './shim-rig.ts';

/**
 * The reconcile loop of a real `vigil shim` against an ipvsadm that fails on
 * the calls this test chooses (fault-ipvsadm.mjs): after each fault the shim
 * counts it, reads the table again and converges on the Board's verdict,
 * without a new snapshot to push it. Each round first fails an apply (so the
 * shim can no longer trust the table it remembers and must read), then the
 * read that follows fails the round's way.
 */
const ROUNDS: Array<{ read: FaultKind | null; apply: FaultKind; down: string[]; reasons: string[] }> = [
  { apply: 'fail', read: 'fail', down: ['192.168.1.1'], reasons: ['apply_failed', 'read_failed'] },
  { apply: 'fail', read: 'garbage', down: ['192.168.1.2'], reasons: ['apply_failed', 'read_unparsable'] },
  { apply: 'fail', read: 'hang', down: ['192.168.1.3'], reasons: ['apply_failed', 'read_timeout'] },
  // ipvsadm -R stops at the first line it cannot do: the table is left half-changed, and the next pass finishes it.
  { apply: 'partial', read: null, down: ['192.168.1.1', '192.168.1.2'], reasons: ['apply_failed'] },
];

describe('vigil shim: the IPVS reconcile loop survives backend faults', () => {
  let rig: ShimRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('a failed read or apply, unparsable output, a hung ipvsadm and a batch cut short are each counted, and the next pass converges on the verdict', async () => {
    rig = await new ShimRig().init();
    await rig.publish([]);
    const shim = rig.start();
    await rig.tableIs('every real server in the table', rig.desired([]));
    for (const round of ROUNDS) {
      const before = await Promise.all(round.reasons.map((reason) => rig!.metric('vigil_shim_faults_total', { where: 'ipvs', reason })));
      const calls = rig.calls().length;
      rig.inject('apply', round.apply);
      if (round.read) rig.inject('read', round.read);
      await rig.publish(round.down);
      await rig.tableIs(`the table after ${round.apply} apply / ${round.read ?? 'no'} read fault: ${round.down.join(', ')} out`, rig.desired(round.down));
      for (const [i, reason] of round.reasons.entries()) {
        await rig.metricAtLeast(`the ${reason} fault counted`, 'vigil_shim_faults_total', { where: 'ipvs', reason }, before[i]! + 1);
      }
      expect(rig.faultsLeft(), 'every injected fault was met by a call').toBe(0);
      const seen = rig.calls().slice(calls);
      const injected: string[] = [`apply ${round.apply}`, ...(round.read ? [`read ${round.read}`] : [])];
      expect(seen.filter((c) => !c.endsWith(' ok')), `the shim's calls this round: ${seen.join(', ')}`).toEqual(injected);
      // Level-triggered: the pass that converged read the table afresh after the fault.
      expect(seen.slice(-2)).toEqual(['read ok', 'apply ok']);
    }
    const out = shim.output();
    // Once per burst: a "fault" line when a burst starts, a "fault burst over" line with its count when the loop works again.
    expect(out.match(/"msg":"fault","where":"ipvs"/g)?.length).toBe(ROUNDS.length);
    const over = [...out.matchAll(/"msg":"fault burst over","where":"ipvs","faults":(\d+)/g)].map((m) => Number(m[1]));
    expect(over).toEqual(ROUNDS.map((r) => r.reasons.length));
    expect(rig.unhandled()).toEqual([]);
    expect(shim.hasExited()).toBe(false);
  });
});
