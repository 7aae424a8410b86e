import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import type { Vote } from './fold.ts';
import { foldTarget } from './fold.ts';
import { effectiveQuorum } from './quorum.ts';
import { foldCluster } from './verdict.ts';
import { votePlan } from './vote-plan.ts';

const NOW = 1_000_000;
const vote = (target: string, vp: string, up: boolean): Vote => ({ target, vantagePoint: vp, up, reason: up ? 'ok' : 'connect_refused', latencyMs: 1, atMs: NOW, intervalMs: 10_000, timeoutMs: 3000 });
const policy = { freshForMs: 33_000 };

describe('the effective quorum', () => {
  it('a configured quorum is never silently lowered to the vantage points that can check it', () => {
    expect(effectiveQuorum({ quorum: 2 }, 1)).toEqual({ quorum: 2, configured: 2, assigned: 1, degraded: undefined, short: true });
    expect(effectiveQuorum({ quorum: 2, degrade: 'refuse' }, 1)).toMatchObject({ quorum: 2, short: true });
    expect(effectiveQuorum({ quorum: 2 }, 3)).toMatchObject({ quorum: 2, short: false });
    expect(effectiveQuorum({}, 4)).toMatchObject({ quorum: 3, short: false });
    expect(effectiveQuorum({}, 0)).toMatchObject({ quorum: 1, short: true });
  });

  it('degrade majority and degrade all lower it only when too few can check', () => {
    expect(effectiveQuorum({ quorum: 5, degrade: 'majority' }, 4)).toMatchObject({ quorum: 3, degraded: 'majority', short: false });
    expect(effectiveQuorum({ quorum: 5, degrade: 'all' }, 4)).toMatchObject({ quorum: 4, degraded: 'all', short: false });
    expect(effectiveQuorum({ quorum: 3, degrade: 'majority' }, 4)).toMatchObject({ quorum: 3, degraded: undefined });
    // Nobody can check it: no degrade makes that a quorum.
    expect(effectiveQuorum({ quorum: 2, degrade: 'all' }, 0)).toMatchObject({ short: true });
  });

  it('the fold: with quorum 2 and one vantage point able to check, one vote no longer decides', () => {
    expect(foldTarget('up', ['dc1'], new Map([['dc1', vote('t', 'dc1', false)]]), NOW, { ...policy, quorum: 2 })).toMatchObject({ state: 'unknown', effective: 'up', quorum: 2, downVotes: 1 });
    expect(foldTarget('up', ['dc1'], new Map([['dc1', vote('t', 'dc1', false)]]), NOW, { ...policy, quorum: 2, degrade: 'majority' })).toMatchObject({ state: 'down', effective: 'down', quorum: 1 });
  });

  it('the Board fold uses the quorum the plan shows, per real server', () => {
    const base = {
      vigil: { vantagePoints: [{ name: 'dc1', kind: 'self-hosted' }, { name: 'weur', kind: 'edge' }, { name: 'enam', kind: 'edge' }], vote: { quorum: 2 } },
      virtualServers: [{ ip: '192.0.2.10', port: 80, protocol: 'TCP', realServers: ['203.0.113.5', '10.1.0.1'].map((ip) => ({ ip, port: 80, checks: [{ type: 'TCP_CHECK' }] })) }],
    };
    const pub = 'tcp/192.0.2.10:80|203.0.113.5:80';
    const priv = 'tcp/192.0.2.10:80|10.1.0.1:80';
    const latest = new Map([
      [pub, new Map(['dc1', 'weur', 'enam'].map((vp) => [vp, vote(pub, vp, false)]))],
      [priv, new Map([['dc1', vote(priv, 'dc1', false)]])],
    ]);
    for (const degrade of [undefined, 'majority', 'all'] as const) {
      const config = Config.parse({ ...base, vigil: { ...base.vigil, vote: { quorum: 2, degrade } } });
      const f = foldCluster(config, latest, { targets: {}, quorum: {} }, NOW);
      const plan = new Map(votePlan(config).map((p) => [p.realServer, p.effectiveQuorum]));
      for (const key of [pub, priv]) expect(f.verdicts.get(key)!.quorum).toBe(plan.get(key));
      expect(f.verdicts.get(pub)!.state).toBe('down');
      // Refused (no degrade): dc1 alone never decides; degraded: it does, as configured.
      expect(f.verdicts.get(priv)!.state).toBe(degrade ? 'down' : 'unknown');
    }
  });
});
