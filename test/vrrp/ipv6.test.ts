/**
 * VRRPv3 over IPv6 (ff02::12 from the link-local address, hop limit 255,
 * unsolicited NA): two shims, then a shim and keepalived 2.2.7 each way round.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keepalivedConf } from './conf.ts';
import { keepalivedUnavailable, Lab, labUnavailable, sleep, waitFor, type Director, type Proc } from './lab.ts';
import { HolderWatch } from './watch.ts';

const skip = labUnavailable();
if (skip) console.log(`test/vrrp/ipv6: skipped: ${skip}`);
const noKeepalived = keepalivedUnavailable();
if (!skip && noKeepalived) console.log(`test/vrrp/ipv6: keepalived case skipped: ${noKeepalived}`);

const VIP = '2001:db8:77::100';
const DEADLINE_MS = 8_000;

describe.skipIf(!!skip)('VRRPv3 over IPv6', () => {
  let lab: Lab;
  let a: Director;
  let b: Director;
  let watch: HolderWatch | null = null;
  const running: Proc[] = [];
  let serial = 0;

  beforeAll(() => {
    lab = new Lab(2, 14).create();
    [a, b] = lab.directors as [Director, Director];
  });
  afterEach(async () => {
    watch?.stop();
    watch = null;
    await lab.endScenario(running, `${VIP}/64`);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const start = (d: Director, kind: 'shim' | 'keepalived', priority: number): Proc => {
    const name = `${kind}6-${serial++}`;
    const file = lab.write(`${name}.conf`, keepalivedConf(name, [{ priority, version: 3, advertInt: '0.1', vip: `${VIP}/64` }]));
    const p = kind === 'shim' ? lab.shim(d, name, file, ['--config-id', name]) : lab.keepalived(d, name, file);
    running.push(p);
    return p;
  };
  const holderIs = (d: Director) => waitFor(() => (lab.holders(VIP).map((h) => h.ns).join() === d.ns ? true : undefined), DEADLINE_MS);
  const why = (...procs: Proc[]) => `${watch?.describe().slice(-2000) ?? ''}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n')}`;

  it('two shims: election from link-local sources, graceful stop, kill -9', async () => {
    expect(await waitFor(() => (lab.linkLocal(a) && lab.linkLocal(b) ? true : undefined), 5000)).toBe(true);
    watch = new HolderWatch(lab, VIP).start();
    const pa = start(a, 'shim', 150);
    const pb = start(b, 'shim', 100);
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    await sleep(500);
    expect(lab.holders(VIP).map((h) => h.ns)).toEqual([a.ns]);
    expect(await lab.stop(pa, 'SIGTERM')).toBe(0);
    expect(await holderIs(b), why(pa, pb)).toBe(true);
    const pa2 = start(a, 'shim', 150);
    expect(await holderIs(a), why(pa2, pb)).toBe(true);
    watch.dead.add(a);
    await lab.kill9(pa2);
    expect(await waitFor(() => (lab.addresses(b).includes(VIP) ? true : undefined), DEADLINE_MS), why(pb)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa2, pb)).toEqual([]);
  });

  for (const shimHigher of [true, false]) {
    it.skipIf(!!noKeepalived)(`with keepalived: ${shimHigher ? 'shim' : 'keepalived'} master, takeover both ways`, async () => {
      const [high, low] = shimHigher ? [a, b] : [b, a];
      const kind = (d: Director) => ((d === a) === true ? 'shim' : 'keepalived') as 'shim' | 'keepalived';
      watch = new HolderWatch(lab, VIP).start();
      const pLow = start(low, kind(low), 100);
      const pHigh = start(high, kind(high), 200);
      expect(await holderIs(high), why(pHigh, pLow)).toBe(true);
      expect(await lab.stop(pHigh, 'SIGTERM')).toBe(0);
      expect(await holderIs(low), why(pHigh, pLow)).toBe(true);
      const pHigh2 = start(high, kind(high), 200);
      expect(await holderIs(high), why(pHigh2, pLow)).toBe(true);
      watch.stop();
      expect(watch.lastingDoubles(), why(pHigh2, pLow)).toEqual([]);
    });
  }
});
