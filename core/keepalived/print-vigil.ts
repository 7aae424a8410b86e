import type { Config } from '../config/model.ts';
import { q, type Writer } from './print-writer.ts';

/** The `vigil { }` block: vantage points, vote policy, cloud bindings; left out when all are defaults. */
export function printVigil(w: Writer, c: Config): void {
  const v = c.vigil;
  const hasVote = v.vote.quorum !== undefined || v.vote.degrade !== undefined || v.vote.freshnessIntervals !== 3;
  if (!v.vantagePoints.length && !v.cloudBindings.length && !hasVote) return;
  w.block('vigil', () => {
    for (const vp of v.vantagePoints) {
      w.block(`vantage_point ${q(vp.name)}`, () => {
        w.line(`kind ${vp.kind}`);
        w.opt('region', vp.region);
      });
    }
    if (hasVote) {
      w.block('vote', () => {
        w.opt('quorum', v.vote.quorum);
        w.opt('degrade', v.vote.degrade);
        if (v.vote.freshnessIntervals !== 3) w.line(`freshness_intervals ${v.vote.freshnessIntervals}`);
      });
    }
    for (const b of v.cloudBindings) {
      w.block(`cloud_binding ${q(b.name)}`, () => {
        w.line(`kind ${b.kind}`);
        w.opt('region', b.region);
        w.opt('allocation_id', b.allocationId);
        w.opt('public_ip', b.publicIp);
        w.opt('address', b.address);
        b.routeTableIds.forEach((id) => w.line(`route_table ${id}`));
        if (!b.preempt) w.line('nopreempt');
        w.timer('lease_ttl', b.leaseTtlMs, 10_000);
        for (const d of b.directors) {
          w.block(`director ${q(d.id)}`, () => {
            if (d.priority !== 100) w.line(`priority ${d.priority}`);
            w.opt('instance_id', d.instanceId);
            w.opt('network_interface_id', d.networkInterfaceId);
            w.opt('private_ip', d.privateIp);
          });
        }
      });
    }
  });
}
