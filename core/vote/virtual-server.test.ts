import { describe, expect, it } from 'vitest';
import { VirtualServer } from '../config/lvs.ts';
import { realServerKey } from './targets.ts';
import { foldVirtualServer } from './virtual-server.ts';

const pool = (extra: Record<string, unknown> = {}) =>
  VirtualServer.parse({
    ip: '192.0.2.1', port: 80, protocol: 'TCP', quorum: 7, hysteresis: 2, ...extra,
    realServers: Array.from({ length: 10 }, (_, i) => ({ ip: `10.0.0.${i + 1}`, port: 8080, weight: 1 })),
  });
const aliveMap = (vs: ReturnType<typeof pool>, n: number) => new Map(vs.realServers.map((rs, i) => [realServerKey(vs, rs), { alive: i < n }]));

describe("virtual server state with keepalived's meaning", () => {
  it('quorum comes up at quorum + hysteresis and stays until below quorum − hysteresis (keepalived.conf.quorum)', () => {
    const vs = pool();
    let up: boolean | undefined = false;
    const trace: [number, boolean][] = [];
    for (const n of [0, 8, 9, 6, 5, 4, 5, 8, 9]) {
      up = foldVirtualServer(vs, aliveMap(vs, n), up).quorumUp;
      trace.push([n, up]);
    }
    expect(trace).toEqual([[0, false], [8, false], [9, true], [6, true], [5, true], [4, false], [5, false], [8, false], [9, true]]);
  });

  it('a dead real server leaves the table, or stays at weight 0 with inhibit_on_failure', () => {
    const vs = pool({ quorum: 1, hysteresis: 0 });
    vs.realServers[1]!.inhibitOnFailure = true;
    const d = foldVirtualServer(vs, aliveMap(vs, 0), true);
    expect(d.realServers[0]).toMatchObject({ present: false, alive: false });
    expect(d.realServers[1]).toMatchObject({ present: true, weight: 0 });
  });

  it('on quorum loss the sorry server replaces the pool; sorry_server_inhibit keeps it at weight 0 otherwise', () => {
    const vs = pool({ sorryServer: { ip: '10.9.9.9', port: 80 }, sorryServerInhibit: true });
    const lost = foldVirtualServer(vs, aliveMap(vs, 3), true);
    expect(lost.quorumUp).toBe(false);
    expect(lost.realServers.filter((r) => r.present).map((r) => r.ip)).toEqual(['10.9.9.9']);
    const ok = foldVirtualServer(vs, aliveMap(vs, 10), false);
    expect(ok.realServers.find((r) => r.sorry)).toMatchObject({ present: true, weight: 0 });
    expect(ok.realServers.filter((r) => !r.sorry && r.present)).toHaveLength(10);
  });

  it('quorum lost without a sorry server leaves the live servers serving', () => {
    const vs = pool();
    const d = foldVirtualServer(vs, aliveMap(vs, 2), true);
    expect(d.quorumUp).toBe(false);
    expect(d.realServers.filter((r) => r.present).map((r) => r.weight)).toEqual([1, 1]);
  });

  it('uses a dynamic weight (misc_dynamic) in place of the configured one', () => {
    const vs = pool({ quorum: 5, hysteresis: 0 });
    const m = new Map<string, { alive: boolean; weight?: number }>([[realServerKey(vs, vs.realServers[0]!), { alive: true, weight: 5 }]]);
    for (const rs of vs.realServers.slice(1)) m.set(realServerKey(vs, rs), { alive: false });
    const d = foldVirtualServer(vs, m, undefined);
    expect(d).toMatchObject({ quorumUp: true, aliveWeight: 5 });
    expect(d.realServers[0]!.weight).toBe(5);
  });
});
