/**
 * `kill -HUP` a VRRP-only shim, as `systemctl reload` does, with Debian's
 * keepalived 2.2.7 as the backup of both its virtual routers: the shim
 * re-reads its file and stays master with no transition either side sees; an
 * added virtual address appears; a removed instance leaves with priority 0
 * and keepalived takes it; a bad file changes nothing; the parse of a
 * 227k-line file does not hold the adverts (VRRP has its own thread); HUP,
 * USR1 and USR2 never end the process. One shim lives through the scenarios in order, as
 * an operator's would through successive edits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConfig } from '../../bench/gen-config.ts';
import { eventually } from '../helpers/eventually.ts';
import { handlesSignal } from '../helpers/daemon.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { keepalivedUnavailable, Lab, labUnavailable, type Director, type Proc } from './lab.ts';
import { hasAddress, holderIs, holderThroughout } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();
const DEADLINE_MS = 8_000;

describe.skipIf(!!skip)(skipTitle('reload (SIGHUP) of a VRRP-only shim beside keepalived 2.2.7', skip), () => {
  let lab: Lab;
  let shimHost: Director;
  let kaHost: Director;
  let shim: Proc;
  let ka: Proc;
  let shimConf: string;
  const vip1 = () => lab.vip(100);
  const vip2 = () => lab.vip(101);
  const added = () => lab.vip(102);

  // The added address is virtual_ipaddress_excluded: one in virtual_ipaddress changes the adverts' address list, which
  // keepalived drops ("unexpected ip number count") until its own file says the same, as on two real directors.
  const instances = (priority: number, o: { extraVip?: boolean; withVi2?: boolean } = {}): InstanceConf[] => [
    { name: 'VI_1', vrid: 51, version: 3, advertInt: '0.1', priority, vip: `${vip1()}/24`, extra: o.extraVip ? ['virtual_ipaddress_excluded {', `  ${added()}/24`, '}'] : [] },
    ...(o.withVi2 === false ? [] : [{ name: 'VI_2', vrid: 52, version: 3 as const, advertInt: '0.1', priority, vip: `${vip2()}/24` }]),
  ];
  const why = () => `--- shim states\n${shim.output().split('\n').filter((l) => /"msg":"(state|reload)/.test(l)).join('\n')}\n--- shim\n${shim.output().slice(-4000)}\n--- keepalived\n${ka.output().slice(-3000)}`;
  const count = (p: Proc, re: RegExp) => p.output().match(new RegExp(re.source, 'g'))?.length ?? 0;
  /** Rewrites the shim's file, sends SIGHUP and waits for the shim's own word that it handled it (`outcome`). */
  const reloadWith = async (text: string, outcome: RegExp) => {
    const before = count(shim, outcome);
    lab.write('shim.conf', text);
    shim.daemon.signal('SIGHUP');
    await eventually(`the shim to log ${outcome.source} after SIGHUP`, () => count(shim, outcome) > before, { timeoutMs: DEADLINE_MS, detail: why });
  };
  /** Proof that both have run for several advert intervals since: the shim counted 6 more adverts sent. */
  const sixAdverts = () => lab.adverts(shim, 'advertsSent', 6, DEADLINE_MS);

  beforeAll(async () => {
    lab = new Lab(2, 31).create();
    [shimHost, kaHost] = lab.directors as [Director, Director];
    ka = lab.keepalived(kaHost, 'ka', lab.write('ka.conf', keepalivedConf('ka', instances(100))));
    shimConf = lab.write('shim.conf', keepalivedConf('shim', instances(200)));
    shim = lab.shim(shimHost, 'shim', shimConf);
    await holderIs(lab, vip1(), shimHost, DEADLINE_MS, why);
    await holderIs(lab, vip2(), shimHost, DEADLINE_MS, why);
    for (const vi of ['VI_1', 'VI_2']) await shim.daemon.waitForLine(`the shim to log ${vi} master`, new RegExp(`"instance":"${vi}","from":"BACKUP","to":"MASTER"`), DEADLINE_MS);
    // keepalived has seen the shim as master (it started, went backup, and stays there).
    await ka.daemon.waitForLine('keepalived backup of VI_2', /\(VI_2\) Entering BACKUP STATE/, DEADLINE_MS);
    await eventually('the shim to handle SIGHUP', () => handlesSignal(shim.daemon.pid, 'SIGHUP'), { timeoutMs: DEADLINE_MS, detail: why });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('kill -HUP with the same file: the shim stays master, neither side logs a transition, adverts go on', async () => {
    const kaMasters = count(ka, /Entering MASTER STATE/);
    const shimStates = count(shim, /"msg":"state"/);
    await reloadWith(keepalivedConf('shim', instances(200)), /"msg":"reloaded"/);
    expect(shim.output()).toMatch(/"msg":"reloaded".*"kept":\["VI_1","VI_2"\]/);
    expect(await holderThroughout(lab, vip1(), shimHost, sixAdverts()), why()).toEqual([]);
    expect(count(ka, /Entering MASTER STATE/), why()).toBe(kaMasters);
    expect(count(shim, /"msg":"state"/), why()).toBe(shimStates);
  });

  it('a reload that adds an address puts it on the interface, with no state change', async () => {
    const shimStates = count(shim, /"msg":"state"/);
    await reloadWith(keepalivedConf('shim', instances(200, { extraVip: true })), /"msg":"reloaded"/);
    await hasAddress(lab, shimHost, added(), DEADLINE_MS, why);
    expect(await holderThroughout(lab, vip1(), shimHost, sixAdverts()), why()).toEqual([]);
    expect(count(shim, /"msg":"state"/), why()).toBe(shimStates);
  });

  it('a bad file is refused: the shim says so, stays master, its addresses unchanged', async () => {
    const shimStates = count(shim, /"msg":"state"/);
    await reloadWith('vrrp_instance VI_1 {\n  priority 999\n  virtual_router_id 51\n', /"msg":"reload refused/);
    expect(await holderThroughout(lab, vip1(), shimHost, sixAdverts()), why()).toEqual([]);
    expect(lab.addresses(shimHost), why()).toEqual(expect.arrayContaining([vip1(), vip2(), added()]));
    expect(count(shim, /"msg":"state"/), why()).toBe(shimStates);
    expect(shim.daemon.hasExited()).toBe(false);
  });

  it('a reload of the 227k-line config (parsed on the main thread) never lets keepalived take over', async () => {
    const kaMasters = count(ka, /Entering MASTER STATE/);
    const shimStates = count(shim, /"msg":"state"/);
    // A VRRP-only shim still reads the whole file: 1,000 virtual servers × 20 HTTP_GET real servers, as the parse benchmark.
    const big = keepalivedConf('shim', instances(200, { extraVip: true })) + generateConfig(1000, 20).split('\n').slice(3).join('\n');
    await reloadWith(big, /"msg":"reloaded"/);
    expect(await holderThroughout(lab, vip1(), shimHost, sixAdverts()), why()).toEqual([]);
    expect(count(ka, /Entering MASTER STATE/), why()).toBe(kaMasters);
    expect(count(shim, /"msg":"state"/), why()).toBe(shimStates);
  });

  it('a reload that removes an instance hands it to keepalived (priority 0), and keeps the other', async () => {
    await reloadWith(keepalivedConf('shim', instances(200, { extraVip: true, withVi2: false })), /"msg":"reloaded"/);
    await holderIs(lab, vip2(), kaHost, DEADLINE_MS, why);
    await ka.daemon.waitForLine('keepalived master of VI_2', /\(VI_2\) Entering MASTER STATE/, DEADLINE_MS);
    expect(shim.output()).toMatch(/"msg":"state","instance":"VI_2","from":"MASTER","to":"STOP"/);
    expect(await holderThroughout(lab, vip1(), shimHost, sixAdverts()), why()).toEqual([]);
  });

  it('HUP, USR1 and USR2 never end the process', async () => {
    const reloads = count(shim, /"msg":"reloaded"/);
    for (const sig of ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGUSR1', 'SIGHUP', 'SIGUSR2'] as const) shim.daemon.signal(sig);
    // The positive signal: the reloads asked for ran (coalesced: at least one), and the status file is written afresh after them.
    await eventually('a reload after the burst of signals', () => count(shim, /"msg":"reloaded"/) > reloads, { timeoutMs: DEADLINE_MS, detail: why });
    const status = await lab.freshStatus(shim);
    expect(status.instances.map((i) => [i.name, i.state])).toEqual([['VI_1', 'MASTER']]);
    expect(shim.daemon.hasExited(), why()).toBe(false);
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
    // Stopped as before: priority 0, so keepalived takes the remaining address.
    await holderIs(lab, vip1(), kaHost, DEADLINE_MS, why);
  });
});
