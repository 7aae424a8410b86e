import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/helpers/config-from.ts';
import { keepalivedConf, type InstanceConf } from '../../test/vrrp/conf.ts';
import { planVrrp } from './plan.ts';
import { ipRouteChanges, ipRoutesByInstance } from './route-plan.ts';

const vi = (name: string, vrid: number, routes: string[], rules: string[]): InstanceConf => ({
  name,
  vrid,
  priority: 100,
  vip: '192.0.2.10/24',
  extra: ['virtual_routes {', ...routes, '}', 'virtual_rules {', ...rules, '}'],
});
const plan = (...instances: InstanceConf[]) => planVrrp(configFrom(keepalivedConf('r', instances)));

describe("each instance's virtual_routes / virtual_rules in the plan", () => {
  it('rules without a preference take 16384, 16383… per family in file order, as keepalived numbers them', () => {
    const p = plan(
      vi('VI_1', 51, [], ['from 192.0.2.0/24 table 7', 'from 2001:db8::/64 table 7', 'from 192.0.2.1 table 7 priority 5']),
      vi('VI_2', 52, [], ['from 192.0.2.2 table 8']),
    );
    expect(p.problems).toEqual([]);
    expect(p.instances.map((i) => i.ipRoutes.rules.map((r) => r.priority))).toEqual([[16384, 16384, 5], [16383]]);
  });

  it('a model from elsewhere with a word the shim cannot encode is a plan problem, never a silent skip', () => {
    const c = configFrom(keepalivedConf('r', [vi('VI_1', 51, ['198.51.100.0/24 dev eth0'], [])]));
    c.vrrpInstances[0]!.virtualRoutes.push({ words: ['198.51.101.0/24', 'dev', 'eth0', 'mtu', '1400'] }, { words: ['bogus'] });
    const r = ipRoutesByInstance(c.vrrpInstances);
    expect(r.problems).toEqual([
      "vrrp_instance VI_1: virtual_routes '198.51.101.0/24 dev eth0 mtu 1400': 'mtu' is not implemented by vigil shim",
      "vrrp_instance VI_1: virtual_routes 'bogus': unknown route keyword bogus",
    ]);
    expect(r.byName.get('VI_1')!.routes.map((x) => x.dst.address)).toEqual(['198.51.100.0']);
  });

  it('a reload moves only the lines that changed', () => {
    const [a] = plan(vi('VI_1', 51, ['198.51.100.0/24 dev eth0', '198.51.101.0/24 dev eth0'], ['from 192.0.2.1 table 7 priority 5'])).instances;
    const [b] = plan(vi('VI_1', 51, ['198.51.100.0/24 dev eth0', '198.51.102.0/24 dev eth0'], ['from 192.0.2.1 table 7 priority 5'])).instances;
    const m = ipRouteChanges(a!.ipRoutes, b!.ipRoutes);
    expect([m.add.routes.map((r) => r.dst.address), m.remove.routes.map((r) => r.dst.address), m.add.rules, m.remove.rules]).toEqual([['198.51.102.0'], ['198.51.101.0'], [], []]);
  });
});
