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
import { describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { findNft } from '../../shim/vrrp/accept-firewall.ts';
import { keepalivedUnavailable, labUnavailable, type Director, type Proc } from './lab.ts';
import { pairSuite } from './pair-suite.ts';
import { HolderWatch, holderIs, holderThroughout } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable() ?? (findNft() ? null : 'nft is not installed (infra/install-test-deps.sh installs nftables)');

/** One ping with a one-second deadline from `from`: did an answer come back? */
const answers = (from: Director, addr: string) => spawnSync('ip', ['netns', 'exec', from.ns, 'ping', '-n', '-c', '1', '-W', '1', addr], { timeout: 10_000 }).status === 0;
const nftTables = (d: Director) => spawnSync('ip', ['netns', 'exec', d.ns, 'nft', 'list', 'tables'], { encoding: 'utf8', timeout: 10_000 }).stdout;
/** v2 with 1 s adverts: about 3.6 s to declare a master down; generous. */
const DEADLINE_MS = 12_000;

describe.skipIf(!!skip)(skipTitle('vrrp_strict: vigil shim and keepalived 2.2.7 share one file', skip), () => {
  const pair = pairSuite(3, 12);

  let serial = 0;
  const start = (d: Director, kind: 'shim' | 'keepalived', priority: number): Proc => {
    const name = `strict-${kind}${serial++}`;
    const conf: InstanceConf = { vip: `${pair.vip}/24`, priority, version: 2, advertInt: '1', state: 'MASTER', pass: 'secret12' };
    const file = pair.lab.write(`${name}.conf`, keepalivedConf(name, [conf], ['vrrp_strict']));
    const p = kind === 'shim' ? pair.lab.shim(d, name, file, ['--config-id', name]) : pair.lab.keepalived(d, name, file);
    pair.running.push(p);
    return p;
  };

  for (const shimHigher of [true, false]) {
    it(`${shimHigher ? 'shim 200, keepalived 100' : 'keepalived 200, shim 100'}: one master, the higher, and it stays`, async () => {
      const high = shimHigher ? pair.shimHost : pair.kaHost;
      pair.watch = new HolderWatch(pair.lab, pair.vip).start();
      const pShim = start(pair.shimHost, 'shim', shimHigher ? 200 : 100);
      const pKa = start(pair.kaHost, 'keepalived', shimHigher ? 100 : 200);
      await holderIs(pair.lab, pair.vip, high, DEADLINE_MS, () => pair.why(pShim, pKa));
      // The shim (master or backup) counts four more adverts: more than a master-down interval held by one holder.
      const steady = await holderThroughout(pair.lab, pair.vip, high, pair.lab.adverts(pShim, shimHigher ? 'advertsSent' : 'advertsReceived', 4, DEADLINE_MS));
      expect(steady, pair.why(pShim, pKa)).toEqual([]);
      pair.watch.stop();
      expect(pair.watch.lastingDoubles(), `two holders: ${pair.why(pShim, pKa)}`).toEqual([]);
      // Accept mode off: the master answers on its own address, not on the virtual one.
      expect(answers(pair.others[0]!, high.address), `ping ${high.address}`).toBe(true);
      expect(answers(pair.others[0]!, pair.vip), `ping ${pair.vip} should be dropped by the master: ${nftTables(high)}`).toBe(false);
      // The shim makes its table when it first becomes master.
      if (shimHigher) expect(nftTables(pair.shimHost)).toMatch(/table ip vigil/);
      // Stopped, the shim leaves no table behind.
      expect(await pair.lab.stop(pShim, 'SIGTERM')).toBe(0);
      expect(nftTables(pair.shimHost)).not.toMatch(/vigil/);
    });
  }
});
