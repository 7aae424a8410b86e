/**
 * The rtnetlink encoders (shim/vrrp/rtnetlink-routes.ts) against the kernel:
 * a keepalived.conf's virtual_routes / virtual_rules read by the real reader,
 * applied inside a namespace this test creates, then read back with
 * `ip -j route show` / `ip -j rule show` as an operator would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { ip, labUnavailable, REPO } from './lab.ts';

const skip = labUnavailable();
const NS = `vgr-${process.pid}`;

const CONF = `vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        10.9.0.10/24
    }
    virtual_routes {
        198.51.100.0/24 via 10.9.0.1 dev eth0 table 100
        src 10.9.0.10 198.51.101.0/24 dev eth0 table 100 metric 7
        blackhole 198.51.102.0/24 table 100
        default via 10.9.0.1 table 1000 no_track
        to 198.51.103.0/24 dev eth0 scope link protocol static no_track table 100
        203.0.113.0/24 via 10.7.0.1 dev eth0 onlink table 100
        2001:db8:1::/64 via 2001:db8::1 dev eth0 table 100
    }
    virtual_rules {
        from 10.9.0.10 table 100 priority 100
        to 198.51.0.0/16 fwmark 0x10/0xff iif eth0 lookup 100 preference 101
        from 10.9.0.0/24 priority 102 goto 104
        from 10.9.0.0/24 to 192.0.2.0/24 priority 103 uidrange 100-200 ipproto tcp dport 80-81 prohibit
        not from 10.9.0.0/24 to 192.0.2.0/24 table 1000 oif eth0
        from 2001:db8::/64 table 100 priority 105
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority 100
    virtual_ipaddress {
        10.9.0.11/24
    }
    virtual_routes {
        198.51.110.0/24 via 10.8.0.1 table 100
        198.51.111.0/24 dev eth0 table 100
    }
}
vrrp_instance VI_3 {
    interface eth0
    virtual_router_id 53
    priority 100
    virtual_ipaddress {
        10.9.0.12/24
    }
    virtual_routes {
${Array.from({ length: 600 }, (_, i) => `        10.${100 + Math.floor(i / 200)}.${i % 200}.0/24 dev eth0 table 300`).join('\n')}
    }
}
`;

describe.skipIf(!!skip)(skipTitle('virtual_routes / virtual_rules over rtnetlink, read back with ip -j', skip), () => {
  let dir: string;
  let conf: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-iproutes-'));
    conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, CONF);
    ip(['netns', 'add', NS]);
    ip(['-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    for (const dev of ['lo', 'eth0', 'eth1']) ip(['-n', NS, 'link', 'set', dev, 'up']);
    ip(['-n', NS, 'address', 'add', '10.9.0.10/24', 'dev', 'eth0']);
    ip(['-n', NS, '-6', 'address', 'add', '2001:db8::10/64', 'dev', 'eth0', 'nodad']);
  });
  afterAll(() => {
    ip(['netns', 'del', NS], true);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The instance's lines applied by the shim's code inside the namespace; the failures it reports. */
  const apply = (mode: 'add' | 'del', instance = 'VI_1'): Array<{ what: string; detail: string }> => {
    const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(REPO, 'test/vrrp/apply-ip-routes.ts'), mode, conf, instance], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`apply-ip-routes ${mode}: ${r.error?.message ?? r.stderr}`);
    return JSON.parse(r.stdout) as Array<{ what: string; detail: string }>;
  };
  const routes = (...args: string[]) => JSON.parse(ip(['-n', NS, '-j', ...args, 'route', 'show', 'table', 'all'])) as Array<Record<string, unknown>>;
  const ours = (list: Array<Record<string, unknown>>) => list.filter((r) => r.table === '100' || r.table === '1000');
  const rules = (family: '-4' | '-6') => (JSON.parse(ip(['-n', NS, '-j', family, 'rule', 'show'])) as Array<Record<string, unknown>>).filter((r) => (r.priority as number) >= 100 && (r.priority as number) < 32766);

  it('adds every route and rule as keepalived would (proto keepalived unless no_track), twice without complaint, and deletes them all', () => {
    expect(apply('add')).toEqual([]);
    expect(ours(routes('-4'))).toEqual([
      expect.objectContaining({ dst: '198.51.100.0/24', gateway: '10.9.0.1', dev: 'eth0', table: '100', protocol: 'keepalived' }),
      expect.objectContaining({ dst: '198.51.101.0/24', dev: 'eth0', prefsrc: '10.9.0.10', metric: 7, table: '100', protocol: 'keepalived' }),
      expect.objectContaining({ type: 'blackhole', dst: '198.51.102.0/24', table: '100', protocol: 'keepalived' }),
      expect.objectContaining({ dst: '198.51.103.0/24', dev: 'eth0', scope: 'link', protocol: 'static', table: '100' }),
      expect.objectContaining({ dst: '203.0.113.0/24', gateway: '10.7.0.1', flags: ['onlink'], table: '100', protocol: 'keepalived' }),
      expect.objectContaining({ dst: 'default', gateway: '10.9.0.1', dev: 'eth0', table: '1000', protocol: 'keepalived' }),
    ]);
    expect(ours(routes('-6'))).toEqual([expect.objectContaining({ dst: '2001:db8:1::/64', gateway: '2001:db8::1', dev: 'eth0', table: '100', protocol: 'keepalived' })]);
    expect(rules('-4')).toEqual([
      expect.objectContaining({ priority: 100, src: '10.9.0.10', table: '100', protocol: 'keepalived' }),
      expect.objectContaining({ priority: 101, dst: '198.51.0.0', dstlen: 16, fwmark: '0x10', fwmask: '0xff', iif: 'eth0', table: '100' }),
      expect.objectContaining({ priority: 102, src: '10.9.0.0', srclen: 24, goto: 104 }),
      expect.objectContaining({ priority: 103, action: 'prohibit', uid_start: 100, uid_end: 200, ipproto: 'tcp', dport_start: 80, dport_end: 81 }),
      // No preference: keepalived's numbering, 16384 for the first such IPv4 rule.
      expect.objectContaining({ priority: 16384, not: null, src: '10.9.0.0', oif: 'eth0', table: '1000' }),
    ]);
    expect(rules('-6')).toEqual([expect.objectContaining({ priority: 105, src: '2001:db8::', srclen: 64, table: '100' })]);

    // Already there (a restart, a second MASTER transition): EEXIST counts as done.
    expect(apply('add')).toEqual([]);

    expect(apply('del')).toEqual([]);
    expect(ours(routes('-4'))).toEqual([]);
    expect(ours(routes('-6'))).toEqual([]);
    expect(rules('-4')).toEqual([]);
    expect(rules('-6')).toEqual([]);
    // Already gone: ESRCH / ENOENT count as done.
    expect(apply('del')).toEqual([]);
  });

  it('600 routes in one instance go on and off whole', () => {
    const table300 = () => (JSON.parse(ip(['-n', NS, '-j', 'route', 'show', 'table', '300'])) as unknown[]).length;
    expect(apply('add', 'VI_3')).toEqual([]);
    expect(table300()).toBe(600);
    expect(apply('del', 'VI_3')).toEqual([]);
    expect(table300()).toBe(0);
  });

  it('a line the kernel refuses is reported by name while the others still go on', () => {
    // 10.8.0.1 is on no attached network: the kernel answers ENETUNREACH for that route alone.
    expect(apply('add', 'VI_2')).toEqual([{ what: 'route 198.51.110.0/24 table 100', detail: 'ENETUNREACH' }]);
    const vi2 = () => ours(routes('-4')).filter((r) => String(r.dst).startsWith('198.51.11')).map((r) => r.dst);
    expect(vi2()).toEqual(['198.51.111.0/24']);
    expect(apply('del', 'VI_2')).toEqual([]);
    expect(vi2()).toEqual([]);
  });
});
