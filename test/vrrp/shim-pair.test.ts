/**
 * Two `vigil shim` directors on one virtual LAN (network namespaces the test
 * builds and removes). VRRPv3 with 0.1 s adverts keeps it quick; outcomes are
 * asserted with generous deadlines, never tight timings.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { ip, Lab, labUnavailable, type Director, type Proc } from './lab.ts';
import { hasAddress, HolderWatch, holderIs, holderThroughout } from './watch.ts';

const skip = labUnavailable();

const DEADLINE_MS = 8_000;

describe.skipIf(!!skip)(skipTitle('two vigil shims in one virtual router', skip), () => {
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
  const why = (...procs: Proc[]) => `${watch?.describe() ?? ''}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n')}`;
  const held = (d: Director, ...procs: Proc[]) => holderIs(lab, vip, d, DEADLINE_MS, () => why(...procs));
  const reaches = (d: Director, ...procs: Proc[]) => hasAddress(lab, d, vip, DEADLINE_MS, () => why(...procs));

  it('elects the higher priority, moves on kill -9, and the restarted director preempts back', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a1', { priority: 150 });
    const pb = start(b, 'b1', { priority: 100 });
    await held(a, pa, pb);
    // The master keeps the address while both run: through ten adverts the backup accepted (1 s at 0.1 s).
    expect(await holderThroughout(lab, vip, a, lab.adverts(pb, 'advertsReceived', 10, DEADLINE_MS)), why(pa, pb)).toEqual([]);

    watch.dead.add(a);
    await lab.stop(pa, 'SIGKILL');
    await reaches(b, pb);

    // Restart on a host that still has the address (kill -9 leaves it): the shim clears it, then preempts.
    const pa2 = start(a, 'a2', { priority: 150 });
    await eventually('the restarted shim to clear the address its kill -9 left', () => !lab.addresses(a).includes(vip), { timeoutMs: DEADLINE_MS, intervalMs: 10, detail: () => why(pa2) });
    watch.dead.delete(a);
    await held(a, pa2, pb);
    watch.stop();
    expect(watch.lastingDoubles(), `two holders seen: ${why(pa2, pb)}`).toEqual([]);
  });

  it('a graceful stop sends priority 0, releases the address, and the backup takes over', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a3', { priority: 150 });
    const pb = start(b, 'b3', { priority: 100 });
    await held(a, pa, pb);
    const code = await lab.stop(pa, 'SIGTERM');
    expect(code, why(pa)).toBe(0);
    expect(lab.addresses(a)).not.toContain(vip);
    await held(b, pa, pb);
    expect(lab.status('a3')?.instances[0]?.stats.priorityZeroSent).toBeGreaterThanOrEqual(1);
    await eventually(
      'the backup to count the priority 0 advert',
      () => {
        pb.daemon.signal('SIGUSR2'); // refreshes the status file
        return (lab.status('b3')?.instances[0]?.stats.priorityZeroReceived as number) >= 1;
      },
      { timeoutMs: 3000, detail: () => why(pb) },
    );
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('--dont-release-vrrp leaves the address and sends no priority 0', async () => {
    const pa = start(a, 'a4', { priority: 150 }, ['--dont-release-vrrp']);
    await held(a, pa);
    expect(await lab.stop(pa, 'SIGINT')).toBe(0);
    expect(lab.addresses(a)).toContain(vip);
    expect(lab.status('a4')?.instances[0]?.stats.priorityZeroSent).toBe(0);
  });

  it('link down on the master: FAULT, address released, backup takes over; link up: the master returns', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a5', { priority: 150 });
    const pb = start(b, 'b5', { priority: 100 });
    await held(a, pa, pb);
    lab.setOwnLink(a, false);
    await held(b, pa, pb);
    await eventually('the master to report FAULT', () => lab.status('a5')?.instances[0]?.state === 'FAULT', { timeoutMs: DEADLINE_MS, detail: () => why(pa) });
    lab.setOwnLink(a, true);
    await held(a, pa, pb);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('a split brain (cut between the two) heals to the higher priority', async () => {
    const pa = start(a, 'a6', { priority: 150 });
    const pb = start(b, 'b6', { priority: 100 });
    await held(a, pa, pb);
    lab.setLink(b, false); // the bridge port: each side still sees its own link up
    await reaches(b, pb);
    lab.setLink(b, true);
    await held(a, pa, pb);
  });

  it('when the master hears a lower-priority master (one-way loss), it answers and announces the address again', async () => {
    const pa = start(a, 'a6b', { priority: 150 });
    const pb = start(b, 'b6b', { priority: 100 });
    await held(a, pa, pb);
    // B stops hearing multicast (the bridge no longer floods it to B's port) but is still heard: a one-way split.
    const port = ['-n', lab.bridgeNs, 'link', 'set', 'p2', 'type', 'bridge_slave', 'mcast_flood'];
    ip([...port, 'off']);
    try {
      await pa.daemon.waitForLine('the master to hear the lower-priority one', /lower priority master heard/, DEADLINE_MS);
    } finally {
      ip([...port, 'on'], true);
    }
    await held(a, pa, pb);
  });

  it('nopreempt: a higher priority backup joining later leaves the master alone', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pb = start(b, 'b7', { priority: 100, nopreempt: true });
    await held(b, pb);
    const pa = start(a, 'a7', { priority: 150, nopreempt: true });
    // Twenty adverts the newcomer accepted (2 s at 0.1 s, several master-down intervals) and it never took over.
    expect(await holderThroughout(lab, vip, b, lab.adverts(pa, 'advertsReceived', 20, DEADLINE_MS)), why(pa, pb)).toEqual([]);
    expect((await lab.freshStatus(pa)).instances[0]?.state, why(pa)).toBe('BACKUP');
    await lab.stop(pb, 'SIGTERM');
    await held(a, pa, pb);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('preempt: the same join without nopreempt takes the address over', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pb = start(b, 'b8', { priority: 100 });
    await held(b, pb);
    const pa = start(a, 'a8', { priority: 150 });
    await held(a, pa, pb);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });

  it('unicast peers: election and takeover without multicast', async () => {
    watch = new HolderWatch(lab, vip).start();
    const pa = start(a, 'a9', { priority: 150, unicastSrc: a.address, unicastPeers: [b.address] });
    const pb = start(b, 'b9', { priority: 100, unicastSrc: b.address, unicastPeers: [a.address] });
    await held(a, pa, pb);
    expect(await holderThroughout(lab, vip, a, lab.adverts(pb, 'advertsReceived', 5, DEADLINE_MS)), why(pa, pb)).toEqual([]);
    watch.dead.add(a);
    await lab.stop(pa, 'SIGKILL');
    await reaches(b, pb);
    watch.stop();
    expect(watch.lastingDoubles(), why(pa, pb)).toEqual([]);
  });
});
