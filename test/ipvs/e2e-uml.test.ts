import { beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { nodeInUml, steps, umlUnavailable, type UmlRun } from './uml.ts';

const skip = umlUnavailable();

const FOREIGN = '-A -t 10.9.9.9:25 -s rr';
const ALL_UP = [
  FOREIGN,
  '-A -t 10.0.0.1:443 -s wlc',
  '-A -t 10.0.0.1:80 -s rr',
  '-a -t 10.0.0.1:443 -r 192.168.1.1:443 -m -w 1',
  '-a -t 10.0.0.1:443 -r 192.168.1.2:443 -m -w 1',
  '-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 2',
  '-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 1',
].sort().join('\n');
const ONE_DOWN = [
  FOREIGN,
  '-A -t 10.0.0.1:443 -s wlc',
  '-A -t 10.0.0.1:80 -s rr',
  // quorum 2 lost on :443 → the sorry server takes over
  '-a -t 10.0.0.1:443 -r 192.168.9.9:443 -m -w 1',
  '-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 1',
].sort().join('\n');

describe.skipIf(!!skip)(skipTitle('vigil shim end to end: Board verdicts → the kernel’s IPVS table (test Board, real ipvsadm, UML kernel)', skip), () => {
  let run: UmlRun;
  let got: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    run = await nodeInUml('test/ipvs/inside/e2e-steps.ts', [], { timeoutMs: 100_000, addrs: ['192.168.0.254/16'] });
    got = new Map(steps(run.stdout).map((s) => [String(s.name), s]));
  }, 130_000);

  const why = () => `exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stderr.slice(-4000)}`;

  it('applies the verdict: every server in, with its weight', () => {
    expect(got.get('all up')?.kernel, why()).toBe(ALL_UP);
  });

  it('a backend stops, the verdict flips, the table changes (removal, and sorry server on quorum loss)', () => {
    expect(got.get('a backend stops')?.kernel, why()).toBe(ONE_DOWN);
  });

  it('Board stopped past the snapshot expiry: the table does not change, and the shim says it is holding', () => {
    const s = got.get('board outage')!;
    expect(s.kernel, why()).toBe(ONE_DOWN);
    expect(s.sameThroughout).toBe(true);
    expect(String(s.metrics)).toContain('vigil_shim_mode{mode="holding"} 1');
  });

  it('forged, replayed and expired snapshots change nothing, and are counted', () => {
    const s = got.get('forged, replayed and expired')!;
    expect(s.kernel, why()).toBe(ONE_DOWN);
    expect(s.seen).toEqual(['bad_signature', 'stale_sequence', 'expired']);
    expect(String(s.metrics)).toMatch(/vigil_shim_snapshots_rejected_total\{reason="bad_signature"\} [1-9]/);
    expect(String(s.metrics)).toMatch(/vigil_shim_snapshots_rejected_total\{reason="stale_sequence"\} [1-9]/);
    expect(String(s.metrics)).toMatch(/vigil_shim_snapshots_rejected_total\{reason="expired"\} [1-9]/);
  });

  it('a fresh verdict after the outage is applied', () => {
    const s = got.get('board back')!;
    expect(s.kernel, why()).toBe(ALL_UP);
    expect(String(s.metrics)).toContain('vigil_shim_mode{mode="board"} 1');
  });

  it('SIGTERM: exits 0 and removes only its own services', () => {
    const s = got.get('sigterm')!;
    expect(s.code, why()).toBe(0);
    expect(s.kernel).toBe(FOREIGN);
  });
});
