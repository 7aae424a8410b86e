/**
 * Runs inside UML (test/ipvs/uml-ipvs-faults.test.ts): the IPVS fault rounds
 * with the real ipvsadm behind fault-ipvsadm.mjs, so the table is the kernel's.
 * Prints what it saw as one step; the test outside asserts on it.
 */
import { runIpvsFaultRounds } from '../ipvs-fault-rounds.ts';
import { ShimRig } from '../shim-rig.ts';
import { STEP } from '../uml.ts';

const rig = await new ShimRig({ realIpvsadm: '/usr/sbin/ipvsadm' }).init();
try {
  const seen = await runIpvsFaultRounds(rig);
  process.stdout.write(STEP + JSON.stringify({ name: 'rounds', seen }) + '\n');
} catch (err) {
  process.stdout.write(STEP + JSON.stringify({ name: 'rounds', error: (err as Error).message.slice(0, 4000) }) + '\n');
} finally {
  await rig.close();
}
