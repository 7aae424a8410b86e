import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLeftovers, reapLeftovers, RUN_MARK } from './helpers/leftover-processes.ts';

/**
 * The node project's global setup: marks this run so that every process a
 * test starts carries the mark, and at the end kills any that is still
 * running and fails the run, naming each. A test that leaks a wrangler, a
 * shim or a UML kernel would otherwise pass and leave it to the next run.
 * A shim started without --state-dir keeps its replay state under this run's
 * own STATE_DIRECTORY (what systemd would set), never in the host's
 * /var/lib/vigil, where a later run's shim would refuse its Board as a replay.
 */
export default function setup(): () => void {
  process.env[RUN_MARK] = `${process.pid}-${randomUUID()}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'vigil-test-state-'));
  process.env.STATE_DIRECTORY = stateDir;
  return () => {
    rmSync(stateDir, { recursive: true, force: true });
    // The summary reporter has usually reaped (and counted) them already; this is the net.
    const left = reapLeftovers();
    if (left.length === 0) return;
    process.stderr.write(`\n${describeLeftovers(left)}\n`);
    process.exitCode = 1;
  };
}
