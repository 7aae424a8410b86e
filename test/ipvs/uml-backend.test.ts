import { beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { nodeInUml, steps, umlUnavailable, type UmlRun } from './uml.ts';

const skip = umlUnavailable();

const sorted = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');

/**
 * Services beside the main ones, for coverage: every forwarding method and
 * tunnel type, scheduler flags by scheduler, persistence with netmasks for both
 * families, an IPv6 fwmark service, SCTP, and the remaining schedulers. They
 * stay the same through steps 1-3 (so those batches stay exact), then step 4
 * edits each of their attributes.
 */
const EXTRA = `-A -t 10.0.0.5:8080 -s sh -b sh-fallback,sh-port
-a -t 10.0.0.5:8080 -r 192.168.3.1:8080 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-a -t 10.0.0.5:8080 -r 192.168.3.2:8080 -i -w 2 --tun-type gre --tun-nocsum
-a -t 10.0.0.5:8080 -r 192.168.3.3:8080 -i -w 3 --tun-type gue --tun-port 6081 --tun-remcsum
-A -t 10.0.0.6:80 -s mh -p 60 -b mh-port
-a -t 10.0.0.6:80 -r 192.168.3.4:80 -g -w 4
-A -t 10.0.0.7:80 -s rr -p 60 -M 255.255.0.0 -b flag-1,flag-3
-A -t [2001:db8::2]:80 -s lc -p 120 -M 64
-a -t [2001:db8::2]:80 -r [2001:db8::20]:80 -g -w 1
-A -f 8 -6 -s dh
-a -f 8 -6 -r [2001:db8::21]:0 -g -w 3
-A --sctp-service 10.0.0.8:9 -s sed
-a --sctp-service 10.0.0.8:9 -r 192.168.3.5:9 -m -w 1
-A -u 10.0.0.9:53 -s nq -o
-A -t 10.0.0.10:80 -s fo
-A -t 10.0.0.11:80 -s ovf
-A -t 10.0.0.12:80 -s lblc
-A -t 10.0.0.13:80 -s lblcr
`;
const EXTRA_EDITED = `-A -t 10.0.0.5:8080 -s sh -b sh-port
-a -t 10.0.0.5:8080 -r 192.168.3.1:8080 -i -w 1 --tun-type gue --tun-port 6090 --tun-remcsum
-a -t 10.0.0.5:8080 -r 192.168.3.2:8080 -m -w 2
-a -t 10.0.0.5:8080 -r 192.168.3.3:8080 -i -w 3 --tun-type ipip
-A -t 10.0.0.6:80 -s mh -p 120 -b mh-fallback,mh-port
-a -t 10.0.0.6:80 -r 192.168.3.4:80 -i -w 4 --tun-type gre --tun-csum
-A -t 10.0.0.7:80 -s wrr
-A -t [2001:db8::2]:80 -s lc -p 120 -M 96
-a -t [2001:db8::2]:80 -r [2001:db8::20]:80 -m -w 7
-A -f 8 -6 -s dh -p 30
-a -f 8 -6 -r [2001:db8::21]:0 -g -w 0
-A --sctp-service 10.0.0.8:9 -s sed
-A -u 10.0.0.9:53 -s nq
-A -t 10.0.0.10:80 -s fo
-A -t 10.0.0.11:80 -s ovf
-A -t 10.0.0.12:80 -s lblc
-A -t 10.0.0.13:80 -s lblcr
`;
const EXTRA_IDS = ['-t 10.0.0.5:8080', '-t 10.0.0.6:80', '-t 10.0.0.7:80', '-t [2001:db8::2]:80', '-f 8 -6', '--sctp-service 10.0.0.8:9', '-u 10.0.0.9:53', '-t 10.0.0.10:80', '-t 10.0.0.11:80', '-t 10.0.0.12:80', '-t 10.0.0.13:80'];

const MAIN_AFTER_3 = `-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 192.168.1.1:80 -g -w 0
-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 1
-a -t 10.0.0.1:80 -r 192.168.1.4:80 -m -w 3
-A -f 7 -s wlc -o
-a -f 7 -r 192.168.2.1:0 -i -w 5 --tun-type ipip
-A -t [2001:db8::1]:443 -s rr
-a -t [2001:db8::1]:443 -r [2001:db8::10]:443 -m -w 1
`;

/** Tables each backend is driven through, in one UML boot per backend. */
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
` + EXTRA,
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
` + EXTRA,
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
` + EXTRA,
  },
  {
    name: 'flags, tunnels, persistence, netmasks and methods edited in place',
    desired: MAIN_AFTER_3 + EXTRA_EDITED,
  },
  {
    name: 'shutdown: every owned service removed',
    remove: ['-t 10.0.0.1:80', '-f 7', '-t [2001:db8::1]:443', '-u 10.0.0.2:53', ...EXTRA_IDS],
    desired: '',
  },
];

describe.skipIf(!!skip).each(['ipvsadm', 'netlink'])(skipTitle('%s backend against a real IPVS kernel (User-Mode Linux)', skip), (kind) => {
  let run: UmlRun;
  let got: Array<Record<string, unknown>>;

  beforeAll(async () => {
    run = await nodeInUml('test/ipvs/inside/backend-steps.ts', [JSON.stringify(STEPS), kind], {
      timeoutMs: 90_000,
      addrs: ['192.168.0.254/16', '2001:db8::fe/64'],
    });
    got = steps(run.stdout);
  }, 120_000);

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

  it('every step reads back (through this backend) exactly what ipvsadm -Sn shows', () => {
    // Every step, not whichever ran: an empty run must not pass this by looping over nothing.
    expect(got, why()).toHaveLength(STEPS.length);
    for (const s of got) expect(sorted(String(s.parsed)), String(s.name)).toBe(String(s.kernel));
  });

  it('each attribute edit lands in place', () => {
    expect(got[3]!.kernel).toBe(sorted(STEPS[3]!.desired + '-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n'));
    expect(got[3]!.batch).not.toMatch(/^-[AD] /m);
  });

  it('at shutdown only the owned services go', () => {
    expect(got[4]!.kernel).toBe('-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1');
  });
});
