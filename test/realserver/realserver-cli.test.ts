import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { ip, labUnavailable } from '../vrrp/lab.ts';
import { arpSysctls, loAddresses, realserverIn, setSysctl } from './netns.ts';

const skip = labUnavailable();
const NS = `vrs-cli-${process.pid}`;
const BASE_LO = ['127.0.0.1/8', '::1/128'].sort();

describe.skipIf(!!skip)(skipTitle('vigil realserver setup: the real CLI in a network namespace of its own', skip), () => {
  let dir: string;
  let stateDir: string;
  const stateFile = () => join(stateDir, 'realserver.json');
  const run = (args: string[], o?: { asUser?: number }) => realserverIn(NS, stateDir, args, o);
  const sysctls = () => arpSysctls(NS, ['all', 'eth0', 'eth1']);

  beforeAll(async () => {
    spawnSync('ip', ['netns', 'del', NS], { timeout: 10_000 }); // a leftover of a killed run with this pid
    ip(['netns', 'add', NS]);
    ip(['-n', NS, 'link', 'set', 'lo', 'up']);
    ip(['-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    // A value an operator set before: --undo must bring back 1, not the kernel's default 0.
    await setSysctl(NS, 'net.ipv4.conf.all.arp_announce', 1);
    dir = mkdtempSync(join(tmpdir(), 'vigil-realserver-'));
    stateDir = join(dir, 'state');
  }, 60_000);

  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  const before = { 'net.ipv4.conf.all.arp_ignore': 0, 'net.ipv4.conf.all.arp_announce': 1, 'net.ipv4.conf.eth0.arp_ignore': 0, 'net.ipv4.conf.eth0.arp_announce': 0, 'net.ipv4.conf.eth1.arp_ignore': 0, 'net.ipv4.conf.eth1.arp_announce': 0 };
  const set = { ...before, 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2, 'net.ipv4.conf.eth0.arp_ignore': 1, 'net.ipv4.conf.eth0.arp_announce': 2 };
  const setupArgs = ['--vip', '192.0.2.10', '--vip', '2001:DB8:0::10/128', '--interface', 'eth0'];
  const setupLines = [
    'sysctl -w net.ipv4.conf.all.arp_ignore=1',
    'sysctl -w net.ipv4.conf.all.arp_announce=2',
    'sysctl -w net.ipv4.conf.eth0.arp_ignore=1',
    'sysctl -w net.ipv4.conf.eth0.arp_announce=2',
    'ip -4 address add 192.0.2.10/32 dev lo',
    'ip -6 address add 2001:db8::10/128 dev lo nodad',
  ];

  it('--dry-run prints exactly the changes as argument lists, sysctls before addresses, and changes nothing', async () => {
    const r = await run([...setupArgs, '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(setupLines.join('\n') + '\n');
    expect(r.err).toContain('dry run: 6 changes listed, none made');
    expect(loAddresses(NS)).toEqual(BASE_LO);
    expect(await sysctls()).toEqual(before);
    expect(existsSync(stateFile())).toBe(false);
  });

  it('sets up: the VIPs on lo as /32 and /128, the ARP sysctls on all and the named interface only, the values before recorded', async () => {
    const r = await run(setupArgs);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(setupLines.join('\n') + '\n');
    expect(loAddresses(NS)).toEqual([...BASE_LO, '192.0.2.10/32', '2001:db8::10/128'].sort());
    expect(await sysctls()).toEqual(set);
    const state = JSON.parse(readFileSync(stateFile(), 'utf8')) as { before: Array<{ iface: string; param: string; value: number }> };
    expect(state.before).toContainEqual({ iface: 'all', param: 'arp_announce', value: 1 });
  });

  it('a second run changes nothing and says so', async () => {
    const state = readFileSync(stateFile(), 'utf8');
    const r = await run(setupArgs);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain('nothing to change: every VIP is on lo and the ARP sysctls are set');
    expect(readFileSync(stateFile(), 'utf8')).toBe(state);
    const dry = await run([...setupArgs, '--dry-run']);
    expect(dry.out).toBe('');
    expect(dry.err).toContain('nothing would change');
  });

  it('a later setup with one more VIP adds only that one, and keeps the values from before the first setup', async () => {
    const r = await run(['--vip', '192.0.2.11', '--interface', 'eth0']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('ip -4 address add 192.0.2.11/32 dev lo\n');
    const state = JSON.parse(readFileSync(stateFile(), 'utf8')) as { vips: string[]; before: Array<{ iface: string; param: string; value: number }> };
    expect(state.vips).toEqual(['192.0.2.10/32', '2001:db8::10/128', '192.0.2.11/32']);
    expect(state.before.find((b) => b.iface === 'all' && b.param === 'arp_ignore')?.value).toBe(0);
  });

  it('--undo removes every VIP setup added and puts each sysctl back to its value before (1 stays 1); a second --undo has nothing to do', async () => {
    const dry = await run(['--undo', '--dry-run']);
    expect(dry.out.split('\n').filter(Boolean)).toEqual([
      'ip -4 address del 192.0.2.10/32 dev lo',
      'ip -6 address del 2001:db8::10/128 dev lo',
      'ip -4 address del 192.0.2.11/32 dev lo',
      'sysctl -w net.ipv4.conf.all.arp_ignore=0',
      'sysctl -w net.ipv4.conf.all.arp_announce=1',
      'sysctl -w net.ipv4.conf.eth0.arp_ignore=0',
      'sysctl -w net.ipv4.conf.eth0.arp_announce=0',
    ]);
    expect(loAddresses(NS)).toHaveLength(BASE_LO.length + 3);
    const r = await run(['--undo']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(dry.out);
    expect(loAddresses(NS)).toEqual(BASE_LO);
    expect(await sysctls()).toEqual(before);
    expect(existsSync(stateFile())).toBe(false);
    const again = await run(['--undo']);
    expect(again.code).toBe(0);
    expect(again.out).toBe('');
    expect(again.err).toContain('nothing to undo');
  });

  it('--undo after an interface it set is gone: says so, restores the rest, removes the VIP', async () => {
    ip(['-n', NS, 'link', 'add', 'ethx', 'type', 'veth', 'peer', 'name', 'ethy']);
    const r = await run(['--vip', '192.0.2.20', '--interface', 'ethx']);
    expect(r.code, r.err).toBe(0);
    ip(['-n', NS, 'link', 'del', 'ethx']);
    const undo = await run(['--undo']);
    expect(undo.code, undo.err).toBe(0);
    expect(undo.err).toContain('interface ethx is gone: nothing to restore there');
    expect(loAddresses(NS)).toEqual(BASE_LO);
    expect(await sysctls()).toEqual(before);
    expect(existsSync(stateFile())).toBe(false);
  });

  it.each([
    [['--vip', 'not-an-ip'], '--vip not-an-ip: not an IPv4 or IPv6 address'],
    [['--vip', '192.0.2.10/24'], '--vip 192.0.2.10/24: a VIP on lo must be one address (/32)'],
    [['--vip', '127.0.0.5'], '--vip 127.0.0.5: a loopback address cannot be a VIP'],
    [['--vip', 'fe80::1%eth0'], '--vip fe80::1%eth0: not an IPv4 or IPv6 address'],
    [['--vip', '192.0.2.10', '--interface', 'eth9'], '--interface eth9: no such interface in this network namespace'],
    [['--vip', '192.0.2.10', '--interface', '../../kernel'], 'not an interface name'],
    [['--interface', 'eth0'], 'give at least one --vip'],
  ])('refuses %j with exit 64, naming what is wrong, and changes nothing', async (args, message) => {
    const r = await run(args);
    expect(r.code, r.err).toBe(64);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
    expect(loAddresses(NS)).toEqual(BASE_LO);
    expect(await sysctls()).toEqual(before);
  });

  it('not root: exit 77 saying so, nothing changed; --dry-run still works', async () => {
    const r = await run(setupArgs, { asUser: 65534 });
    expect(r.code, r.err).toBe(77);
    expect(r.err).toContain('needs root');
    expect(loAddresses(NS)).toEqual(BASE_LO);
    expect(await sysctls()).toEqual(before);
    const dry = await run([...setupArgs, '--dry-run'], { asUser: 65534 });
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toBe(setupLines.join('\n') + '\n');
  });

  it('a state file that is corrupt or names a path instead of an interface is refused, naming the file and the field, and left as it is', async () => {
    mkdirSync(stateDir, { recursive: true });
    for (const [text, field] of [
      ['{"v":1,', 'not JSON'],
      [JSON.stringify({ v: 1, vips: [], before: [{ iface: '../../../kernel', param: 'arp_ignore', value: 1 }] }), 'before.0.iface: not an interface name'],
    ] as const) {
      writeFileSync(stateFile(), text);
      for (const args of [setupArgs, ['--undo']]) {
        const r = await run(args);
        expect(r.code, r.err).toBe(1);
        expect(r.err).toContain(`${stateFile()}: ${field}`);
        expect(readFileSync(stateFile(), 'utf8')).toBe(text);
      }
    }
    expect(loAddresses(NS)).toEqual(BASE_LO);
    expect(await sysctls()).toEqual(before);
    rmSync(stateFile());
  });
});
