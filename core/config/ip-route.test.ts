import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { PARITY } from '../../test/helpers/parity-fixtures.ts';
import { readFiles } from '../../test/helpers/read-config.ts';
import { readKeepalivedConfig } from '../keepalived/index.ts';
import { parseRoute, parseRule, RTPROT_KEEPALIVED } from './ip-route.ts';

const w = (s: string) => s.split(' ');

describe('virtual_routes lines as keepalived reads them', () => {
  it('reads every supported form into what the kernel is told', () => {
    const r = parseRoute(w('src 192.0.2.10 to blackhole 198.51.100.0/24 table 1000 metric 0x10 scope link protocol static tos 0x10 onlink add no_track'));
    expect(r).toEqual({
      ok: true,
      notes: [],
      unsupported: [],
      value: {
        family: 4, dst: { address: '198.51.100.0', length: 24 }, type: 6, typeSet: true, src: '192.0.2.10', table: 1000, metric: 16,
        scope: 253, protocol: 4, tos: 16, onlink: true, mode: 'add', track: false,
      },
    });
    const v6 = parseRoute(w('inet6 default via 2001:db8::1 from 2001:db8:1::/64 dev eth0 table main append'));
    expect(v6.ok && v6.value).toMatchObject({ family: 6, dst: { address: '', length: 0 }, via: '2001:db8::1', from: { address: '2001:db8:1::', length: 64 }, table: 254, mode: 'append', protocol: RTPROT_KEEPALIVED });
  });

  it('names what the shim cannot encode, by word, and still reads the line', () => {
    const r = parseRoute(w('198.51.100.0/24 via 192.0.2.1 dev eth0 mtu lock 1400 table custom realms 3 nexthop via 192.0.2.2'));
    expect(r.ok && r.unsupported).toEqual([
      { at: 5, message: 'mtu' },
      { at: 9, message: 'table custom' },
      { at: 10, message: 'realms' },
      { at: 12, message: 'nexthop' },
    ]);
  });

  it("drops a line with keepalived's message at the offending word", () => {
    expect(parseRoute(w('198.51.100.0/24 src 2001:db8::1'))).toMatchObject({ ok: false, error: { at: 2, message: 'Cannot mix IPv4 and IPv6 addresses for route' } });
    expect(parseRoute(w('via 192.0.2.1 dev eth0'))).toMatchObject({ ok: false, error: { at: 0, message: 'Route must have a destination' } });
    expect(parseRoute(w('198.51.100.0/24 metric'))).toMatchObject({ ok: false, error: { at: 1, message: 'Invalid metric  specified for route' } });
    expect(parseRoute(w('198.51.100.0/33 dev eth0'))).toMatchObject({ ok: false, error: { at: 0, message: 'unknown route keyword 198.51.100.0/33' } });
  });
});

describe('virtual_rules lines as keepalived reads them', () => {
  it('reads selectors and actions; protocol is keepalived unless no_track', () => {
    const r = parseRule(w('not from 192.0.2.0/24 to 198.51.0.0/16 fwmark 0x10/0xff iif eth0 oif eth1 uidrange 1-2 ipproto udp sport 1-2 dport 3-4 tos 8 lookup 100 preference 7'));
    expect(r.ok && r.value).toEqual({
      family: 4, action: 1, table: 100, invert: true, from: { address: '192.0.2.0', length: 24 }, to: { address: '198.51.0.0', length: 16 }, priority: 7, tos: 8,
      fwmark: 16, fwmask: 255, iif: 'eth0', oif: 'eth1', uidrange: [1, 2], protocol: RTPROT_KEEPALIVED, ipproto: 17, sport: [1, 2], dport: [3, 4], track: true,
    });
    expect(parseRule(w('from all priority 5 protocol 4 no_track unreachable'))).toMatchObject({ ok: true, value: { action: 7, protocol: 4 } });
    expect(parseRule(w('from all priority 5 type goto 6'))).toMatchObject({ ok: true, value: { action: 2, goto: 6 } });
  });

  it("drops what keepalived drops, with keepalived's words", () => {
    expect(parseRule(w('from all table 0 priority 1'))).toMatchObject({ ok: false, error: { message: 'Table 0 is not valid' } });
    expect(parseRule(w('from all priority 1 local'))).toMatchObject({ ok: false, error: { message: 'Invalid rule action local' } });
    expect(parseRule(w('from 192.0.2.1 to 2001:db8::1 table 1'))).toMatchObject({ ok: false, error: { at: 3, message: 'rule specification has mixed IPv4 and IPv6' } });
  });
});

describe('the reader on virtual_routes / virtual_rules', () => {
  const conf = (routes: string[], rules: string[]) => `vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.0.2.10/24
    }
    virtual_routes {
${routes.map((r) => `        ${r}`).join('\n')}
    }
    virtual_rules {
${rules.map((r) => `        ${r}`).join('\n')}
    }
}
`;

  it('keeps valid lines word for word (export prints them back), drops bad ones with a warning at the word', () => {
    const res = readFiles({ 'keepalived.conf': conf(['198.51.100.0/24 via 192.0.2.1 dev eth0', '198.51.101.0/24 metric x dev eth0'], ['from 192.0.2.0/24 table 7 priority 100']) });
    expect(res.lines).toEqual(['keepalived.conf:10:32: warning: virtual_routes: Invalid metric x specified for route; line skipped, as keepalived does']);
    const vi = res.ok ? res.config.vrrpInstances[0] : undefined;
    expect(vi?.virtualRoutes).toEqual([{ words: ['198.51.100.0/24', 'via', '192.0.2.1', 'dev', 'eth0'] }]);
    expect(vi?.virtualRules).toEqual([{ words: ['from', '192.0.2.0/24', 'table', '7', 'priority', '100'] }]);
  });

  it('a bad rule address: a warning at the word, the line dropped (keepalived -t exits 5 and runs without it)', () => {
    const res = readFiles({ 'keepalived.conf': 'static_rules {\n  from 10.0.0.0/8 to 10.1./16 table 3\n}\n' });
    expect(res.lines).toEqual(['keepalived.conf:2:22: warning: static_rules: Invalid rule to address 10.1./16; line skipped, as keepalived does']);
    expect(res.ok && res.config.staticRules).toEqual([]);
  });

  it('records words the shim cannot encode, in static and virtual blocks, so the shim refuses to start there', () => {
    const res = readFiles({
      'keepalived.conf': `static_routes {\n    198.51.100.0/24 dev eth0 mtu 1400\n}\nstatic_rules {\n    from all table 7 priority 5\n}\n${conf(['198.51.100.0/24 dev eth0 encap mpls 100'], ['from all table 7 priority 5 l3mdev'])}`,
    });
    expect(res.ok && res.shimUnimplemented?.map((u) => `${u.keyword}@${u.pos.line}:${u.pos.col}`)).toEqual([
      'static_routes mtu@2:30',
      'virtual_routes encap@15:34',
      'virtual_rules l3mdev@18:37',
    ]);
  });
});

describe('the routes-rules parity fixture', () => {
  it('warns on the very lines keepalived 2.2.7 -t reports (captured from `keepalived -t -l -f routes-rules.conf`), and keeps the rest', () => {
    const res = readKeepalivedConfig(join(PARITY, 'routes-rules.conf'), { host: nodeConfigHost, configId: 'x' });
    expect([...new Set(res.diagnostics.map((d) => d.line))]).toEqual([12, 13, 14, 15, 16, 17, 21, 22, 23, 24, 25, 26]);
    const vi = res.ok ? res.config.vrrpInstances[0] : undefined;
    // Kept: 11, 15 (gw), 16 (no dev); rules 20, 21 (no preference), 26 (dport ignored).
    expect(vi?.virtualRoutes.map((r) => r.words[0])).toEqual(['198.51.100.0/24', '198.51.103.0/24', '198.51.104.0/24']);
    expect(vi?.virtualRules.length).toBe(3);
  });
});
