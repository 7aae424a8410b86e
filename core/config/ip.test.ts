import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupsToIpv6, ipv6ToGroups, isIPv4, isIPv6, parsePrefix } from './ip.ts';

describe('address parsing', () => {
  it('accepts the address forms keepalived configs use', () => {
    for (const a of ['::', '::1', 'ae00::2', 'fe80::1%eth0', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4']) expect(isIPv6(a), a).toBe(true);
    for (const a of ['10.0.0.1', '0.0.0.0', '255.255.255.255']) expect(isIPv4(a), a).toBe(true);
  });
  it('rejects the broken ones an operator might type', () => {
    for (const a of ['1::2::3', ':1', '1:', 'g::1', '1:2:3:4:5:6:7:8:9', 'fe80::1%']) expect(isIPv6(a), a).toBe(false);
    for (const a of ['192.168.100.', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1.2.3.-1', '']) expect(isIPv4(a), a).toBe(false);
    expect(parsePrefix('192.168.100./24')).toBeNull();
    expect(parsePrefix('10.0.0.0/33')).toBeNull();
    expect(parsePrefix('fe80::/64')).toEqual({ address: 'fe80::', family: 6, prefixLength: 64 });
  });
  it('canonicalises IPv6 groups', () => {
    expect(groupsToIpv6(ipv6ToGroups('ae00:0:0:0:0:0:0:2'))).toBe('ae00::2');
    expect(groupsToIpv6(ipv6ToGroups('::ffff:1.2.3.4'))).toBe('::ffff:102:304');
  });
  it('isIPv4 agrees with the four-runs-of-1-3-digits rule on every string', () => {
    const rule = (s: string) => {
      const parts = s.split('.');
      return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
    };
    const str = fc.array(fc.constantFrom('.', '0', '1', '2', '5', '9', '25', '255', '256', '1000', 'a', ' ', '-', '٣'), { maxLength: 12 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(str, (s) => {
        expect(isIPv4(s), s).toBe(rule(s));
      }),
      { numRuns: 20000, seed: 12 },
    );
  });
});
