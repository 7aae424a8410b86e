import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import { realServerKey } from '../vote/targets.ts';
import { planCheckers } from './checker-plan.ts';
import { configForProber } from './prober-assignment.ts';

describe('the config a prober is handed', () => {
  const config = Config.parse({
    globalDefs: { routerId: 'r1', notificationEmail: ['ops@example.com'], scriptUser: { user: 'nobody' }, enableScriptSecurity: true },
    virtualServers: [
      { ip: '10.0.0.1', port: 80, protocol: 'TCP', quorumUp: { command: '/bin/up' }, realServers: [
        { ip: '10.0.1.1', port: 80, notifyUp: { command: '/bin/notify' }, checks: [{ type: 'TCP_CHECK' }] },
        { ip: '10.0.1.2', port: 80, checks: [{ type: 'TCP_CHECK' }] },
      ] },
      { ip: '10.0.0.2', port: 80, protocol: 'TCP', realServers: [{ ip: '10.0.2.1', port: 80, checks: [{ type: 'MISC_CHECK', miscPath: { command: '/bin/true' } }] }] },
    ],
    vigil: { vantagePoints: [{ name: 'dc1', kind: 'self-hosted' }, { name: 'dc2', kind: 'self-hosted' }] },
  });
  const mine = realServerKey(config.virtualServers[0]!, config.virtualServers[0]!.realServers[0]!);

  it('keeps only its real servers and their virtual servers, and plans exactly the same checkers for them', () => {
    const out = configForProber(config, 'dc1', new Set([mine]));
    expect(out.virtualServers.map((vs) => vs.realServers.map((rs) => rs.ip))).toEqual([['10.0.1.1']]);
    expect(planCheckers(out, new Set([mine]))).toEqual(planCheckers(config, new Set([mine])));
  });

  it('drops notify and quorum scripts, global_defs beyond the script policy, and other vantage points', () => {
    const out = configForProber(config, 'dc1', new Set([mine]));
    expect(out.virtualServers[0]!.quorumUp).toBeUndefined();
    expect(out.virtualServers[0]!.realServers[0]!.notifyUp).toBeUndefined();
    expect(out.globalDefs).toEqual(Config.parse({ globalDefs: { scriptUser: { user: 'nobody' }, enableScriptSecurity: true } }).globalDefs);
    expect(out.vigil.vantagePoints.map((v) => v.name)).toEqual(['dc1']);
    expect(Config.safeParse(out).success).toBe(true);
  });
});
