import { describe, expect, it } from 'vitest';
import { parseVigilJson } from './json.ts';

describe('the Vigil JSON form is strict', () => {
  it('refuses a typo’d top-level key at its path and line:col instead of reading an empty config', () => {
    const text = '{\n  "virtualServer": []\n}\n';
    const res = parseVigilJson('cluster.json', text);
    expect(res.ok).toBe(false);
    expect(res.diagnostics).toEqual([{ severity: 'error', file: 'cluster.json', line: 2, col: 3, message: 'virtualServer: unknown key "virtualServer"' }]);
  });

  it('names a nested unknown key by its full JSON path', () => {
    const text = JSON.stringify({ virtualServers: [{ ip: '10.0.0.1', port: 80, protocol: 'TCP', lbKind: 'NAT', realServers: [{ ip: '10.0.0.2', port: 80, wieght: 3 }] }] }, null, 2);
    const res = parseVigilJson('c.json', text);
    expect(res.ok).toBe(false);
    const unknown = res.diagnostics.filter((d) => d.message.includes('unknown key'));
    expect(unknown.map((d) => d.message)).toEqual(['virtualServers.0.realServers.0.wieght: unknown key "wieght"']);
    const line = text.split('\n').findIndex((l) => l.includes('"wieght"')) + 1;
    expect(unknown[0]).toMatchObject({ line, col: text.split('\n')[line - 1]!.indexOf('"wieght"') + 1 });
  });

  it('still reads a document with only known keys', () => {
    expect(parseVigilJson('c.json', '{"virtualServers": []}')).toMatchObject({ ok: true, diagnostics: [] });
  });
});
