import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import { planShards } from './shards.ts';
import { assignTargets } from './targets.ts';

const cfg = (n: number, delayLoop: number, timeout: number) =>
  Config.parse({
    vigil: { vantagePoints: [{ name: 'weur', kind: 'edge', region: 'weur' }, { name: 'dc', kind: 'self-hosted' }] },
    virtualServers: [{ ip: '192.0.2.1', port: 80, protocol: 'TCP', delayLoopMs: delayLoop, connectTimeoutMs: timeout, realServers: Array.from({ length: n }, (_, i) => ({ ip: `198.51.${i >> 8}.${i & 255}`, port: 80, checks: [{ type: 'HTTP_GET', urls: [{ path: '/' }] }] })) }],
  });

describe('prober sharding', () => {
  it('sizes shards so worst-case connections stay within half of six per invocation', () => {
    const c = cfg(1000, 10_000, 5000);
    const plan = planShards(c, assignTargets(c), 'weur');
    expect(plan.load).toBeCloseTo(500);
    expect(plan.shards).toHaveLength(167);
    const loads = plan.shards.map((s) => s.reduce((n, x) => n + x.load, 0));
    expect(Math.max(...loads)).toBeLessThanOrEqual(3);
    expect(plan.shards.flat()).toHaveLength(1000);
  });

  it('keeps private targets away from the edge', () => {
    const c = Config.parse({ vigil: { vantagePoints: [{ name: 'weur', kind: 'edge' }, { name: 'dc', kind: 'self-hosted' }] }, virtualServers: [{ ip: '10.0.0.1', port: 80, protocol: 'TCP', realServers: [{ ip: '10.0.0.2', port: 80, checks: [{ type: 'TCP_CHECK' }] }, { ip: '203.0.113.5', port: 80, checks: [{ type: 'PING_CHECK' }] }] }] });
    const a = assignTargets(c);
    expect(a.map((x) => x.vantagePoints)).toEqual([['dc'], ['dc']]);
    expect(a[0]!.excluded[0]!.why).toContain('not reachable from the edge');
    expect(a[1]!.excluded[0]!.why).toContain('PING_CHECK cannot run at the edge');
    expect(planShards(c, a, 'weur').shards).toEqual([]);
  });
});
