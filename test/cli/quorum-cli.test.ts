import { describe, expect, it } from 'vitest';
import { lineOf, PRIVATE_RS, PUBLIC_RS, privateRealServerConfig as config } from '../fixtures/quorum-configs.ts';
import { vigilCli } from '../helpers/vigil-cli.ts';

const { vigil, file } = vigilCli('vigil-quorum-');

interface PlanEntry {
  realServer: string;
  vantagePoints: string[];
  effectiveQuorum: number;
  configuredQuorum?: number;
  degraded?: string;
}

describe('vigil check-config: a quorum the vantage points cannot meet', () => {
  it('is an error at the real_server line when only one vantage point can check a quorum-2 real server', () => {
    const text = config('        quorum 2');
    const r = vigil('check-config', file('short.conf', text));
    expect(r.code).toBe(1);
    expect(lineOf(text, 'real_server 10.1.0.1')).toBe(25);
    expect(r.err).toContain(`short.conf:25:5: error: real_server ${PRIVATE_RS}: quorum 2 needs 2 vantage points but only 1 vantage point can check it (dc1); weur, enam: 10.1.0.1 is not reachable from the edge`);
    // The public real server (three can check it) is not named.
    expect(r.err).not.toContain('203.0.113.5:80: quorum');
    expect(r.err).toContain('1 error(s)');
  });

  it('the same config in the JSON form is refused at the real server in the document', () => {
    const json = JSON.parse(vigil('import', file('deg-for-json.conf', config('        quorum 2\n        degrade majority'))).out) as { vigil: { vote: Record<string, unknown> } };
    delete json.vigil.vote.degrade;
    const r = vigil('check-config', file('short.json', JSON.stringify(json, null, 2)));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^short\\.json:\\d+:\\d+: error: real_server ${PRIVATE_RS.replace(/[.|]/g, '\\$&')}: quorum 2 needs 2 vantage points`, 'm'));
  });

  it("with 'degrade majority' it passes, and import shows the effective quorum 1 for the private real server", () => {
    const conf = file('degrade.conf', config('        quorum 2\n        degrade majority'));
    const check = vigil('check-config', conf);
    expect(check.err).not.toContain('error');
    expect([0, 2]).toContain(check.code);
    const imp = vigil('import', conf);
    expect(imp.code).toBe(0);
    const doc = JSON.parse(imp.out) as { vigil: { vote: unknown }; votePlan: PlanEntry[] };
    expect(doc.vigil.vote).toEqual({ quorum: 2, degrade: 'majority', freshnessIntervals: 3 });
    expect(doc.votePlan).toEqual([
      { realServer: PUBLIC_RS, vantagePoints: ['dc1', 'weur', 'enam'], excluded: [], effectiveQuorum: 2, configuredQuorum: 2 },
      {
        realServer: PRIVATE_RS,
        vantagePoints: ['dc1'],
        excluded: ['weur', 'enam'].map((vantagePoint) => ({ vantagePoint, why: '10.1.0.1 is not reachable from the edge' })),
        effectiveQuorum: 1,
        configuredQuorum: 2,
        degraded: 'majority',
      },
    ]);
  });

  it("'degrade all' lowers it to every vantage point that can check it; no quorum named is a majority of them", () => {
    const all = JSON.parse(vigil('import', file('all.conf', config('        quorum 3\n        degrade all'))).out) as { votePlan: PlanEntry[] };
    expect(all.votePlan.map((p) => [p.effectiveQuorum, p.degraded])).toEqual([[3, undefined], [1, 'all']]);
    const none = JSON.parse(vigil('import', file('none.conf', config('        freshness_intervals 4'))).out) as { votePlan: PlanEntry[] };
    expect(none.votePlan.map((p) => p.effectiveQuorum)).toEqual([2, 1]);
  });

  it('export prints the degrade option back, drops the plan, and reads back to the same JSON', () => {
    const json = vigil('import', file('rt.conf', config('        quorum 2\n        degrade majority'))).out;
    const exported = vigil('export', file('rt.json', json));
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/^\s+degrade majority$/m);
    expect(exported.out).not.toContain('votePlan');
    const again = vigil('import', file('rt-again.conf', exported.out));
    expect(JSON.parse(again.out)).toEqual(JSON.parse(json));
  });

  it('a config with no vantage points keeps its old meaning: no plan, no error', () => {
    const text = config('        quorum 2').replace(/^vigil \{[\s\S]*?^\}\n/m, '');
    const r = vigil('check-config', file('novp.conf', text));
    expect(r.err).not.toContain('error');
    expect(r.code).toBe(0);
    expect((JSON.parse(vigil('import', 'novp.conf').out) as { votePlan: unknown[] }).votePlan).toEqual([]);
  });
});
