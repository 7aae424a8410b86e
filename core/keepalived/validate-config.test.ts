import { describe, expect, it } from 'vitest';
import { Config } from '../config/model.ts';
import { StreamedValidation } from './validate-config.ts';

/** What one Config.safeParse of the whole raw model gives: the model, or each issue's path and message in order. */
function whole(raw: Record<string, unknown>) {
  const r = Config.safeParse(raw);
  return r.success ? { success: true, data: r.data } : { success: false, issues: r.error.issues.map((x) => ({ path: x.path, message: x.message })) };
}

function streamed(raw: Record<string, unknown>) {
  const v = new StreamedValidation();
  for (const vs of raw.virtualServers as unknown[]) v.virtualServer(vs);
  const { virtualServers: _, ...rest } = raw;
  return v.finish(rest);
}

const vs = (ip: string, port: number, rsPort = 80) => ({ ip, port, protocol: 'TCP', realServers: [{ ip: '10.1.0.1', port: rsPort, checks: [] }] });
const instance = (vrid: number) => ({ name: 'VI_1', interface: 'eth0', virtualRouterId: vrid, virtualIpaddress: [{ address: '10.0.0.9' }] });

describe('virtual servers validated one by one as they are read', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['a valid model', { globalDefs: { routerId: 'a' }, virtualServers: [vs('10.0.0.1', 80), vs('10.0.0.2', 443)], vrrpInstances: [instance(51)] }],
    ['no virtual servers', { virtualServers: [], vrrpInstances: [instance(51)] }],
    ['bad virtual servers only', { virtualServers: [vs('10.0.0.1', 70000), vs('10.0.0.2', 80, -1), vs('nope', 1)] }],
    [
      'bad values before, among and after the virtual servers',
      {
        globalDefs: { smtpServer: { host: 'm', port: 0 } },
        staticIpaddress: [{ address: 'bad' }],
        virtualServers: [vs('10.0.0.1', 80), vs('10.0.0.2', 99999)],
        vrrpInstances: [instance(300)],
        vigil: { vantagePoints: 'x' },
      },
    ],
    ['bad values elsewhere, virtual servers fine', { staticIpaddress: [{ address: 'bad' }], virtualServers: [vs('10.0.0.1', 80)], vrrpInstances: [instance(0)] }],
  ];
  for (const [name, raw] of cases) {
    it(`gives what one Config.safeParse gives: ${name}`, () => {
      expect(streamed(raw)).toEqual(whole(raw));
    });
  }
});
