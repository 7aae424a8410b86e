import { describe, expect, it } from 'vitest';
import type { SnapshotVirtualServer } from '../vote/snapshot.ts';
import { realServerKey, virtualServerKey } from '../vote/targets.ts';
import { foldVirtualServer, type DesiredVirtualServer } from '../vote/virtual-server.ts';
import { foldCluster, type VerdictMemory } from '../vote/verdict.ts';
import { desiredFromSnapshot } from './desired-from-snapshot.ts';
import { desiredTable } from './desired-table.ts';
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

describe("the Board's decision mapped onto the local config", () => {
  const boardCfg = configFrom(CONF);
  const vsOf = (cfg: ReturnType<typeof configFrom>) => cfg.virtualServers[0]!;
  /**
   * What the Board publishes for the first virtual server: its own fold
   * (foldCluster) over its memory. With no votes every verdict is `unknown`,
   * so each real server holds the state `down` names, exactly as the Board
   * would publish it after its vantage points went quiet.
   */
  function boardSays(down: number[], quorumWasUp: boolean | undefined, cfg = boardCfg): SnapshotVirtualServer {
    const vs = vsOf(cfg);
    const memory: VerdictMemory = { targets: {}, quorum: {} };
    vs.realServers.forEach((rs, i) => (memory.targets[realServerKey(vs, rs)] = down.includes(i) ? 'down' : 'up'));
    if (quorumWasUp !== undefined) memory.quorum[virtualServerKey(vs)] = quorumWasUp;
    return foldCluster(cfg, new Map(), memory, 0).virtualServers[0]!;
  }
  const present = (d: DesiredVirtualServer) => d.realServers.filter((r) => r.present).map((r) => `${r.ip}/${r.weight}`);
  /** The director's destinations for 10.0.0.1:80 once the decision is mapped and the table built. */
  function destsOf(cfg: ReturnType<typeof configFrom>, d: DesiredVirtualServer): string[] {
    const { table } = desiredTable(cfg, new Map([[virtualServerKey(vsOf(cfg)), d]]));
    return table.get('-t 10.0.0.1:80')!.dests.map((x) => `${x.addr}:${x.port} ${x.method}/${x.weight}`);
  }

  it("applies the Board's inhibit and sorry server decision; the local config gives addresses and methods", () => {
    const d = desiredFromSnapshot(vsOf(boardCfg), boardSays([0, 1], true))!;
    expect(d.quorumUp).toBe(false);
    expect(present(d)).toEqual(['192.168.1.2/0', '192.168.9.9/1']);
    expect(d.realServers.map((r) => r.alive)).toEqual([false, false, true, true]);
    expect(destsOf(boardCfg, d)).toEqual(['192.168.1.2:80 masq/0', '192.168.9.9:8080 masq/1']);
  });

  it('a weight the Board publishes (misc_dynamic) is kept; a virtual server the snapshot lacks is held', () => {
    const snap = boardSays([], undefined);
    snap.realServers[0] = { ...snap.realServers[0]!, weight: 9 };
    const d = desiredFromSnapshot(vsOf(boardCfg), snap)!;
    expect(d.realServers[0]!.weight).toBe(9);
    expect(destsOf(boardCfg, d)).toEqual(['192.168.1.1:80 masq/9', '192.168.1.2:80 masq/2', '192.168.1.3:80 gate/1']);
    expect(desiredFromSnapshot(vsOf(boardCfg), undefined)).toBeUndefined();
  });

  it("a director whose local config says another quorum applies the Board's decision, not its own", () => {
    // Board: quorum 3, hysteresis 1. 192.168.1.1 and .2 down leave alive weight 1: quorum lost, sorry server in.
    const lost = boardSays([0, 1], true);
    expect(lost.quorumUp).toBe(false);
    // This director's config says quorum 1, hysteresis 0: on its own it would keep quorum (alive weight 1 ≥ 1)...
    const lenient = configFrom(CONF.replace('quorum 3\n  hysteresis 1', 'quorum 1\n  hysteresis 0'));
    expect(vsOf(lenient).quorum).toBe(1);
    const own = foldVirtualServer(vsOf(lenient), new Map(lost.realServers.filter((r) => !r.sorry).map((r) => [r.key, { alive: r.effective === 'up' }])), true);
    expect(own.quorumUp).toBe(true);
    // ...but it acts on the Board's: the sorry server serves, the live DR server makes way.
    const d = desiredFromSnapshot(vsOf(lenient), lost)!;
    expect(d.quorumUp).toBe(false);
    expect(destsOf(lenient, d)).toEqual(['192.168.1.2:80 masq/0', '192.168.9.9:8080 masq/1']);

    // The other way round: the Board's hysteresis holds quorum (alive weight 4 ≥ 3 − 1) where a
    // director with quorum 5 and no hysteresis would have called in the sorry server.
    const held = boardSays([2], true);
    expect(held.quorumUp).toBe(true);
    const strict = configFrom(CONF.replace('quorum 3\n  hysteresis 1', 'quorum 5\n  hysteresis 0'));
    expect(foldVirtualServer(vsOf(strict), new Map(held.realServers.filter((r) => !r.sorry).map((r) => [r.key, { alive: r.effective === 'up' }])), true).quorumUp).toBe(false);
    const h = desiredFromSnapshot(vsOf(strict), held)!;
    expect(h.quorumUp).toBe(true);
    expect(destsOf(strict, h)).toEqual(['192.168.1.1:80 masq/2', '192.168.1.2:80 masq/2']);
  });

  it("a real server the Board does not name keeps keepalived's start state under the Board's quorum decision", () => {
    // A newer local config: one more real server, and one more with alpha (starts down).
    const newer = configFrom(CONF.replace('  real_server 192.168.1.3 8080 {', '  real_server 192.168.1.4 80 {\n    weight 1\n  }\n  real_server 192.168.1.5 80 {\n    weight 1\n    alpha\n  }\n  real_server 192.168.1.3 8080 {'));
    expect(vsOf(newer).realServers).toHaveLength(5);
    const up = desiredFromSnapshot(vsOf(newer), boardSays([], true))!;
    expect(up.realServers.map((r) => `${r.ip}:${r.alive ? 'up' : 'down'}`)).toEqual(['192.168.1.1:up', '192.168.1.2:up', '192.168.1.4:up', '192.168.1.5:down', '192.168.1.3:up', '192.168.9.9:up']);
    expect(destsOf(newer, up)).toEqual(['192.168.1.1:80 masq/2', '192.168.1.2:80 masq/2', '192.168.1.4:80 masq/1', '192.168.1.3:80 gate/1']);
    // While the Board has the sorry server in, the unnamed one makes way too.
    const sorry = desiredFromSnapshot(vsOf(newer), boardSays([0, 1], true))!;
    expect(destsOf(newer, sorry)).toEqual(['192.168.1.2:80 masq/0', '192.168.9.9:8080 masq/1']);
  });

  it("a sorry_server the Board does not name follows the Board's quorum decision", () => {
    const moved = configFrom(CONF.replace('sorry_server 192.168.9.9 8080', 'sorry_server 192.168.9.8 8080'));
    const lost = desiredFromSnapshot(vsOf(moved), boardSays([0, 1], true))!;
    expect(present(lost)).toEqual(['192.168.1.2/0', '192.168.9.8/1']);
    const held = desiredFromSnapshot(vsOf(moved), boardSays([], true))!;
    expect(held.realServers.find((r) => r.sorry)).toMatchObject({ ip: '192.168.9.8', present: false, weight: 0 });
  });
});
