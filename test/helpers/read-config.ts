import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { formatDiagnostic, readKeepalivedConfig, type ReadResult } from '../../core/keepalived/index.ts';

/**
 * Writes a small tree of config files into a fresh temp directory and reads
 * `main` from it with the real Node host (real files, real globbing).
 * Diagnostics name files relative to that directory.
 */
export function readFiles(files: Record<string, string>, main = 'keepalived.conf', configId = 'main'): ReadResult & { dir: string; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-conf-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const res = readKeepalivedConfig(main, { host: nodeConfigHost, configId });
      return { ...res, dir, lines: res.diagnostics.map(formatDiagnostic) };
    } finally {
      process.chdir(cwd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function readText(text: string, configId = 'main'): ReadResult & { lines: string[] } {
  return readFiles({ 'keepalived.conf': text }, 'keepalived.conf', configId);
}

/** The config of a read that must succeed; fails the test with the diagnostics otherwise. */
export function ok(res: ReadResult & { lines: string[] }) {
  if (!res.ok) throw new Error('expected a clean read, got:\n' + res.lines.join('\n'));
  return res.config;
}
