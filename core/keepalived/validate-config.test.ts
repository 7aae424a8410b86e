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
  // The reader hands over its own objects; a copy keeps `raw` intact for the whole parse it is compared with.
  for (const vs of structuredClone(raw.virtualServers) as unknown[]) v.readVirtualServer(vs);
  const { virtualServers: _, ...rest } = raw;
  return v.finish(rest);
}

const vs = (ip: string, port: number, rsPort = 80) => ({
  ip,
  port,
  protocol: 'TCP',
  realServers: [
    { ip: '10.1.0.1', port: rsPort, checks: [{ type: 'HTTP_GET', urls: [{ path: '/', statusCodes: [{ from: 200, to: 204 }] }] }] },
    { ip: '10.1.0.2', port: rsPort, weight: 3, checks: [{ type: 'UDP_CHECK' }, { type: 'MISC_CHECK', miscPath: { command: '/bin/true' } }] },
  ],
  sorryServer: { ip: '10.1.0.9' },
});
const instance = (vrid: number) => ({ name: 'VI_1', interface: 'eth0', virtualRouterId: vrid, virtualIpaddress: [{ address: '10.0.0.9' }] });

describe('the reader’s model: virtual servers taken as read, with the schema’s defaults; the rest checked by the schema', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['a valid model', { globalDefs: { routerId: 'a' }, virtualServers: [vs('10.0.0.1', 80), vs('10.0.0.2', 443)], vrrpInstances: [instance(51)] }],
    ['virtual servers with every default left to the schema', { virtualServers: [{ fwmark: 7, realServers: [{ ip: '10.2.0.1' }] }, { group: 'g', realServers: [] }] }],
    ['no virtual servers', { virtualServers: [], vrrpInstances: [instance(51)] }],
    [
      'bad values around valid virtual servers',
      {
        globalDefs: { smtpServer: { host: 'm', port: 0 } },
        staticIpaddress: [{ address: 'bad' }],
        virtualServers: [vs('10.0.0.1', 80)],
        vrrpInstances: [instance(300)],
        vigil: { vantagePoints: 'x' },
      },
    ],
  ];
  for (const [name, raw] of cases) {
    it(`gives what one Config.safeParse gives: ${name}`, () => {
      expect(streamed(raw)).toStrictEqual(whole(raw));
    });
  }
});
