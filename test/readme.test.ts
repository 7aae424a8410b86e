import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok, readText } from './helpers/read-config.ts';

const README = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');

describe('README stays true', () => {
  it('its vigil { } example reads clean and means what it says', () => {
    const block = /\n( {4}vigil \{\n[\s\S]*?\n {4}\}\n)/.exec(README)?.[1];
    expect(block).toBeDefined();
    const text = block!.split('\n').map((l) => l.slice(4)).join('\n');
    const r = readText(text);
    const c = ok(r);
    expect(r.lines).toEqual([]);
    expect(c.vigil.vantagePoints).toEqual([{ name: 'weur', kind: 'edge', region: 'weur' }, { name: 'dc1', kind: 'self-hosted' }]);
    expect(c.vigil.vote).toEqual({ quorum: 2, freshnessIntervals: 3, degrade: 'majority' });
    expect(c.vigil.cloudBindings[0]).toMatchObject({ name: 'web-eip', kind: 'elastic-ip', leaseTtlMs: 10_000, directors: [{ id: 'lb1', priority: 150, instanceId: 'i-0123456789abcdef0' }] });
  });

  it('shows the set-up, start and test commands that package.json runs', () => {
    for (const c of ['npm ci', 'npm start', 'npm test']) expect(README).toContain(c);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain('start');
    expect(pkg.scripts.test).toBe('vitest run');
  });
});
