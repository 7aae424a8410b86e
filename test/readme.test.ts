import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok, readText } from './helpers/read-config.ts';

const README = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');

describe('README stays true', () => {
  it('its vigil { } example reads clean and means what it says', () => {
    const block = /\n( {4}vigil \{\n {8}vantage_point[\s\S]*?\n {4}\}\n)/.exec(README)?.[1];
    expect(block).toBeDefined();
    const text = block!.split('\n').map((l) => l.slice(4)).join('\n');
    const r = readText(text);
    const c = ok(r);
    expect(r.lines).toEqual([]);
    expect(c.vigil.vantagePoints).toEqual([{ name: 'weur', kind: 'edge', region: 'weur' }, { name: 'dc1', kind: 'self-hosted' }]);
    expect(c.vigil.vote).toEqual({ quorum: 2, freshnessIntervals: 3, degrade: 'majority' });
    expect(c.vigil.cloudBindings[0]).toMatchObject({ name: 'web-eip', kind: 'elastic-ip', leaseTtlMs: 10_000, directors: [{ id: 'lb1', priority: 150, instanceId: 'i-0123456789abcdef0' }] });
  });

  it('its track_board example reads clean against a config that has what it names, and means what it says', () => {
    const block = /\n( {4}vigil \{\n {8}track_board[\s\S]*?\n {4}\}\n)/.exec(README)?.[1];
    expect(block).toBeDefined();
    const instance = (n: number) => `vrrp_instance VI_${n} {\n  interface eth0\n  virtual_router_id ${50 + n}\n  priority 100\n  virtual_ipaddress {\n    192.0.2.${99 + n}/24\n  }\n}\n`;
    const named = 'virtual_server 192.0.2.10 80 {\n  protocol TCP\n  real_server 10.0.0.5 8080 {\n  }\n}\n';
    const r = readText(instance(1) + instance(2) + named + block!.split('\n').map((l) => l.slice(4)).join('\n'));
    expect(ok(r).vigil.trackBoards).toEqual([
      { name: 'web', virtualServer: { ip: '192.0.2.10', port: 80 }, realServer: { ip: '10.0.0.5', port: 8080 }, weight: -30, reverse: false, holdTimeMs: 30_000, instances: [{ name: 'VI_1' }, { name: 'VI_2', weight: 0, reverse: true }] },
    ]);
    expect(r.lines).toEqual([]);
  });

  it('its alert_webhook example reads clean and means what it says', () => {
    const block = /\n( {4}vigil \{\n {8}alert_webhook[\s\S]*?\n {4}\}\n)/.exec(README)?.[1];
    expect(block).toBeDefined();
    const r = readText(block!.split('\n').map((l) => l.slice(4)).join('\n'));
    expect(ok(r).vigil.alertWebhooks).toEqual([{ name: 'ops', url: 'https://hooks.example.com/vigil', events: ['verdict_change', 'vantage_point_silent', 'lease_moved'], secretEnv: 'VIGIL_WEBHOOK_OPS' }]);
    expect(r.lines).toEqual([]);
  });

  it('shows the set-up, start and test commands that package.json runs', () => {
    for (const c of ['npm ci', 'npm start', 'npm test']) expect(README).toContain(c);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain('start');
    expect(pkg.scripts.test).toBe('vitest run');
  });
});
