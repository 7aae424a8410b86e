/**
 * A vigil shim and Debian's keepalived 2.2.7 in the same virtual router, each
 * way round: v2 with PASS authentication, v3 multicast and v3 unicast. Both
 * read the very same keepalived.conf shape. The invariant is "never two
 * holders"; the outcomes are "the higher priority holds it" and "the address
 * moves both ways".
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { keepalivedUnavailable, Lab, labUnavailable, sleep, waitFor, type Director, type Proc } from './lab.ts';
import { HolderWatch } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();
if (skip) console.log(`test/vrrp/keepalived-interop: skipped: ${skip}`);

interface Case {
  title: string;
  conf: Partial<InstanceConf>;
  unicast: boolean;
  /** Generous: v2 1 s adverts need about 3.6 s to declare a master down. */
  deadlineMs: number;
}

const cases: Case[] = [
  { title: 'v2 multicast, PASS auth, 1 s', conf: { version: 2, advertInt: '1', pass: 'secret12' }, unicast: false, deadlineMs: 12_000 },
  { title: 'v3 multicast, 0.1 s', conf: { version: 3, advertInt: '0.1' }, unicast: false, deadlineMs: 6_000 },
  { title: 'v3 unicast, 0.1 s', conf: { version: 3, advertInt: '0.1' }, unicast: true, deadlineMs: 6_000 },
  { title: 'v2 unicast, PASS auth, 1 s', conf: { version: 2, advertInt: '1', pass: 'pw' }, unicast: true, deadlineMs: 12_000 },
];

describe.skipIf(!!skip)('vigil shim with keepalived 2.2.7', () => {
  let lab: Lab;
  let shimHost: Director;
  let kaHost: Director;
  let vip: string;
  const running: Proc[] = [];
  let watch: HolderWatch | null = null;

  beforeAll(() => {
    lab = new Lab(2, 12).create();
    [shimHost, kaHost] = lab.directors as [Director, Director];
    vip = lab.vip();
  });
  afterEach(async () => {
    watch?.stop();
    watch = null;
    await lab.endScenario(running, `${vip}/24`);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  let serial = 0;
  const start = (d: Director, kind: 'shim' | 'keepalived', c: Case, priority: number): Proc => {
    const other = d === shimHost ? kaHost : shimHost;
    const name = `${kind}${serial++}`;
    const conf: InstanceConf = {
      vip: `${vip}/24`,
      priority,
      ...c.conf,
      ...(c.unicast ? { unicastSrc: d.address, unicastPeers: [other.address] } : {}),
    };
    const file = lab.write(`${name}.conf`, keepalivedConf(name, [conf]));
    const p = kind === 'shim' ? lab.shim(d, name, file, ['--config-id', name]) : lab.keepalived(d, name, file);
    running.push(p);
    return p;
  };
  const holderIs = (d: Director, ms: number) => waitFor(() => (lab.holders(vip).map((h) => h.ns).join() === d.ns ? true : undefined), ms);
  /** Polls for `ms`: every poll must show exactly this holder. */
  const steady = async (d: Director, ms: number) => {
    const end = Date.now() + ms;
    const seen: string[] = [];
    while (Date.now() < end) {
      const h = lab.holders(vip).map((x) => x.ns).join();
      if (h !== d.ns) seen.push(h || '(none)');
      await sleep(50);
    }
    return seen;
  };
  const why = (...procs: Proc[]) => `${watch?.describe().slice(-3000) ?? ''}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n')}`;

  for (const c of cases) {
    for (const shimHigher of [true, false]) {
      it(`${c.title}: ${shimHigher ? 'shim master, keepalived backup' : 'keepalived master, shim backup'}; takeover both ways`, async () => {
        const high = shimHigher ? shimHost : kaHost;
        const low = shimHigher ? kaHost : shimHost;
        const kindOf = (d: Director) => (d === shimHost ? 'shim' : 'keepalived') as 'shim' | 'keepalived';
        watch = new HolderWatch(lab, vip).start();
        const pLow = start(low, kindOf(low), c, 100);
        const pHigh = start(high, kindOf(high), c, 200);
        // Started together, the higher priority wins the election...
        expect(await holderIs(high, c.deadlineMs), why(pHigh, pLow)).toBe(true);
        expect(await steady(high, 1500), why(pHigh, pLow)).toEqual([]);
        // ...a graceful stop hands it to the other implementation...
        expect(await lab.stop(pHigh, 'SIGTERM')).toBe(0);
        expect(await holderIs(low, c.deadlineMs), why(pHigh, pLow)).toBe(true);
        // ...and a restarted higher one preempts it back.
        const pHigh2 = start(high, kindOf(high), c, 200);
        expect(await holderIs(high, c.deadlineMs), why(pHigh2, pLow)).toBe(true);
        expect(await steady(high, 1000), why(pHigh2, pLow)).toEqual([]);
        watch.stop();
        expect(watch.lastingDoubles(), `two holders: ${why(pHigh2, pLow)}`).toEqual([]);
      });
    }
  }

  it('kill -9 of a keepalived master: the shim takes over (v3 0.1 s)', async () => {
    const c = cases[1]!;
    watch = new HolderWatch(lab, vip).start();
    const pKa = start(kaHost, 'keepalived', c, 200);
    expect(await holderIs(kaHost, c.deadlineMs), why(pKa)).toBe(true);
    const pShim = start(shimHost, 'shim', c, 100);
    expect(await steady(kaHost, 1000), why(pKa, pShim)).toEqual([]);
    watch.dead.add(kaHost);
    await lab.kill9(pKa);
    expect(await waitFor(() => (lab.addresses(shimHost).includes(vip) ? true : undefined), c.deadlineMs), why(pShim)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), why(pKa, pShim)).toEqual([]);
  });
});
