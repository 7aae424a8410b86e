import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/helpers/config-from.ts';
import { keepalivedConf, type InstanceConf } from '../../test/vrrp/conf.ts';
import { planVrrp } from './plan.ts';
import { defaultVmacName as nameOf } from '../../core/keepalived/use-vmac.ts';
import { advertIfname, linkLocalOf, sourceIfname } from './vmac.ts';

const vi = (o: Partial<InstanceConf> = {}): InstanceConf => ({ name: 'VI_1', priority: 100, vip: '192.0.2.10/24', version: 3, ...o });
const plan = (instances: InstanceConf[], globals: string[] = []) => planVrrp(configFrom(keepalivedConf('r', instances, globals)));
const one = (o: Partial<InstanceConf>, globals: string[] = []) => plan([vi(o)], globals).instances[0]!;

describe('use_vmac planned as keepalived plans it', () => {
  it('vrrp.<VRID>, 00:00:5e:00:01:<VRID>, over the configured interface; addresses, adverts and GARPs on the macvlan, sent from eth0\'s address', () => {
    const p = one({ vrid: 51, extra: ['use_vmac'] });
    expect(p.vmac).toMatchObject({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33', family: 4, xmitBase: false });
    expect([p.ifname, advertIfname(p), sourceIfname(p), p.addresses[0]?.dev]).toEqual(['vrrp.51', 'vrrp.51', 'eth0', 'vrrp.51']);
    // The macvlan is tracked beside eth0: gone or down means FAULT until it is rebuilt.
    expect(p.tracks.map((t) => t.target)).toEqual(['eth0', 'vrrp.51']);
  });

  it('IPv6: 00:00:5e:00:02:<VRID>, and vrrp6.<VRID> when an IPv4 instance of that VRID has vrrp.<VRID>', () => {
    const p = plan([vi({ vrid: 7, extra: ['use_vmac'] }), vi({ name: 'VI_6', vrid: 7, vip: '2001:db8::7/64', extra: ['use_vmac'] })]);
    expect(p.instances.map((i) => [i.vmac?.name, i.vmac?.mac])).toEqual([
      ['vrrp.7', '00:00:5e:00:01:07'],
      ['vrrp6.7', '00:00:5e:00:02:07'],
    ]);
  });

  it('a name, a MAC (five octets take the VRID), vmac_prefix, and names keepalived refuses', () => {
    expect(one({ vrid: 9, extra: ['use_vmac vip9 02:11:22:33:44'] }).vmac).toMatchObject({ name: 'vip9', mac: '02:11:22:33:44:09' });
    expect(one({ vrid: 9, extra: ['use_vmac name x 02:11:22:33:44:55'] }).vmac).toMatchObject({ name: 'x', mac: '02:11:22:33:44:55' });
    expect(one({ vrid: 9, extra: ['use_vmac'] }, ['vmac_prefix vm']).vmac?.name).toBe('vm.9');
    const bad = one({ vrid: 9, extra: ['use_vmac name:bad 01:00:00:00:00:01'] }).vmac!;
    expect([bad.name, bad.mac]).toEqual(['vrrp.9', '00:00:5e:00:01:09']);
    expect(bad.notices.join('\n')).toMatch(/multicast/);
    expect(nameOf('averyveryverylongprefix', 200, 4, new Map())).toBe('averyveryve.200');
  });

  it('vmac_xmit_base sends from eth0; unicast peers set it, as keepalived does; an other-family address stays on eth0', () => {
    const x = one({ extra: ['use_vmac', 'vmac_xmit_base'] });
    expect([advertIfname(x), x.ifname]).toEqual(['eth0', 'vrrp.51']);
    const u = one({ unicastSrc: '192.0.2.1', unicastPeers: ['192.0.2.2'], extra: ['use_vmac'] });
    expect(u.vmac?.xmitBase).toBe(true);
    expect(u.vmac?.notices.join()).toMatch(/requires vmac_xmit_base/);
    const mixed = one({ extra: ['use_vmac', 'virtual_ipaddress_excluded {', '  2001:db8::1/64', '  192.0.2.20/24 dev eth1', '}'] });
    expect(mixed.excludedAddresses.map((a) => `${a.address}@${a.dev}`)).toEqual(['2001:db8::1/64@eth0', '192.0.2.20/24@eth1']);
    expect(mixed.vmac?.otherFamilyExcluded).toBe(true);
  });

  it('without use_vmac nothing changes, and vmac_xmit_base alone does nothing (keepalived clears it)', () => {
    const p = one({ extra: ['vmac_xmit_base'] });
    expect([p.vmac, p.ifname, p.addresses[0]?.dev]).toEqual([undefined, 'eth0', undefined]);
  });

  it('the EUI-64 link-local address of a MAC', () => {
    expect(linkLocalOf('52:54:00:12:34:56')).toBe('fe80::5054:ff:fe12:3456');
  });
});
