import { afterEach, describe, it } from 'vitest';
import { expectRounds, runIpvsFaultRounds } from './ipvs-fault-rounds.ts';
import { ShimRig } from './shim-rig.ts';

/**
 * The reconcile loop of a real `vigil shim` against an ipvsadm that fails on
 * the calls this test chooses (fault-ipvsadm.mjs, its table in a file: no
 * host kernel here has IPVS; uml-ipvs-faults.test.ts runs the same rounds on
 * a real kernel): after each fault the shim counts it, reads the table again
 * and converges on the Board's verdict.
 */
describe('vigil shim: the IPVS reconcile loop survives backend faults', () => {
  let rig: ShimRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('a failed read or apply, unparsable output, a hung ipvsadm and a batch cut short are each counted, and the next pass converges on the verdict', async () => {
    rig = await new ShimRig().init();
    expectRounds(await runIpvsFaultRounds(rig));
  });
});
