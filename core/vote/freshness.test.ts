import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import type { Vote } from './fold.ts';
import { freshnessWindows } from './freshness.ts';
import { realServerKey } from './targets.ts';
import { foldCluster } from './verdict.ts';

const config = Config.parse({
  vigil: { vantagePoints: ['a', 'b', 'c'].map((name) => ({ name, kind: 'self-hosted' })), vote: { freshnessIntervals: 2 } },
  virtualServers: [
    {
      ip: '192.0.2.1',
      port: 80,
      protocol: 'TCP',
      delayLoopMs: 5000,
      realServers: [
        { ip: '10.0.0.1', port: 80, checks: [{ type: 'TCP_CHECK', connectTimeoutMs: 2000 }] },
        // Two checkers: the longest delay_loop and the longest connect_timeout, as a vote spans them.
        { ip: '10.0.0.2', port: 80, delayLoopMs: 7000, checks: [{ type: 'TCP_CHECK', connectTimeoutMs: 1000 }, { type: 'TCP_CHECK', delayLoopMs: 3000, connectTimeoutMs: 4000 }] },
        // keepalived's defaults where nothing is set: connect_timeout 5 s (delay_loop from the virtual server).
        { ip: '10.0.0.3', port: 80, checks: [{ type: 'TCP_CHECK' }] },
        { ip: '10.0.0.4', port: 80, checks: [] },
      ],
    },
  ],
});
const vs = config.virtualServers[0]!;
const [rs1, rs2, rs3, rs4] = vs.realServers.map((rs) => realServerKey(vs, rs)) as [string, string, string, string];

describe("vote freshness from the config's timing", () => {
  it('is freshness_intervals × the longest delay_loop + the longest connect_timeout of each real server', () => {
    const w = freshnessWindows(config);
    expect(w.get(rs1)).toBe(2 * 5000 + 2000);
    expect(w.get(rs2)).toBe(2 * 7000 + 4000);
    expect(w.get(rs3)).toBe(2 * 5000 + 5000);
    expect(w.has(rs4)).toBe(false);
  });

  it("a vote that claims a day-long interval goes stale on the config's schedule", () => {
    const nowMs = 1_000_000;
    const says = (atMs: number) => new Map([[rs1, new Map(['a', 'b', 'c'].map((vp): [string, Vote] => [vp, { target: rs1, vantagePoint: vp, up: false, reason: 'connect_refused', latencyMs: 1, atMs, intervalMs: 86_400_000, timeoutMs: 3_600_000 }]))]]);
    const mem = { targets: {}, quorum: {} };
    expect(foldCluster(config, says(nowMs - 12_000), mem, nowMs).verdicts.get(rs1)).toMatchObject({ state: 'down', fresh: 3 });
    expect(foldCluster(config, says(nowMs - 12_001), mem, nowMs).verdicts.get(rs1)).toMatchObject({ state: 'unknown', fresh: 0 });
  });
});
