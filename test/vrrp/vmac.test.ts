/**
 * use_vmac with Debian's keepalived 2.2.7 as the peer, both reading the same
 * keepalived.conf: the master answers ARP for the virtual address with the
 * virtual MAC 00:00:5e:00:01:<VRID> and sends its adverts from it, so a
 * client's neighbour entry never changes across failover; the shim's
 * macvlan is gone once it stops. A third namespace is the client.
 *
 * The virtual address is in a subnet of its own (the client has an address
 * in it), as a VMAC is deployed: a host replies to that subnet through the
 * macvlan. Were it in eth0's subnet, replies would leave by eth0 and the
 * ARP request for the client would carry eth0's MAC with the virtual
 * address as sender, rewriting the client's entry, with keepalived alike.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handlesSignal, spawnDaemon } from '../helpers/daemon.ts';
import { eventually, within } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { runCommand } from '../../shim/vrrp/run-command.ts';
import { keepalivedConf } from './conf.ts';
import { ip, keepalivedUnavailable, Lab, labUnavailable, type Director, type Proc } from './lab.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();
const VRID = 51;
const VMAC = '00:00:5e:00:01:33';
const VMAC_NAME = `vrrp.${VRID}`;
const DEADLINE_MS = 15_000;

describe.skipIf(!!skip)(skipTitle('use_vmac: vigil shim and keepalived 2.2.7', skip), () => {
  let lab: Lab;
  let shimHost: Director;
  let kaHost: Director;
  let client: Director;
  const procs: Proc[] = [];
  /** The scenario's virtual address and use_vmac lines: IPv4 and plain use_vmac unless a test says otherwise. */
  let vip: string;
  let family: 4 | 6;
  let extra: string[];
  let vmacMac: string;
  beforeEach(() => {
    [vip, family, extra, vmacMac] = ['10.78.41.100', 4, ['use_vmac'], VMAC];
  });

  beforeAll(() => {
    lab = new Lab(3, 41).create();
    [shimHost, kaHost, client] = lab.directors as [Director, Director, Director];
    ip(['-n', client.ns, 'address', 'add', '10.78.41.3/24', 'dev', 'eth0']);
    ip(['-n', client.ns, 'address', 'add', 'fd00:78:41::3/64', 'dev', 'eth0', 'nodad']);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const why = () => procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n');
  const conf = (name: string, priority: number) =>
    lab.write(`${name}.conf`, keepalivedConf(name, [{ vip: `${vip}/${family === 4 ? 24 : 64}`, priority, vrid: VRID, version: 3, advertInt: '0.1', extra }]));
  const start = (d: Director, kind: 'shim' | 'keepalived', name: string, priority: number) => {
    const p = kind === 'shim' ? lab.shim(d, name, conf(name, priority), ['--config-id', name]) : lab.keepalived(d, name, conf(name, priority));
    procs.push(p);
    return p;
  };
  /** Which interfaces of a director hold the virtual address (any device, not only eth0). */
  const vipDevs = (d: Director) =>
    ip(['-n', d.ns, '-o', `-${family}`, 'address', 'show'], true)
      .split('\n')
      .filter((l) => l.includes(` ${vip}/`))
      .map((l) => l.split(/\s+/)[1]!.replace(/@.*$/, ''));
  const heldOnVmacBy = (d: Director) =>
    eventually(`${vip} on ${d.ns}'s ${VMAC_NAME} alone`, () => vipDevs(d).join() === VMAC_NAME && lab.directors.filter((o) => o !== d).every((o) => vipDevs(o).length === 0), {
      timeoutMs: DEADLINE_MS,
      detail: why,
    });
  /** net.ipv4.conf.<dev>.<key>, read as a file: `sysctl` would take the dot in vrrp.51 for a separator. */
  const sysctl = (d: Director, devKey: string) => ip(['netns', 'exec', d.ns, 'cat', `/proc/sys/net/ipv4/conf/${devKey.replace(/\.(?=[a-z_]+$)/, '/')}`]).trim();
  /** The MAC the client's ARP entry for the virtual address holds after a ping (`fresh`: the entry flushed first, so ARP is asked). */
  const clientSeesMac = async (fresh: boolean) => {
    if (fresh) ip(['-n', client.ns, 'neigh', 'flush', 'to', vip], true);
    await eventually(`${client.ns} to ping ${vip}`, async () => (await runCommand(['ip', 'netns', 'exec', client.ns, 'ping', `-${family}`, '-c', '1', '-W', '1', vip], { timeoutMs: 5_000 })).code === 0, {
      timeoutMs: DEADLINE_MS,
      detail: why,
    });
    const line = ip(['-n', client.ns, 'neigh', 'show', vip]);
    return /lladdr ([0-9a-f:]+)/.exec(line)?.[1] ?? line;
  };
  /** Source MACs of adverts from `from` seen on the client's link (tcpdump -e in the client's namespace). */
  const advertMacs = async (from: string) => {
    const r = await runCommand(['ip', 'netns', 'exec', client.ns, 'tcpdump', '-i', 'eth0', '-e', '-nn', '-c', '3', `${family === 4 ? 'ip' : 'ip6'} proto 112 and src host ${from}`], { timeoutMs: DEADLINE_MS });
    expect(r.timedOut, `tcpdump saw fewer than 3 adverts from ${from}: ${r.stdout}\n${r.stderr}\n${why()}`).toBe(false);
    return [...new Set(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[1]))];
  };

  it('the shim as master answers ARP and advertises from the virtual MAC; failover to keepalived and back keeps the client on that MAC; the macvlan goes at stop', async () => {
    const ka = start(kaHost, 'keepalived', 'ka', 100);
    const shim = start(shimHost, 'shim', 'shim1', 200);
    await heldOnVmacBy(shimHost);

    // The macvlan is the one keepalived makes: private mode, the virtual MAC, over eth0, with keepalived's sysctls.
    const link = JSON.parse(ip(['-n', shimHost.ns, '-j', '-d', 'link', 'show', 'dev', VMAC_NAME]))[0];
    expect({ mac: link.address, base: link.link, kind: link.linkinfo?.info_kind, mode: link.linkinfo?.info_data?.mode }).toEqual({ mac: VMAC, base: 'eth0', kind: 'macvlan', mode: 'private' });
    expect(['eth0.arp_ignore', 'eth0.arp_filter', `${VMAC_NAME}.arp_ignore`, `${VMAC_NAME}.accept_local`, `${VMAC_NAME}.rp_filter`].map((k) => `${k}=${sysctl(shimHost, k)}`)).toEqual([
      'eth0.arp_ignore=1',
      'eth0.arp_filter=1',
      `${VMAC_NAME}.arp_ignore=1`,
      `${VMAC_NAME}.accept_local=1`,
      `${VMAC_NAME}.rp_filter=0`,
    ]);

    expect(await clientSeesMac(true)).toBe(VMAC);
    expect(await advertMacs(shimHost.address)).toEqual([VMAC]);

    // A graceful stop hands the address to keepalived; the client's entry still holds the same MAC and it still answers.
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
    await heldOnVmacBy(kaHost);
    expect(await clientSeesMac(false)).toBe(VMAC);
    expect(ip(['-n', shimHost.ns, '-o', 'link', 'show'], true)).not.toContain(VMAC_NAME);
    expect(`eth0.arp_ignore=${sysctl(shimHost, 'eth0.arp_ignore')}`).toBe('eth0.arp_ignore=0');

    // Restarted, the higher priority shim preempts it back, from the same MAC.
    const shim2 = start(shimHost, 'shim', 'shim2', 200);
    await heldOnVmacBy(shimHost);
    expect(await clientSeesMac(false)).toBe(VMAC);
    expect(await advertMacs(shimHost.address)).toEqual([VMAC]);

    expect(await lab.stop(shim2, 'SIGTERM')).toBe(0);
    await eventually(`${VMAC_NAME} removed from ${shimHost.ns}`, () => !ip(['-n', shimHost.ns, '-o', 'link', 'show'], true).includes(VMAC_NAME), { timeoutMs: DEADLINE_MS, detail: why });
    await lab.stop(ka, 'SIGTERM');
  });

  it("the shim as backup hears keepalived's adverts through its macvlan and never takes the address, all.rp_filter=1 notwithstanding", async () => {
    const ka = start(kaHost, 'keepalived', 'ka-high', 200);
    await heldOnVmacBy(kaHost);
    // Strict reverse-path filtering host-wide would drop adverts on the macvlan (no route to the sender through it).
    ip(['netns', 'exec', shimHost.ns, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=1']);
    const shim = start(shimHost, 'shim', 'shim-low', 100);
    await eventually(`${VMAC_NAME} up on ${shimHost.ns}`, () => ip(['-n', shimHost.ns, '-o', 'link', 'show', 'up'], true).includes(VMAC_NAME), { timeoutMs: DEADLINE_MS, detail: why });
    // Twenty adverts received (two seconds at 0.1 s, far past a master-down interval) with keepalived still alone.
    await lab.adverts(shim, 'advertsReceived', 20, DEADLINE_MS);
    expect(vipDevs(shimHost)).toEqual([]);
    expect(vipDevs(kaHost)).toEqual([VMAC_NAME]);
    expect((await lab.freshStatus(shim)).instances[0]?.state).toBe('BACKUP');
    // As keepalived: all cleared, its value copied to the interfaces below it (eth0 filters as strictly as before).
    expect(['all.rp_filter', 'eth0.rp_filter'].map((k) => `${k}=${sysctl(shimHost, k)}`)).toEqual(['all.rp_filter=0', 'eth0.rp_filter=1']);
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
    expect(['all.rp_filter', 'eth0.rp_filter'].map((k) => `${k}=${sysctl(shimHost, k)}`)).toEqual(['all.rp_filter=1', 'eth0.rp_filter=0']);
    ip(['netns', 'exec', shimHost.ns, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0']);
    await lab.stop(ka, 'SIGTERM');
  });

  it('a macvlan deleted under a running master is rebuilt, its socket bound again, and the shim is master again', async () => {
    const ka = start(kaHost, 'keepalived', 'ka-low', 100);
    const shim = start(shimHost, 'shim', 'shim-high', 200);
    await heldOnVmacBy(shimHost);
    const before = Number(ip(['netns', 'exec', shimHost.ns, 'cat', `/sys/class/net/${VMAC_NAME}/ifindex`]).trim());
    // The gratuitous ARP the shim sends as master again, seen leaving its own eth0 (keepalived's, from the same MAC, come in).
    const garp = spawnDaemon('ip', ['netns', 'exec', shimHost.ns, 'tcpdump', '-i', 'eth0', '-Q', 'out', '-e', '-nn', '-l', '-c', '1', `arp and ether src ${VMAC}`]);
    await garp.waitForLine('tcpdump to listen', /listening on/, DEADLINE_MS);
    ip(['-n', shimHost.ns, 'link', 'del', 'dev', VMAC_NAME]);
    // Counted in the status file: built at start, and again after the deletion.
    const built = async () => ((await lab.freshStatus(shim)) as unknown as { vmacs?: { created: number } }).vmacs?.created;
    await eventually(`${shimHost.ns}'s shim to count ${VMAC_NAME} built twice`, async () => (await built()) === 2, { timeoutMs: DEADLINE_MS, detail: why });
    const after = Number(ip(['netns', 'exec', shimHost.ns, 'cat', `/sys/class/net/${VMAC_NAME}/ifindex`]).trim());
    expect(after).not.toBe(before);
    // Back as master on the new macvlan: adverts from it again, and the client reaches the address at the same MAC.
    await heldOnVmacBy(shimHost);
    expect(await advertMacs(shimHost.address)).toEqual([VMAC]);
    expect(await within('a gratuitous ARP from the rebuilt macvlan', garp.exited, DEADLINE_MS).catch(async (e) => `${e}\n${garp.output()}\n${why()}`)).toBe(0);
    expect(garp.output()).toMatch(new RegExp(`${VMAC} > ff:ff:ff:ff:ff:ff.*${vip.replace(/\./g, '\\.')}`));
    await garp.stop();
    expect(await clientSeesMac(true)).toBe(VMAC);
    await lab.stop(shim, 'SIGTERM');
    await lab.stop(ka, 'SIGTERM');
  });

  it('vmac_xmit_base: adverts leave by eth0 with its own MAC while ARP for the address still answers with the virtual MAC', async () => {
    extra = ['use_vmac', 'vmac_xmit_base'];
    const ka = start(kaHost, 'keepalived', 'ka-xb', 100);
    const shim = start(shimHost, 'shim', 'shim-xb', 200);
    await heldOnVmacBy(shimHost);
    const eth0Mac = JSON.parse(ip(['-n', shimHost.ns, '-j', 'link', 'show', 'dev', 'eth0']))[0].address as string;
    expect(await advertMacs(shimHost.address)).toEqual([eth0Mac]);
    expect(await clientSeesMac(true)).toBe(VMAC);
    // keepalived, backup, hears them on its eth0: ten adverts (past its master-down interval) and it has not taken over.
    await lab.adverts(shim, 'advertsSent', 10, DEADLINE_MS);
    expect(vipDevs(kaHost)).toEqual([]);
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
    await heldOnVmacBy(kaHost);
    expect(await clientSeesMac(false)).toBe(VMAC);
    await lab.stop(ka, 'SIGTERM');
  });

  it('IPv6: vrrp.51 with 00:00:5e:00:02:33 and eth0\'s link-local address; neighbour discovery and adverts use the virtual MAC, across failover', async () => {
    [vip, family, extra, vmacMac] = ['fd00:78:41::100', 6, ['use_vmac'], '00:00:5e:00:02:33'];
    const ka = start(kaHost, 'keepalived', 'ka6', 100);
    const shim = start(shimHost, 'shim', 'shim6', 200);
    await heldOnVmacBy(shimHost);
    const link = JSON.parse(ip(['-n', shimHost.ns, '-j', '-d', 'link', 'show', 'dev', VMAC_NAME]))[0];
    expect([link.address, link.inet6_addr_gen_mode]).toEqual([vmacMac, 'none']);
    // The advert source is eth0's link-local address, carried by the macvlan too (RFC 5798 7.4: never one of the virtual MAC).
    const ll = lab.linkLocal(shimHost);
    expect(ip(['-n', shimHost.ns, '-o', '-6', 'address', 'show', 'dev', VMAC_NAME])).toContain(`${ll}/64`);
    expect(await clientSeesMac(true)).toBe(vmacMac);
    expect(await advertMacs(ll)).toEqual([vmacMac]);
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
    await heldOnVmacBy(kaHost);
    expect(await clientSeesMac(false)).toBe(vmacMac);
    expect(ip(['-n', shimHost.ns, '-o', 'link', 'show'], true)).not.toContain(VMAC_NAME);
    await lab.stop(ka, 'SIGTERM');
  });

  it('kill -HUP without use_vmac deletes the macvlan and puts the address on eth0; with it again, the macvlan is back', async () => {
    const shim = start(shimHost, 'shim', 'shim-hup', 200);
    await heldOnVmacBy(shimHost);
    await eventually('the shim to handle SIGHUP', () => handlesSignal(shim.daemon.pid, 'SIGHUP'), { timeoutMs: DEADLINE_MS, detail: why });
    const reloads = () => shim.output().match(/"msg":"reloaded"/g)?.length ?? 0;
    const reloadWith = async (lines: string[]) => {
      const before = reloads();
      extra = lines;
      conf('shim-hup', 200);
      shim.daemon.signal('SIGHUP');
      await eventually('the shim to log "reloaded" after SIGHUP', () => reloads() > before, { timeoutMs: DEADLINE_MS, detail: why });
    };
    await reloadWith([]);
    await eventually(`${vip} on ${shimHost.ns}'s eth0 and ${VMAC_NAME} gone`, () => vipDevs(shimHost).join() === 'eth0' && !ip(['-n', shimHost.ns, '-o', 'link', 'show'], true).includes(VMAC_NAME), {
      timeoutMs: DEADLINE_MS,
      detail: why,
    });
    await reloadWith(['use_vmac']);
    await heldOnVmacBy(shimHost);
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
  });

  it('--dont-release-vrrp leaves the macvlan and the address on it; the next start adopts that macvlan', async () => {
    const first = lab.shim(shimHost, 'shim-keep', conf('shim-keep', 200), ['--dont-release-vrrp']);
    procs.push(first);
    await heldOnVmacBy(shimHost);
    const index = () => ip(['netns', 'exec', shimHost.ns, 'cat', `/sys/class/net/${VMAC_NAME}/ifindex`]).trim();
    const before = index();
    expect(await lab.stop(first, 'SIGTERM')).toBe(0);
    expect([vipDevs(shimHost).join(), index()]).toEqual([VMAC_NAME, before]);
    const second = start(shimHost, 'shim', 'shim-keep2', 200);
    await second.daemon.waitForLine('the shim to adopt the macvlan', /"msg":"vmac ready".*"created":false/, DEADLINE_MS);
    await heldOnVmacBy(shimHost);
    expect(index()).toBe(before);
    expect(await lab.stop(second, 'SIGTERM')).toBe(0);
    expect(ip(['-n', shimHost.ns, '-o', 'link', 'show'], true)).not.toContain(VMAC_NAME);
  });

  it('an interface of that name that is no macvlan: the instance stays FAULT, the failure is logged and counted, and retried until it is gone', async () => {
    // A veth pair, both ends up, so the foreign vrrp.51 is up and running (no dummy module in this kernel).
    ip(['-n', shimHost.ns, 'link', 'add', 'name', VMAC_NAME, 'type', 'veth', 'peer', 'name', 'vmx0']);
    for (const dev of [VMAC_NAME, 'vmx0']) ip(['-n', shimHost.ns, 'link', 'set', dev, 'up']);
    const shim = start(shimHost, 'shim', 'shim-taken', 200);
    await shim.daemon.waitForLine('the shim to refuse the foreign interface', /"msg":"vmac failed; will retry".*is not a macvlan/, DEADLINE_MS);
    // Counted by the main thread's Faults (vigil_shim_faults_total{where="vrrp_vmac"}), said once for the burst.
    await shim.daemon.waitForLine('the fault to reach the main thread', /"msg":"fault","where":"vrrp_vmac","reason":"setup_failed"/, DEADLINE_MS);
    type VmacStatus = { instances: Array<{ state: string }>; vmacs: { errors: number; failing: Record<string, string> } };
    const st = (await lab.freshStatus(shim)) as unknown as VmacStatus;
    expect([st.instances[0]?.state, st.vmacs.errors >= 1, Object.keys(st.vmacs.failing)]).toEqual(['FAULT', true, [VMAC_NAME]]);
    expect(vipDevs(shimHost)).toEqual([]);
    ip(['-n', shimHost.ns, 'link', 'del', VMAC_NAME]);
    await heldOnVmacBy(shimHost);
    expect(JSON.parse(ip(['-n', shimHost.ns, '-j', '-d', 'link', 'show', 'dev', VMAC_NAME]))[0].linkinfo?.info_kind).toBe('macvlan');
    expect(shim.output()).toMatch(/"msg":"vmac recovered"/);
    await shim.daemon.waitForLine('the fault burst to end', /"msg":"fault burst over","where":"vrrp_vmac"/, DEADLINE_MS);
    expect(shim.output().match(/"msg":"fault","where":"vrrp_vmac"/g), 'one fault line for the whole burst').toHaveLength(1);
    expect(await lab.stop(shim, 'SIGTERM')).toBe(0);
  });
});
