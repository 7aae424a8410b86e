import { describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { expectRounds, type RoundsSeen } from './ipvs-fault-rounds.ts';
import { nodeInUml, steps, umlUnavailable } from './uml.ts';

const skip = umlUnavailable();

/** The IPVS fault rounds of shim-ipvs-faults.test.ts on a real kernel's table: the real ipvsadm behind the fault-injecting one, inside UML. */
describe.skipIf(!!skip)(skipTitle('vigil shim: the IPVS reconcile loop survives backend faults on a real kernel (UML)', skip), () => {
  it('each injected fault is counted and the next pass converges the kernel’s table on the verdict', async () => {
    const run = await nodeInUml('test/ipvs/inside/ipvs-fault-rounds.ts', [], { timeoutMs: 150_000 });
    const got = steps(run.stdout).find((s) => s.name === 'rounds');
    const why = `exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stderr.slice(-4000)}`;
    expect(got?.error, why).toBeUndefined();
    expect(got?.seen, why).toBeDefined();
    expectRounds(got!.seen as RoundsSeen);
  }, 180_000);
});
