import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnDaemon } from './helpers/daemon.ts';
import { within } from './helpers/eventually.ts';

/**
 * What CI sees at the end of `npx vitest run`: the closing line, the reasons
 * for skips, the leftover processes, and above all the exit code. Each case
 * is a real vitest run of one fixture file with this repository's global
 * setup and summary reporter (test/fixtures/harness).
 */
const ROOT = join(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'test/fixtures/harness/vitest.config.ts');

async function vitestRun(fixture: string, env: Record<string, string>): Promise<{ code: number | string; out: string }> {
  const d = spawnDaemon(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', CONFIG], {
    cwd: ROOT,
    env: { ...process.env, CI: '', NO_COLOR: '1', ...env, HARNESS_FIXTURE: fixture },
  });
  const code = await within(`vitest run of ${fixture} to finish`, d.exited, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${d.output()}`);
  });
  return { code, out: d.output() };
}

describe('the closing summary and the exit code', () => {
  it('a skip prints its reason and counts as skipped outside CI; the run passes', async () => {
    const r = await vitestRun('skips.fixture.ts', {});
    expect(r.out).toContain('the thing is not installed here');
    expect(r.out).toMatch(/\ntests: 1 passed, 0 failed, 1 skipped\n/);
    expect(r.code, r.out).toBe(0);
  });

  it('under CI=true a skip the allow-list does not name fails the run, counted as failed', async () => {
    const r = await vitestRun('skips.fixture.ts', { CI: 'true' });
    const where = 'test/fixtures/harness/skips.fixture.ts > needs a thing [skipped: the thing is not installed here] > would test the thing';
    expect(r.out).toMatch(/which CI does not allow[^\n]*\n/);
    expect(r.out).toContain(`\n  ${where}\n    the thing is not installed here\n`);
    expect(r.out).toMatch(/\ntests: 1 passed, 1 failed, 0 skipped\n/);
    expect(r.code, r.out).toBe(1);
  });

  it('a process a test left running is named, killed, counted as failed, and fails the run', async () => {
    const r = await vitestRun('leaks.fixture.ts', {});
    const named = /\n {2}pid (\d+) \(parent \d+\): sleep 307\n/.exec(r.out);
    expect(named, r.out).not.toBeNull();
    expect(r.out).toMatch(/\ntests: 1 passed, 1 failed, 0 skipped\n/);
    expect(r.code, r.out).toBe(1);
    // Killed, not just reported: that pid no longer runs the sleep (it is gone, or already someone else's).
    let command = '';
    try {
      command = readFileSync(`/proc/${named![1]}/cmdline`, 'latin1');
    } catch {
      // gone
    }
    expect(command).not.toContain('307');
  });
});
