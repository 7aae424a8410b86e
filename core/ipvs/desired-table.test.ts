import { describe, expect, it } from 'vitest';
import type { SnapshotVirtualServer } from '../vote/snapshot.ts';
import { realServerKey, virtualServerKey } from '../vote/targets.ts';
import { foldVirtualServer, type DesiredVirtualServer } from '../vote/virtual-server.ts';
import { desiredTable, foldFromSnapshot } from './desired-table.ts';
import { renderTable } from './ipvsadm-format.ts';
import { configFrom } from '../../test/helpers/config-from.ts';

const CONF = `
virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo wrr
  lb_kind NAT
  persistence_timeout 300
  persistence_granularity 255.255.255.0
  quorum 3
  hysteresis 1
  sorry_server 192.168.9.9 8080
  real_server 192.168.1.1 80 {
    weight 2
  }
  real_server 192.168.1.2 80 {
    weight 2
    inhibit_on_failure
  }
  real_server 192.168.1.3 8080 {
    weight 1
    lvs_method DR
  }
}
virtual_server fwmark 7 {
  lb_algo sh
  sh-port
  lvs_method TUN
  real_server 2001:db8:0:0::5 {
    weight 5
  }
}
virtual_server_group web {
  10.1.0.1-3 443
}
virtual_server group web {
  protocol TCP
  ops
  real_server 192.168.2.1 443 {
    weight 1
  }
}
`;

function alive(vsIndex: number, up: Record<number, boolean>, weights: Record<number, number> = {}) {
  const cfg = configFrom(CONF);
  const vs = cfg.virtualServers[vsIndex]!;
  const m = new Map(vs.realServers.map((rs, i) => [realServerKey(vs, rs), { alive: up[i] ?? true, weight: weights[i] }]));
  return { cfg, vs, m };
}

function foldAll(up: Record<number, boolean>, weights: Record<number, number> = {}, prevQuorum?: boolean): Map<string, DesiredVirtualServer> {
  const { cfg, vs, m } = alive(0, up, weights);
  const out = new Map<string, DesiredVirtualServer>();
  out.set(virtualServerKey(vs), foldVirtualServer(vs, m, prevQuorum));
  for (const other of cfg.virtualServers.slice(1)) out.set(virtualServerKey(other), foldVirtualServer(other, new Map(), undefined));
  return out;
}

describe('desired IPVS table from config × verdict', () => {
  it('all alive: weights, schedulers, forwarding methods, persistence, flags, groups expanded', () => {
    const { table, scope, problems } = desiredTable(configFrom(CONF), foldAll({}));
    expect(problems).toEqual([]);
    expect(renderTable(table)).toBe(
      [
        '-A -f 7 -6 -s sh -b sh-port',
        '-a -f 7 -6 -r [2001:db8::5]:0 -i -w 5 --tun-type ipip',
        '-A -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0',
        '-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 2',
        '-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 2',
        '-a -t 10.0.0.1:80 -r 192.168.1.3:80 -g -w 1',
        '-A -t 10.1.0.1:443 -s wlc -o',
        '-a -t 10.1.0.1:443 -r 192.168.2.1:443 -m -w 1',
        '-A -t 10.1.0.2:443 -s wlc -o',
        '-a -t 10.1.0.2:443 -r 192.168.2.1:443 -m -w 1',
        '-A -t 10.1.0.3:443 -s wlc -o',
        '-a -t 10.1.0.3:443 -r 192.168.2.1:443 -m -w 1',
        '',
      ].join('\n'),
    );
    expect(scope.size).toBe(5);
  });

  it('a dead server leaves the table; with inhibit_on_failure it stays at weight 0', () => {
    const { table } = desiredTable(configFrom(CONF), foldAll({ 0: false, 1: false }));
    const dests = table.get('-t 10.0.0.1:80')!.dests.map((d) => `${d.addr}:${d.port}/${d.weight}`);
    // alive weight 1 < quorum 3 - hysteresis 1 → sorry server takes over; the inhibited one stays at 0
    expect(dests).toEqual(['192.168.1.2:80/0', '192.168.9.9:8080/1']);
  });

  it('quorum with hysteresis: lost below quorum − hysteresis, regained only at quorum + hysteresis', () => {
    // alive weight 2 (>= 3-1): quorum held when it was up
    let t = desiredTable(configFrom(CONF), foldAll({ 1: false, 2: false }, {}, true)).table;
    expect(t.get('-t 10.0.0.1:80')!.dests.map((d) => d.addr)).toEqual(['192.168.1.1', '192.168.1.2']);
    // alive weight 3 (< 3+1): not regained when it was down, so the sorry server stays
    t = desiredTable(configFrom(CONF), foldAll({ 1: false }, { 0: 2 }, false)).table;
    expect(t.get('-t 10.0.0.1:80')!.dests.find((d) => d.addr === '192.168.9.9')?.weight).toBe(1);
    // alive weight 5: regained, sorry server gone
    t = desiredTable(configFrom(CONF), foldAll({}, {}, false)).table;
    expect(t.get('-t 10.0.0.1:80')!.dests.some((d) => d.addr === '192.168.9.9')).toBe(false);
  });

  it('misc_dynamic weight replaces the configured one', () => {
    const { table } = desiredTable(configFrom(CONF), foldAll({}, { 0: 17 }));
    expect(table.get('-t 10.0.0.1:80')!.dests.find((d) => d.addr === '192.168.1.1')!.weight).toBe(17);
  });

  it('a virtual server without a verdict is held: in scope, not in the table', () => {
    const cfg = configFrom(CONF);
    const { table, scope } = desiredTable(cfg, new Map());
    expect(table.size).toBe(0);
    expect([...scope].sort()).toEqual(['-f 7 -6', '-t 10.0.0.1:80', '-t 10.1.0.1:443', '-t 10.1.0.2:443', '-t 10.1.0.3:443']);
  });
});

describe('fold from a Board snapshot', () => {
  const cfg = configFrom(CONF);
  const vs = cfg.virtualServers[0]!;
  const snap = (states: Array<'up' | 'down'>, weights: number[] = []): SnapshotVirtualServer => ({
    key: virtualServerKey(vs),
    quorumUp: true,
    aliveWeight: 0,
    realServers: vs.realServers.map((rs, i) => ({
      key: realServerKey(vs, rs),
      ip: rs.ip,
      port: rs.port,
      present: states[i] === 'up',
      weight: states[i] === 'up' ? (weights[i] ?? rs.weight) : 0,
      state: states[i]!,
      effective: states[i]!,
      sorry: false,
      votes: {},
    })),
  });

  it('the local config decides inhibit and sorry server; the snapshot only says who is up', () => {
    const d = foldFromSnapshot(vs, snap(['down', 'down', 'up']), true)!;
    expect(d.quorumUp).toBe(false);
    expect(d.realServers.filter((r) => r.present).map((r) => `${r.ip}/${r.weight}`)).toEqual(['192.168.1.2/0', '192.168.9.9/1']);
  });

  it('a dynamic weight in the snapshot is kept; a virtual server the snapshot lacks is held', () => {
    const d = foldFromSnapshot(vs, snap(['up', 'up', 'up'], [9]), undefined)!;
    expect(d.realServers[0]!.weight).toBe(9);
    expect(foldFromSnapshot(vs, undefined, true)).toBeUndefined();
  });
});
