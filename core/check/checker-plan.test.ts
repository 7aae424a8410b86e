import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/helpers/config-from.ts';
import { assignTargets } from '../vote/targets.ts';
import { PlannedChecker, planCheckers } from './checker-plan.ts';

const CONF = `
vrrp_track_file tf {
    file /run/weight
}
virtual_server 203.0.113.10 80 {
    delay_loop 20
    protocol TCP
    virtualhost vs.example
    real_server 198.51.100.1 8080 {
        virtualhost rs.example
        HTTP_GET {
            url {
                path /health
            }
            connect_timeout 3
        }
        TCP_CHECK {
            connect_port 9000
            retry 0
        }
        FILE_CHECK {
            track_file tf
        }
    }
    real_server 198.51.100.2 8080 {
        TCP_CHECK {
            connect_ip 10.0.0.9
            delay_loop 5
        }
    }
    real_server 198.51.100.3 8080 {
        PING_CHECK {
        }
    }
    real_server 198.51.100.4 8080 {
        weight 1
    }
}
virtual_server 203.0.113.11 53 {
    protocol TCP
    real_server 198.51.100.5 53 {
        DNS_CHECK {
            name example.com
        }
    }
}
vigil {
    vantage_point weur {
        kind edge
        region weur
    }
    vantage_point dc1 {
        kind self-hosted
    }
}
`;

const RS1 = 'tcp/203.0.113.10:80|198.51.100.1:8080';
const RS2 = 'tcp/203.0.113.10:80|198.51.100.2:8080';
const RS3 = 'tcp/203.0.113.10:80|198.51.100.3:8080';
const RS5 = 'tcp/203.0.113.11:53|198.51.100.5:53';

describe('the checker plan: one expansion of a config into checkers', () => {
  const config = configFrom(CONF);

  it('expands every probed check with its id, address, port and keepalived timing, in the order written, leaving out what the director tracks itself', () => {
    const plan = planCheckers(config);
    expect(plan.map((r) => r.target)).toEqual([RS1, RS2, RS3, RS5]); // no checks on .4: nothing to probe, no vote
    const [http, tcp] = plan[0]!.checkers;
    expect(plan[0]!.checkers).toHaveLength(2); // FILE_CHECK (index 2) is the director's
    expect(http).toMatchObject({ id: `${RS1}#0`, target: RS1, ip: '198.51.100.1', port: 8080, realServerVirtualhost: 'rs.example', virtualServerVirtualhost: 'vs.example' });
    expect(http!.check.type).toBe('HTTP_GET');
    expect(http!.timing).toEqual({ connectTimeoutMs: 3000, retry: 1, delayBeforeRetryMs: 3000, warmupMs: 20_000, delayLoopMs: 20_000, alpha: false });
    expect(tcp).toMatchObject({ id: `${RS1}#1`, ip: '198.51.100.1', port: 9000 }); // connect_port
    expect(tcp!.timing).toMatchObject({ retry: 0, delayLoopMs: 20_000, delayBeforeRetryMs: 1000 });
    expect(plan[1]!.checkers[0]).toMatchObject({ id: `${RS2}#0`, ip: '10.0.0.9', port: 8080, timing: { delayLoopMs: 5000, warmupMs: 5000 } }); // connect_ip; the checker's own delay_loop
    expect(plan[3]!.checkers[0]!.timing).toMatchObject({ delayLoopMs: 60_000, retry: 3 }); // keepalived's defaults: delay_loop 60 s, DNS retry 3
  });

  it('keeps only the real servers a vantage point is assigned, given as a set of keys or a shard placement', () => {
    expect(planCheckers(config, new Set([RS2, 'tcp/192.0.2.1:80|192.0.2.2:80'])).map((r) => r.target)).toEqual([RS2]);
    expect(planCheckers(config, new Map([[RS5, 3]])).flatMap((r) => r.checkers.map((c) => c.id))).toEqual([`${RS5}#0`]);
    expect(planCheckers(config, new Set())).toEqual([]);
  });

  it('says what an edge vantage point cannot run, by the rule the Board assigns with', () => {
    const plan = planCheckers(config);
    const notAtEdge = Object.fromEntries(plan.map((r) => [r.target, r.notAtEdge]));
    expect(notAtEdge).toEqual({
      [RS1]: 'FILE_CHECK cannot run at the edge',
      [RS2]: '10.0.0.9 is not reachable from the edge',
      [RS3]: 'PING_CHECK cannot run at the edge',
      [RS5]: undefined,
    });
    // The same answer as the assignment: of the real servers with checks, the edge gets exactly those the plan has nothing against.
    const probed = new Set(plan.map((r) => r.target));
    const edge = assignTargets(config).filter((a) => probed.has(a.key) && a.vantagePoints.includes('weur')).map((a) => a.key);
    expect(edge).toEqual(plan.filter((r) => r.notAtEdge === undefined).map((r) => r.target));
    for (const a of assignTargets(config)) {
      const why = notAtEdge[a.key];
      if (why) expect(a.excluded).toEqual([{ vantagePoint: 'weur', why }]);
    }
  });

  it('a planned checker survives the trip through RPC (its schema) unchanged', () => {
    for (const c of planCheckers(config).flatMap((r) => r.checkers)) expect(PlannedChecker.parse(JSON.parse(JSON.stringify(c)))).toEqual(JSON.parse(JSON.stringify(c)));
    const one = planCheckers(config)[0]!.checkers[0]!;
    expect(PlannedChecker.safeParse({ ...one, timing: { ...one.timing, retry: -1 } }).success).toBe(false);
    expect(PlannedChecker.safeParse({ ...one, port: 70_000 }).success).toBe(false);
  });
});
