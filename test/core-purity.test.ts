import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(import.meta.dirname, '../core');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('core/ runs in both runtimes', () => {
  it('imports nothing from node:*, cloudflare:* or the runtime folders', () => {
    const offenders: string[] = [];
    for (const f of sources(CORE)) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (/^(node:|cloudflare:)/.test(spec) || /\/(shim|workers|infra)\//.test(spec) || ['fs', 'net', 'tls', 'os', 'path', 'child_process', 'dgram'].includes(spec)) {
          offenders.push(`${relative(CORE, f)} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
