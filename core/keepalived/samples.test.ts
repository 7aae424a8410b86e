import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { skipTitle } from '../../test/helpers/skip-reason.ts';
import { parseVigilJson } from '../config/json.ts';
import { readKeepalivedConfig } from './index.ts';

const SAMPLES = join(import.meta.dirname, '../../test/fixtures/keepalived-samples');
const present = existsSync(SAMPLES);

describe.skipIf(!present)(skipTitle("keepalived's own sample configs", present ? null : `${SAMPLES} is absent`), () => {
  const files = present ? readdirSync(SAMPLES).sort() : [];
  const broken = 'keepalived.conf.vrrp.rules';

  it('has the corpus the issue names', () => {
    expect(files.length).toBeGreaterThanOrEqual(27);
    expect(files).toContain(broken);
  });

  for (const f of files.filter((x) => x !== broken)) {
    it(`reads ${f} with no error`, () => {
      for (const configId of ['high', 'low', 'other']) {
        const res = readKeepalivedConfig(join(SAMPLES, f), { host: nodeConfigHost, configId });
        const errors = res.diagnostics.filter((d) => d.severity === 'error');
        expect(errors, errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n')).toEqual([]);
        expect(res.ok).toBe(true);
        if (!res.ok) continue;
        // `vigil import` output: the strict JSON reader accepts it whole and reads the same model.
        const json = parseVigilJson(`${f}.json`, JSON.stringify(res.config, null, 2));
        expect(json.diagnostics).toEqual([]);
        expect(json.ok && json.config).toEqual(res.config);
      }
    });
  }

  it(`reports the bad address on line 11 of ${broken} and skips that line, as keepalived (-t exits 5, it runs without it)`, () => {
    const res = readKeepalivedConfig(join(SAMPLES, broken), { host: nodeConfigHost, configId: 'x' });
    expect(res.ok).toBe(true);
    const e = res.diagnostics.find((d) => d.severity === 'warning' && d.line === 11);
    expect(e).toBeDefined();
    expect(e!.col).toBe(8);
    expect(e!.message).toContain('192.168.100./24');
    expect(e!.file).toBe(join(SAMPLES, broken));
    expect(res.ok && res.config.staticRules).toEqual([{ words: ['from', '192.168.100.0/24', 'table', '1'] }]);
  });

  it('reads what matters from the samples, not just without errors', () => {
    const read = (f: string, id = 'x') => {
      const r = readKeepalivedConfig(join(SAMPLES, f), { host: nodeConfigHost, configId: id });
      if (!r.ok) throw new Error(f);
      return r.config;
    };
    const sample = read('keepalived.conf.sample');
    expect(sample.virtualServers[0]).toMatchObject({ ip: '10.10.10.2', port: 1358, lbAlgo: 'rr', protocol: 'TCP', persistenceTimeoutS: 50, delayLoopMs: 6000 });
    expect(sample.virtualServers[0]!.sorryServer).toEqual({ ip: '192.168.200.200', port: 1358 });
    const http = sample.virtualServers[0]!.realServers[0]!.checks[0]!;
    expect(http).toMatchObject({ type: 'HTTP_GET', connectTimeoutMs: 3000, retry: 3, delayBeforeRetryMs: 3000 });
    expect(sample.vrrpInstances[0]).toMatchObject({ name: 'VI_1', nopreempt: true, priority: 100, virtualRouterId: 50 });

    const status = read('keepalived.conf.status_code');
    const urls = (status.virtualServers[0]!.realServers[0]!.checks[0] as { urls: { statusCodes: unknown }[] }).urls;
    expect(urls[0]!.statusCodes).toEqual([{ from: 200, to: 299 }, { from: 400, to: 499 }, { from: 503, to: 503 }, { from: 505, to: 505 }]);

    const cond = read('keepalived.conf.conditional_conf', 'high');
    expect(cond.vrrpInstances[0]!.priority).toBe(170);
    expect(cond.vrrpScripts[0]!.script.command).toBe('/etc/keepalived/scripts/check_high_VI_0.sh');
    expect(read('keepalived.conf.conditional_conf', 'low').vrrpInstances[0]!.priority).toBe(85);
    expect(read('keepalived.conf.conditional_conf', 'none').vrrpInstances[0]!.priority).toBe(100);

    const group = read('keepalived.conf.virtual_server_group');
    expect(group.virtualServerGroups[0]!.entries).toContainEqual({ range: '192.168.200.3-10', port: 80 });
    expect(group.virtualServerGroups[0]!.entries).toContainEqual({ fwmark: 2 });
    expect(group.virtualServers[0]!.group).toBe('VSG_1');

    const local = read('keepalived.conf.vrrp.localcheck');
    expect(local.vrrpInstances[0]!.trackInterface).toEqual([{ name: 'eth1', weight: 2 }, { name: 'eth2', weight: -2 }, { name: 'eth3' }]);
    expect(local.vrrpScripts.find((s) => s.name === 'chk_sshd')).toMatchObject({ weight: -4, fall: 2, rise: 2, intervalMs: 2000 });

    const misc = read('keepalived.conf.misc_check_arg');
    expect(misc.virtualServers[0]!.realServers[0]!.checks[0]).toMatchObject({ type: 'MISC_CHECK', miscPath: { command: '/usr/local/bin/script.sh arg1 arg2' } });

    const smtp = read('keepalived.conf.SMTP_CHECK');
    expect(smtp.virtualServers[0]!.realServers[2]!.checks[0]).toMatchObject({ heloName: 'foo.bar.com', hosts: [{ connectIp: '172.16.1.12', connectPort: 25, bindTo: '172.16.1.2' }, { connectIp: '192.168.155.11' }, { connectPort: 587 }] });
  });
});
