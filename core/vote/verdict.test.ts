import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import type { Vote } from './fold.ts';
import { realServerKey } from './targets.ts';
import { foldCluster, type VerdictMemory } from './verdict.ts';

const config = Config.parse({
  vigil: { vantagePoints: ['a', 'b', 'c'].map((name) => ({ name, kind: 'self-hosted' })) },
  virtualServers: [{ ip: '192.0.2.1', port: 80, protocol: 'TCP', quorum: 2, sorryServer: { ip: '192.0.2.99', port: 80 }, realServers: [1, 2, 3].map((i) => ({ ip: `10.0.0.${i}`, port: 80, checks: [{ type: 'TCP_CHECK' }] })) }],
});
const vs = config.virtualServers[0]!;
const keys = vs.realServers.map((rs) => realServerKey(vs, rs));
const v = (target: string, vp: string, up: boolean, atMs: number): Vote => ({ target, vantagePoint: vp, up, reason: up ? 'ok' : 'connect_refused', latencyMs: 1, atMs, intervalMs: 10_000, timeoutMs: 5000 });

function votes(now: number, says: Record<string, Record<string, boolean>>) {
  const m = new Map<string, Map<string, Vote>>();
  for (const [t, byVp] of Object.entries(says)) m.set(t, new Map(Object.entries(byVp).map(([vp, up]) => [vp, v(t, vp, up, now)])));
  return m;
}

describe('the Board fold', () => {
  it('three vantage points take a real server down; the transition records who said what', () => {
    const mem: VerdictMemory = { targets: {}, quorum: {} };
    const f = foldCluster(config, votes(1000, { [keys[0]!]: { a: false, b: false, c: true } }), mem, 1000);
    const t = f.transitions.find((x) => x.key === keys[0]);
    expect(t).toMatchObject({ kind: 'real_server', from: 'up', to: 'down' });
    expect(t!.votes).toMatchObject({ a: { up: false, fresh: true }, b: { up: false }, c: { up: true } });
    expect(f.virtualServers[0]!.realServers[0]).toMatchObject({ present: false, state: 'down' });
    // The detail stays with the fold (events, /votes), not in the signed desired state.
    expect(f.virtualServers[0]!.realServers[0]!.votes).toBeUndefined();
    expect(f.verdicts.get(keys[0]!)!.votes).toMatchObject({ a: { up: false } });
  });

  it('losing quorum puts the sorry server in, and the event says so', () => {
    let mem: VerdictMemory = { targets: {}, quorum: {} };
    mem = foldCluster(config, new Map(), mem, 0).memory;
    const down = Object.fromEntries(keys.slice(0, 2).map((k) => [k, { a: false, b: false, c: false }]));
    const f = foldCluster(config, votes(1000, down), mem, 1000);
    expect(f.virtualServers[0]!.quorumUp).toBe(false);
    expect(f.transitions.map((t) => `${t.kind}:${t.to}`)).toContain('virtual_server:quorum_down');
    expect(f.virtualServers[0]!.realServers.filter((r) => r.present).map((r) => r.ip)).toEqual(['192.0.2.99']);
  });

  it('when every vote is stale, verdicts are unknown and the table holds its last state', () => {
    const mem = foldCluster(config, votes(1000, { [keys[0]!]: { a: false, b: false, c: false } }), { targets: {}, quorum: {} }, 1000).memory;
    const later = foldCluster(config, votes(1000, { [keys[0]!]: { a: true, b: true, c: true } }), mem, 1000 + 10 * 60_000);
    expect(later.virtualServers[0]!.realServers[0]).toMatchObject({ state: 'unknown', effective: 'down', present: false });
    expect(later.transitions).toEqual([]);
  });
});
