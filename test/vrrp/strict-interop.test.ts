/**
 * issue #17: a shim and Debian's keepalived 2.2.7 read one vrrp_strict file
 * with `state MASTER` and PASS authentication. keepalived, under strict mode,
 * ignores the authentication and starts a non-owner as BACKUP; the shim must
 * do the same, or the two would refuse each other's adverts and both hold
 * the address. The outcome: one holder, the higher priority, that stays.
 * Strict mode also turns accept mode off for a non-owner: the master, shim
 * or keepalived alike, drops traffic sent to the virtual address (keepalived
 * with its nftables table, the shim with nft), which a third host sees.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { findNft } from '../../shim/vrrp/accept-firewall.ts';
import { keepalivedUnavailable, Lab, labUnavailable, type Director, type Proc } from './lab.ts';
import { HolderWatch, holderIs, holderThroughout } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable() ?? (findNft() ? null : 'nft is not installed (infra/install-test-deps.sh installs nftables)');

/** One ping with a one-second deadline from `from`: did an answer come back? */
const answers = (from: Director, addr: string) => spawnSync('ip', ['netns', 'exec', from.ns, 'ping', '-n', '-c', '1', '-W', '1', addr], { timeout: 10_000 }).status === 0;
const nftTables = (d: Director) => spawnSync('ip', ['netns', 'exec', d.ns, 'nft', 'list', 'tables'], { encoding: 'utf8', timeout: 10_000 }).stdout;
/** v2 with 1 s adverts: about 3.6 s to declare a master down; generous. */
const DEADLINE_MS = 12_000;

describe.skipIf(!!skip)(skipTitle('vrrp_strict: vigil shim and keepalived 2.2.7 share one file', skip), () => {
  let lab: Lab;
  let shimHost: Director;
  let kaHost: Director;
  let client: Director;
  let vip: string;
  const running: Proc[] = [];
  let watch: HolderWatch | null = null;

  beforeAll(() => {
    lab = new Lab(3, 12).create();
    [shimHost, kaHost, client] = lab.directors as [Director, Director, Director];
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
      // Accept mode off: the master answers on its own address, not on the virtual one.
      expect(answers(client, high.address), `ping ${high.address}`).toBe(true);
      expect(answers(client, vip), `ping ${vip} should be dropped by the master: ${nftTables(high)}`).toBe(false);
      // The shim makes its table when it first becomes master.
      if (shimHigher) expect(nftTables(shimHost)).toMatch(/table ip vigil/);
      // Stopped, the shim leaves no table behind.
      expect(await lab.stop(pShim, 'SIGTERM')).toBe(0);
      expect(nftTables(shimHost)).not.toMatch(/vigil/);
    });
  }
});
