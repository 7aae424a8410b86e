import { describe, expect, it } from 'vitest';
import { Config } from '../../core/config/model.ts';
import { internetChecksum, passwordBytes, type Advert } from './codec.ts';
import { gratuitousArp, unsolicitedNa } from './link-frames.ts';
import { planVrrp } from './plan.ts';
import { checkAdvert, type ReceivePolicy } from './receive-check.ts';

const policy: ReceivePolicy = {
  version: 2, vrid: 51, advertIntMs: 1000, authType: 1, authData: passwordBytes('secret12'),
  unicastPeers: [], checkUnicastSrc: false, ownAddresses: new Set(['10.77.0.2']),
};
const advert: Advert = { version: 2, vrid: 51, priority: 150, advertIntMs: 1000, addresses: ['10.77.0.100'], authType: 1, authData: passwordBytes('secret12') };
const meta = { source: '10.77.0.1', destination: '224.0.0.18', ttl: 255, multicast: true };
const vips = ['10.77.0.100'];

describe('receive checks (keepalived vrrp_check_packet)', () => {
  it('accepts a good advert', () => {
    expect(checkAdvert(policy, meta, advert, vips)).toEqual({ ok: true, warnings: [] });
  });

  it('drops each kind of bad advert with its reason', () => {
    expect(checkAdvert(policy, { ...meta, ttl: 64 }, advert, vips)).toEqual({ ok: false, reason: 'bad-ttl' });
    expect(checkAdvert(policy, meta, { ...advert, vrid: 52 }, vips)).toEqual({ ok: false, reason: 'unknown-vrid' });
    expect(checkAdvert(policy, meta, { ...advert, authData: passwordBytes('wrong') }, vips)).toEqual({ ok: false, reason: 'auth-mismatch' });
    expect(checkAdvert(policy, meta, { ...advert, authType: 0 }, vips)).toEqual({ ok: false, reason: 'auth-mismatch' });
    expect(checkAdvert(policy, meta, { ...advert, authType: 7 }, vips)).toEqual({ ok: false, reason: 'bad-auth-type' });
    expect(checkAdvert(policy, meta, { ...advert, advertIntMs: 2000 }, vips)).toEqual({ ok: false, reason: 'interval-mismatch' });
    expect(checkAdvert(policy, meta, { ...advert, version: 3 }, vips)).toEqual({ ok: false, reason: 'bad-version' });
    expect(checkAdvert(policy, { ...meta, destination: '10.77.0.2', multicast: false }, advert, vips)).toEqual({ ok: false, reason: 'wrong-destination' });
    expect(checkAdvert(policy, { ...meta, source: '10.77.0.2' }, advert, vips)).toEqual({ ok: false, reason: 'own-packet' });
  });

  it('counts but accepts a different address list, as keepalived does', () => {
    expect(checkAdvert(policy, meta, { ...advert, addresses: ['10.77.0.101'] }, vips)).toEqual({ ok: true, warnings: ['address-list'] });
  });

  it('unicast: TTL is not forced to 255, peers and their TTL bounds are', () => {
    const uni = { ...policy, unicastPeers: [{ ip: '10.77.0.1', minTtl: 250 }], checkUnicastSrc: true };
    const m = { ...meta, destination: '10.77.0.2', multicast: false };
    expect(checkAdvert(uni, { ...m, ttl: 252 }, advert, vips).ok).toBe(true);
    expect(checkAdvert(uni, { ...m, ttl: 64 }, advert, vips)).toEqual({ ok: false, reason: 'bad-ttl' });
    expect(checkAdvert(uni, { ...m, source: '10.77.0.9' }, advert, vips)).toEqual({ ok: false, reason: 'unknown-peer' });
    expect(checkAdvert(uni, meta, advert, vips)).toEqual({ ok: false, reason: 'wrong-destination' });
  });
});

describe('gratuitous ARP and unsolicited NA frames', () => {
  const mac = Buffer.from('f2f3793ed0ef', 'hex');
  it('lays out a gratuitous ARP request as keepalived does', () => {
    expect(gratuitousArp(mac, '10.77.0.100').toString('hex')).toBe(
      'ffffffffffff' + 'f2f3793ed0ef' + '0806' + '0001' + '0800' + '06' + '04' + '0001' + 'f2f3793ed0ef' + '0a4d0064' + 'ffffffffffff' + '0a4d0064',
    );
  });

  it('builds an NA to all nodes with hop limit 255, Override, and a valid ICMPv6 checksum', () => {
    const f = unsolicitedNa(mac, '2001:db8::100');
    expect(f.subarray(0, 6).toString('hex')).toBe('333300000001');
    expect(f[14 + 7]).toBe(255);
    const icmp = f.subarray(54);
    expect(icmp[0]).toBe(136);
    expect(icmp.readUInt32BE(4)).toBe(0x20000000);
    const pseudo = Buffer.concat([f.subarray(22, 54), Buffer.from([0, 0, 0, 32, 0, 0, 0, 58])]);
    expect(internetChecksum(pseudo, icmp)).toBe(0);
  });
});

describe('plan: keepalived defaults and precedence', () => {
  const cfg = (vi: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    planVrrp(Config.parse({ vrrpInstances: [{ name: 'VI_1', interface: 'eth0', virtualRouterId: 51, ...vi }], ...extra }));

  it('IPv6 forces v3; v2 intervals round to seconds; initial MASTER clears nopreempt and preempt_delay', () => {
    const p = cfg({ virtualIpaddress: [{ address: '2001:db8::1/64' }], version: 2 }).instances[0]!;
    expect([p.family, p.version, p.destination]).toEqual([6, 3, 'ff02::12']);
    const q = cfg({ advertIntMs: 1400, state: 'MASTER', nopreempt: true, preemptDelayMs: 5000 }).instances[0]!;
    expect([q.version, q.advertIntMs, q.nopreempt, q.preemptDelayMs]).toEqual([2, 1000, false, 0]);
  });

  it('garp lower-priority values default to the master ones, globals to keepalived defaults', () => {
    const p = cfg({ garpMasterRepeat: 2 }).instances[0]!;
    expect(p.garp).toEqual({ delayMs: 5000, repeat: 2, refreshMs: 0, refreshRepeat: 1, lowerPrioDelayMs: 5000, lowerPrioRepeat: 2 });
  });

  it('tracks the own interface unless dont_track_primary; track_script weight overrides the script', () => {
    const p = cfg(
      { trackScript: [{ name: 'chk', weight: -20 }] },
      { vrrpScripts: [{ name: 'chk', script: { command: '/bin/true' }, weight: 5 }] },
    ).instances[0]!;
    expect(p.tracks.map((t) => [t.kind, t.name, t.weight])).toEqual([['interface', 'eth0', 0], ['script', 'chk', -20]]);
    expect(cfg({ dontTrackPrimary: true }).instances[0]!.tracks).toEqual([]);
  });

  it('refuses what it cannot run, as values', () => {
    expect(cfg({ authentication: { type: 'AH', pass: 'x' } }).problems[0]).toMatch(/AH is not supported/);
    expect(cfg({ trackScript: [{ name: 'nope' }] }).problems[0]).toMatch(/not a vrrp_script/);
  });
});
