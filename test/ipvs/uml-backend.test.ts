import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeInUml, steps, umlUnavailable, type UmlRun } from './uml.ts';

const skip = umlUnavailable();
if (skip) console.log(`test/ipvs/uml-backend: skipped: ${skip}`);

const sorted = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');

/** Tables the shim's ipvsadm backend is driven through, in one UML boot. */
const STEPS = [
  {
    name: 'from empty',
    before: ['-A -t 10.9.9.9:25 -s rr', '-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1'],
    desired: `-A -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0
-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 2
-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 2
-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 1
-A -u 10.0.0.2:53 -s sh -b sh-port
-a -u 10.0.0.2:53 -r 192.168.1.1:53 -m -w 1
-A -f 7 -s wlc -o
-a -f 7 -r 192.168.2.1:0 -i -w 5 --tun-type ipip
-A -t [2001:db8::1]:443 -s rr
-a -t [2001:db8::1]:443 -r [2001:db8::10]:443 -m -w 1
`,
  },
  {
    name: 'one weight to 0 (inhibit), one server gone, one added',
    desired: `-A -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0
-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 0
-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 1
-a -t 10.0.0.1:80 -r 192.168.1.4:80 -m -w 3
-A -u 10.0.0.2:53 -s sh -b sh-port
-a -u 10.0.0.2:53 -r 192.168.1.1:53 -m -w 1
-A -f 7 -s wlc -o
-a -f 7 -r 192.168.2.1:0 -i -w 5 --tun-type ipip
-A -t [2001:db8::1]:443 -s rr
-a -t [2001:db8::1]:443 -r [2001:db8::10]:443 -m -w 1
`,
  },
  {
    name: 'scheduler and persistence change, forwarding method change, a service dropped by reload',
    remove: ['-u 10.0.0.2:53'],
    desired: `-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 192.168.1.1:80 -g -w 0
-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 1
-a -t 10.0.0.1:80 -r 192.168.1.4:80 -m -w 3
-A -f 7 -s wlc -o
-a -f 7 -r 192.168.2.1:0 -i -w 5 --tun-type ipip
-A -t [2001:db8::1]:443 -s rr
-a -t [2001:db8::1]:443 -r [2001:db8::10]:443 -m -w 1
`,
  },
  {
    name: 'shutdown: every owned service removed',
    remove: ['-t 10.0.0.1:80', '-f 7', '-t [2001:db8::1]:443', '-u 10.0.0.2:53'],
    desired: '',
  },
];

describe.skipIf(!!skip)('ipvsadm backend against a real IPVS kernel (User-Mode Linux)', () => {
  let run: UmlRun;
  let got: Array<Record<string, unknown>>;

  beforeAll(async () => {
    run = await nodeInUml('test/ipvs/inside/backend-steps.ts', [JSON.stringify(STEPS)], {
      timeoutMs: 90_000,
      addrs: ['192.168.0.254/16', '2001:db8::fe/64'],
    });
    got = steps(run.stdout);
  }, 120_000);
  afterAll(() => {});

  const why = () => `exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stderr.slice(-3000)}`;

  it('ran every step inside the kernel', () => {
    expect(got.map((s) => s.name), why()).toEqual(STEPS.map((s) => s.name));
    expect(got.every((s) => s.ok), JSON.stringify(got.filter((s) => !s.ok))).toBe(true);
  });

  it('from empty: ipvsadm -Sn shows exactly the desired table, and the other service untouched', () => {
    expect(got[0]!.kernel).toBe(sorted(STEPS[0]!.desired + '-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n'));
    expect(sorted(String(got[0]!.parsed))).toBe(String(got[0]!.kernel));
  });

  it('a change is applied as its minimal diff, in one batch', () => {
    expect(got[1]!.batch).toBe('-d -t 10.0.0.1:80 -r 192.168.1.2:80\n-e -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 0\n-a -t 10.0.0.1:80 -r 192.168.1.4:80 -m -w 3\n');
    expect(got[1]!.kernel).toBe(sorted(STEPS[1]!.desired + '-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n'));
  });

  it('service edits, method edits and removals land; a repeated reconcile does nothing', () => {
    expect(got[2]!.batch).toBe('-D -u 10.0.0.2:53\n-E -t 10.0.0.1:80 -s rr\n-e -t 10.0.0.1:80 -r 192.168.1.1:80 -g -w 0\n');
    expect(got[2]!.kernel).toBe(sorted(STEPS[2]!.desired + '-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n'));
  });

  it('at shutdown only the owned services go', () => {
    expect(got[3]!.kernel).toBe('-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1');
  });
});
