/**
 * A vigil shim and Debian's keepalived 2.2.7 in the same virtual router, each
 * way round: v2 with PASS authentication, v3 multicast and v3 unicast. Both
 * read the very same keepalived.conf shape. The invariant is "never two
 * holders"; the outcomes are "the higher priority holds it" and "the address
 * moves both ways".
 */
import { describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { keepalivedUnavailable, labUnavailable, type Director, type Proc } from './lab.ts';
import { pairSuite } from './pair-suite.ts';
import { hasAddress, HolderWatch, holderIs, holderThroughout } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();

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

describe.skipIf(!!skip)(skipTitle('vigil shim with keepalived 2.2.7', skip), () => {
  const pair = pairSuite(2, 12);

  let serial = 0;
  const start = (d: Director, kind: 'shim' | 'keepalived', c: Case, priority: number): Proc => {
    const other = d === pair.shimHost ? pair.kaHost : pair.shimHost;
    const name = `${kind}${serial++}`;
    const conf: InstanceConf = {
      vip: `${pair.vip}/24`,
      priority,
      ...c.conf,
      ...(c.unicast ? { unicastSrc: d.address, unicastPeers: [other.address] } : {}),
    };
    const file = pair.lab.write(`${name}.conf`, keepalivedConf(name, [conf]));
    const p = kind === 'shim' ? pair.lab.shim(d, name, file, ['--config-id', name]) : pair.lab.keepalived(d, name, file);
    pair.running.push(p);
    return p;
  };
  const held = (d: Director, c: Case, ...procs: Proc[]) => holderIs(pair.lab, pair.vip, d, c.deadlineMs, () => pair.why(...procs));
  /**
   * Every poll shows exactly `d` holding the address until the shim (master
   * or backup) has counted four more adverts: more than a master-down
   * interval, in which a backup that ignored the master would have taken over.
   */
  const steady = (d: Director, c: Case, shim: Proc) => holderThroughout(pair.lab, pair.vip, d, pair.lab.adverts(shim, d === pair.shimHost ? 'advertsSent' : 'advertsReceived', 4, c.deadlineMs));

  for (const c of cases) {
    for (const shimHigher of [true, false]) {
      it(`${c.title}: ${shimHigher ? 'shim master, keepalived backup' : 'keepalived master, shim backup'}; takeover both ways`, async () => {
        const high = shimHigher ? pair.shimHost : pair.kaHost;
        const low = shimHigher ? pair.kaHost : pair.shimHost;
        const kindOf = (d: Director) => (d === pair.shimHost ? 'shim' : 'keepalived') as 'shim' | 'keepalived';
        pair.watch = new HolderWatch(pair.lab, pair.vip).start();
        const pLow = start(low, kindOf(low), c, 100);
        const pHigh = start(high, kindOf(high), c, 200);
        // Started together, the higher priority wins the election...
        const shimOf = (h: Proc, l: Proc) => (shimHigher ? h : l);
        await held(high, c, pHigh, pLow);
        expect(await steady(high, c, shimOf(pHigh, pLow)), pair.why(pHigh, pLow)).toEqual([]);
        // ...a graceful stop hands it to the other implementation...
        expect(await pair.lab.stop(pHigh, 'SIGTERM')).toBe(0);
        await held(low, c, pHigh, pLow);
        // ...and a restarted higher one preempts it back.
        const pHigh2 = start(high, kindOf(high), c, 200);
        await held(high, c, pHigh2, pLow);
        expect(await steady(high, c, shimOf(pHigh2, pLow)), pair.why(pHigh2, pLow)).toEqual([]);
        pair.watch.stop();
        expect(pair.watch.lastingDoubles(), `two holders: ${pair.why(pHigh2, pLow)}`).toEqual([]);
      });
    }
  }

  it('kill -9 of a keepalived master: the shim takes over (v3 0.1 s)', async () => {
    const c = cases[1]!;
    pair.watch = new HolderWatch(pair.lab, pair.vip).start();
    const pKa = start(pair.kaHost, 'keepalived', c, 200);
    await held(pair.kaHost, c, pKa);
    const pShim = start(pair.shimHost, 'shim', c, 100);
    expect(await steady(pair.kaHost, c, pShim), pair.why(pKa, pShim)).toEqual([]);
    pair.watch.dead.add(pair.kaHost);
    await pair.lab.kill9(pKa);
    await hasAddress(pair.lab, pair.shimHost, pair.vip, c.deadlineMs, () => pair.why(pShim));
    pair.watch.stop();
    expect(pair.watch.lastingDoubles(), pair.why(pKa, pShim)).toEqual([]);
  });
});
