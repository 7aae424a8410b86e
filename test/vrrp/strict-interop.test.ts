/**
 * issue #17: a shim and Debian's keepalived 2.2.7 read one vrrp_strict file
 * with `state MASTER` and PASS authentication. keepalived, under strict mode,
 * ignores the authentication and starts a non-owner as BACKUP; the shim must
 * do the same, or the two would refuse each other's adverts and both hold
 * the address. The outcome: one holder, the higher priority, that stays.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { keepalivedUnavailable, Lab, labUnavailable, type Director, type Proc } from './lab.ts';
import { HolderWatch, holderIs, holderThroughout } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();
/** v2 with 1 s adverts: about 3.6 s to declare a master down; generous. */
const DEADLINE_MS = 12_000;

describe.skipIf(!!skip)(skipTitle('vrrp_strict: vigil shim and keepalived 2.2.7 share one file', skip), () => {
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
  const start = (d: Director, kind: 'shim' | 'keepalived', priority: number): Proc => {
    const name = `strict-${kind}${serial++}`;
    const conf: InstanceConf = { vip: `${vip}/24`, priority, version: 2, advertInt: '1', state: 'MASTER', pass: 'secret12' };
    const file = lab.write(`${name}.conf`, keepalivedConf(name, [conf], ['vrrp_strict']));
    const p = kind === 'shim' ? lab.shim(d, name, file, ['--config-id', name]) : lab.keepalived(d, name, file);
    running.push(p);
    return p;
  };
  const why = (...procs: Proc[]) => `${watch?.describe().slice(-3000) ?? ''}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n')}`;

  for (const shimHigher of [true, false]) {
    it(`${shimHigher ? 'shim 200, keepalived 100' : 'keepalived 200, shim 100'}: one master, the higher, and it stays`, async () => {
      const high = shimHigher ? shimHost : kaHost;
      watch = new HolderWatch(lab, vip).start();
      const pShim = start(shimHost, 'shim', shimHigher ? 200 : 100);
      const pKa = start(kaHost, 'keepalived', shimHigher ? 100 : 200);
      await holderIs(lab, vip, high, DEADLINE_MS, () => why(pShim, pKa));
      // The shim (master or backup) counts four more adverts: more than a master-down interval held by one holder.
      const steady = await holderThroughout(lab, vip, high, lab.adverts(pShim, shimHigher ? 'advertsSent' : 'advertsReceived', 4, DEADLINE_MS));
      expect(steady, why(pShim, pKa)).toEqual([]);
      watch.stop();
      expect(watch.lastingDoubles(), `two holders: ${why(pShim, pKa)}`).toEqual([]);
    });
  }
});
