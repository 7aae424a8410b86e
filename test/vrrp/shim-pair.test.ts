/**
 * Two `vigil shim` directors on one virtual LAN (network namespaces the test
 * builds and removes). VRRPv3 with 0.1 s adverts keeps it quick; outcomes are
 * asserted with generous deadlines, never tight timings.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { ip, Lab, labUnavailable, sleep, waitFor, type Director, type Proc } from './lab.ts';
import { HolderWatch } from './watch.ts';

const skip = labUnavailable();
if (skip) console.log(`test/vrrp/shim-pair: skipped: ${skip}`);

const DEADLINE_MS = 8_000;

describe.skipIf(!!skip)('two vigil shims in one virtual router', () => {
  let lab: Lab;
  let a: Director;
  let b: Director;
  let vip: string;
  let watch: HolderWatch | null = null;
  const running: Proc[] = [];

  beforeAll(() => {
    lab = new Lab(2, 11).create();
    [a, b] = lab.directors as [Director, Director];
    vip = lab.vip();
  });
  afterEach(async () => {
    watch?.stop();
    watch = null;
    await lab.endScenario(running, `${vip}/24`);
    for (const d of lab.directors) lab.setLink(d, true);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const start = (d: Director, name: string, conf: Partial<InstanceConf> & { priority: number }, extra: string[] = []) => {
    const file = lab.write(`${name}.conf`, keepalivedConf(name, [{ version: 3, vip: `${vip}/24`, ...conf }]));
    const p = lab.shim(d, name, file, ['--config-id', name, ...extra]);
    running.push(p);
    return p;
  };
  const holderIs = (d: Director) => waitFor(() => (lab.holders(vip).map((h) => h.ns).join() === d.ns ? true : undefined), DEADLINE_MS);
  const why = (...procs: Proc[]) => `${watch?.describe() ?? ''}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n')}`;

  it('elects the higher priority, moves on kill -9, and the restarted director preempts back', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a1', { priority: 150 });
    const pb = start(b, 'b1', { priority: 100 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    await sleep(1000);
    expect(lab.holders(vip).map((h) => h.ns), 'the master keeps the address while both run').toEqual([a.ns]);

    watch.dead.add(a);
    await lab.stop(pa, 'SIGKILL');
    expect(await waitFor(() => (lab.addresses(b).includes(vip) ? true : undefined), DEADLINE_MS), why(pb)).toBe(true);

    // Restart on a host that still has the address (kill -9 leaves it): the shim clears it, then preempts.
    const pa2 = start(a, 'a2', { priority: 150 });
    expect(await waitFor(() => (lab.addresses(a).includes(vip) ? undefined : true), DEADLINE_MS, 10), why(pa2)).toBe(true);
    watch.dead.delete(a);
    expect(await holderIs(a), why(pa2, pb)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), `two holders seen: ${why(pa2, pb)}`).toEqual([]);
  });

  it('a graceful stop sends priority 0, releases the address, and the backup takes over', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a3', { priority: 150 });
    const pb = start(b, 'b3', { priority: 100 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    const code = await lab.stop(pa, 'SIGTERM');
    expect(code, why(pa)).toBe(0);
    expect(lab.addresses(a)).not.toContain(vip);
    expect(await holderIs(b), why(pa, pb)).toBe(true);
    expect(lab.status('a3')?.instances[0]?.stats.priorityZeroSent).toBeGreaterThanOrEqual(1);
    pb.child.kill('SIGUSR2'); // refreshes the status file
    expect(await waitFor(() => ((lab.status('b3')?.instances[0]?.stats.priorityZeroReceived as number) >= 1 ? true : undefined), 3000)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('--dont-release-vrrp leaves the address and sends no priority 0', async () => {
    const pa = start(a, 'a4', { priority: 150 }, ['--dont-release-vrrp']);
    expect(await holderIs(a), why(pa)).toBe(true);
    expect(await lab.stop(pa, 'SIGINT')).toBe(0);
    expect(lab.addresses(a)).toContain(vip);
    expect(lab.status('a4')?.instances[0]?.stats.priorityZeroSent).toBe(0);
  });

  it('link down on the master: FAULT, address released, backup takes over; link up: the master returns', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a5', { priority: 150 });
    const pb = start(b, 'b5', { priority: 100 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    lab.setOwnLink(a, false);
    expect(await holderIs(b), why(pa, pb)).toBe(true);
    expect(await waitFor(() => (lab.status('a5')?.instances[0]?.state === 'FAULT' ? true : undefined), DEADLINE_MS), why(pa)).toBe(true);
    lab.setOwnLink(a, true);
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('a split brain (cut between the two) heals to the higher priority', async () => {
    const pa = start(a, 'a6', { priority: 150 });
    const pb = start(b, 'b6', { priority: 100 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    lab.setLink(b, false); // the bridge port: each side still sees its own link up
    expect(await waitFor(() => (lab.addresses(b).includes(vip) ? true : undefined), DEADLINE_MS), why(pb)).toBe(true);
    lab.setLink(b, true);
    expect(await holderIs(a), why(pa, pb)).toBe(true);
  });

  it('when the master hears a lower-priority master (one-way loss), it answers and announces the address again', async () => {
    const pa = start(a, 'a6b', { priority: 150 });
    const pb = start(b, 'b6b', { priority: 100 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    // B stops hearing multicast (the bridge no longer floods it to B's port) but is still heard: a one-way split.
    const port = ['-n', lab.bridgeNs, 'link', 'set', 'p2', 'type', 'bridge_slave', 'mcast_flood'];
    ip([...port, 'off']);
    try {
      expect(await waitFor(() => (/lower priority master heard/.test(pa.output()) ? true : undefined), DEADLINE_MS), why(pa, pb)).toBe(true);
    } finally {
      ip([...port, 'on'], true);
    }
    expect(await holderIs(a), why(pa, pb)).toBe(true);
  });

  it('nopreempt: a higher priority backup joining later leaves the master alone', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pb = start(b, 'b7', { priority: 100, nopreempt: true });
    expect(await holderIs(b), why(pb)).toBe(true);
    const pa = start(a, 'a7', { priority: 150, nopreempt: true });
    await sleep(2000);
    expect(lab.holders(vip).map((h) => h.ns), why(pa, pb)).toEqual([b.ns]);
    await lab.stop(pb, 'SIGTERM');
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('preempt: the same join without nopreempt takes the address over', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pb = start(b, 'b8', { priority: 100 });
    expect(await holderIs(b), why(pb)).toBe(true);
    const pa = start(a, 'a8', { priority: 150 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('unicast peers: election and takeover without multicast', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a9', { priority: 150, unicastSrc: a.address, unicastPeers: [b.address] });
    const pb = start(b, 'b9', { priority: 100, unicastSrc: b.address, unicastPeers: [a.address] });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    await sleep(500);
    expect(lab.holders(vip).map((h) => h.ns)).toEqual([a.ns]);
    watch.dead.add(a);
    await lab.stop(pa, 'SIGKILL');
    expect(await waitFor(() => (lab.addresses(b).includes(vip) ? true : undefined), DEADLINE_MS), why(pb)).toBe(true);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });
});
