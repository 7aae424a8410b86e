/**
 * VRRPv3 over IPv6 (ff02::12 from the link-local address, hop limit 255,
 * unsolicited NA): two shims, then a shim and keepalived 2.2.7 each way round.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf } from './conf.ts';
import { keepalivedUnavailable, Lab, labUnavailable, type Director, type Proc } from './lab.ts';
import { hasAddress, HolderWatch, holderIs, holderThroughout } from './watch.ts';

const skip = labUnavailable();
const noKeepalived = keepalivedUnavailable();

const VIP = '2001:db8:77::100';
const DEADLINE_MS = 8_000;

describe.skipIf(!!skip)(skipTitle('VRRPv3 over IPv6', skip), () => {
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
  const why = (...procs: Proc[]) => `${watch?.describe().slice(-2000) ?? ''}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n')}`;
  const held = (d: Director, ...procs: Proc[]) => holderIs(lab, VIP, d, DEADLINE_MS, () => why(...procs));

  it('two shims: election from link-local sources, graceful stop, kill -9', async () => {
    await eventually('link-local addresses on both directors', () => lab.linkLocal(a) && lab.linkLocal(b), { timeoutMs: 5000 });
    watch = new HolderWatch(lab, VIP).start();
    const pa = start(a, 'shim', 150);
    const pb = start(b, 'shim', 100);
    await held(a, pa, pb);
    // The master keeps it while both run: through five adverts the backup accepted (0.5 s at 0.1 s).
    expect(await holderThroughout(lab, VIP, a, lab.adverts(pb, 'advertsReceived', 5, DEADLINE_MS)), why(pa, pb)).toEqual([]);
    expect(await lab.stop(pa, 'SIGTERM')).toBe(0);
    await held(b, pa, pb);
    const pa2 = start(a, 'shim', 150);
    await held(a, pa2, pb);
    watch.dead.add(a);
    await lab.kill9(pa2);
    await hasAddress(lab, b, VIP, DEADLINE_MS, () => why(pb));
    watch.stop();
    expect(watch.lastingDoubles(), why(pa2, pb)).toEqual([]);
  });

  for (const shimHigher of [true, false]) {
    it.skipIf(!!noKeepalived)(skipTitle(`with keepalived: ${shimHigher ? 'shim' : 'keepalived'} master, takeover both ways`, noKeepalived), async () => {
      const [high, low] = shimHigher ? [a, b] : [b, a];
      const kind = (d: Director) => ((d === a) === true ? 'shim' : 'keepalived') as 'shim' | 'keepalived';
      watch = new HolderWatch(lab, VIP).start();
      const pLow = start(low, kind(low), 100);
      const pHigh = start(high, kind(high), 200);
      await held(high, pHigh, pLow);
      expect(await lab.stop(pHigh, 'SIGTERM')).toBe(0);
      await held(low, pHigh, pLow);
      const pHigh2 = start(high, kind(high), 200);
      await held(high, pHigh2, pLow);
      watch.stop();
      expect(watch.lastingDoubles(), why(pHigh2, pLow)).toEqual([]);
    });
  }
});
