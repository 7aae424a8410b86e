import { randomUUID } from 'node:crypto';
import { describeLeftovers, reapLeftovers, RUN_MARK } from './helpers/leftover-processes.ts';

/**
 * The node project's global setup: marks this run so that every process a
 * test starts carries the mark, and at the end kills any that is still
 * running and fails the run, naming each. A test that leaks a wrangler, a
 * shim or a UML kernel would otherwise pass and leave it to the next run.
 */
export default function setup(): () => void {
  process.env[RUN_MARK] = `${process.pid}-${randomUUID()}`;
  return () => {
    // The summary reporter has usually reaped (and counted) them already; this is the net.
    const left = reapLeftovers();
    if (left.length === 0) return;
    process.stderr.write(`\n${describeLeftovers(left)}\n`);
    process.exitCode = 1;
  };
}
