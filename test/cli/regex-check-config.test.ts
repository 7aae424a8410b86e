import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-regex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const conf = (regex: string) =>
  `virtual_server 192.0.2.1 80 {\n  protocol TCP\n  real_server 198.51.100.1 80 {\n    HTTP_GET {\n      url {\n        path /\n        regex "${regex}"\n      }\n    }\n  }\n}\n`;

/** The real `vigil check-config`, with a deadline. */
function checkConfig(name: string, text: string) {
  writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'check-config', name], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('vigil check-config on regex checks', () => {
  it('errors on a lookbehind, naming it at its column, where keepalived would have matched with PCRE2', () => {
    const r = checkConfig('lookbehind.conf', conf('(?<=status: )up'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('lookbehind.conf:7:16: error: regex: lookbehind (?<= or (?<! is PCRE2 syntax RE2 cannot express');
  });

  it('accepts (a+)+$, which RE2 matches in linear time', () => {
    const r = checkConfig('redos.conf', conf('(a+)+$'));
    expect(r.out).not.toContain('error');
    expect(r.code).toBe(0);
  });
});
