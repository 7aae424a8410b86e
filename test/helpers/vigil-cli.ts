import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/**
 * The real `vigil` entry point, as `npx vigil` would run it, in a scratch
 * directory of the calling test file (removed after its tests): `vigil(...)`
 * runs a command there with a deadline, `file(name, text)` writes one.
 */
export function vigilCli(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const vigil = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  return { dir, vigil, file };
}
