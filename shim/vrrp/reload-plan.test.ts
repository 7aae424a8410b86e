import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/helpers/config-from.ts';
import { keepalivedConf, type InstanceConf } from '../../test/vrrp/conf.ts';
import { planVrrp } from './plan.ts';
import { addressChanges, diffPlans } from './reload-plan.ts';

const vi = (o: Partial<InstanceConf> = {}): InstanceConf => ({ name: 'VI_1', priority: 100, vip: '192.0.2.10/24', version: 3, ...o });
const plan = (...instances: InstanceConf[]) => planVrrp(configFrom(keepalivedConf('r', instances)));
const names = (d: ReturnType<typeof diffPlans>) => ({ kept: d.kept.map(([, p]) => p.name), added: d.added.map((p) => p.name), removed: d.removed.map((p) => p.name) });

describe('what a reload does to each vrrp_instance', () => {
  it('the same file keeps every instance', () => {
    expect(names(diffPlans(plan(vi(), vi({ name: 'VI_2', vrid: 52 })), plan(vi(), vi({ name: 'VI_2', vrid: 52 }))))).toEqual({ kept: ['VI_1', 'VI_2'], added: [], removed: [] });
  });

  it('priority, advert_int, preemption and addresses change in place', () => {
    const next = plan(vi({ priority: 150, advertInt: '0.5', nopreempt: true, vip: '192.0.2.11/24' }));
    expect(names(diffPlans(plan(vi()), next))).toEqual({ kept: ['VI_1'], added: [], removed: [] });
  });

  it('a new VRID, interface, version, unicast peers or authentication is a different instance: removed, then added', () => {
    for (const changed of [vi({ vrid: 60 }), vi({ interface: 'eth1' }), vi({ version: 2, advertInt: '1' }), vi({ unicastPeers: ['192.0.2.2'] })]) {
      expect(names(diffPlans(plan(vi()), plan(changed)))).toEqual({ kept: [], added: ['VI_1'], removed: ['VI_1'] });
    }
    expect(names(diffPlans(plan(vi({ version: 2, advertInt: '1', pass: 'a' })), plan(vi({ version: 2, advertInt: '1', pass: 'b' }))))).toEqual({ kept: [], added: ['VI_1'], removed: ['VI_1'] });
  });

  it('becoming (or ceasing to be) the address owner is a different instance', () => {
    expect(names(diffPlans(plan(vi({ priority: 200 })), plan(vi({ priority: 255 }))))).toEqual({ kept: [], added: ['VI_1'], removed: ['VI_1'] });
  });

  it('instances match by name: one gone is removed, one new is added', () => {
    expect(names(diffPlans(plan(vi(), vi({ name: 'VI_2', vrid: 52 })), plan(vi(), vi({ name: 'VI_3', vrid: 53 }))))).toEqual({ kept: ['VI_1'], added: ['VI_3'], removed: ['VI_2'] });
  });

  it('address changes of a kept instance: what to add and what to remove, excluded addresses included', () => {
    const [a] = plan(vi({ vip: '192.0.2.10/24' })).instances;
    const [b] = plan(vi({ vip: '192.0.2.10/24', extra: ['virtual_ipaddress_excluded {', '  192.0.2.20/32', '}'] })).instances;
    const [c] = plan(vi({ vip: '192.0.2.11/24' })).instances;
    expect(addressChanges(a!, b!)).toEqual({ add: [expect.objectContaining({ address: '192.0.2.20/32' })], remove: [] });
    expect(addressChanges(a!, c!)).toEqual({ add: [expect.objectContaining({ address: '192.0.2.11/24' })], remove: [expect.objectContaining({ address: '192.0.2.10/24' })] });
  });
});
