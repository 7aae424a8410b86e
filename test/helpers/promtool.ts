import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's `prometheus` package puts promtool here (infra/install-test-deps.sh). */
const PROMTOOL = '/usr/bin/promtool';

/** Why promtool cannot run on this machine, or null (for skipTitle). */
export const promtoolMissing: string | null = existsSync(PROMTOOL) ? null : `${PROMTOOL} is absent (Debian package prometheus; run infra/install-test-deps.sh)`;

/** promtool with a deadline; `stdin` is piped in (check metrics reads the exposition from stdin). */
export function promtool(args: readonly string[], stdin?: string, cwd?: string): { code: number | null; out: string } {
  const r = spawnSync(PROMTOOL, args, { input: stdin, cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}
