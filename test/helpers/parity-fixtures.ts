import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fixtures written from issue #17's descriptions; each names keepalived 2.2.7's verdict class on its first line (`# class: …`). */
export const PARITY = join(import.meta.dirname, '../fixtures/keepalived-parity');
export const parityFixtures = (): string[] => readdirSync(PARITY).filter((f) => f.endsWith('.conf')).sort();
export const expectedClass = (f: string): string => /^# class: (\w+)/.exec(readFileSync(join(PARITY, f), 'utf8'))![1]!;

export const KEEPALIVED = '/usr/sbin/keepalived';
/** Why keepalived -t cannot run here, or null. */
export const keepalivedTestMissing = (): string | null =>
  !existsSync(KEEPALIVED) ? `${KEEPALIVED} is absent (infra/install-test-deps.sh installs keepalived)` : process.getuid?.() !== 0 ? 'needs root for a network namespace with eth0 and eth1' : null;

/**
 * keepalived -t in a network namespace of its own (unshare: gone when the
 * process exits, so no name to collide with another run) holding eth0 and eth1,
 * because keepalived checks that the interfaces a file names exist.
 */
export function keepalivedTest(file: string): { code: number | null; err: string } {
  const r = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && exec "$0" -t -l -f "$1"', KEEPALIVED, file], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, err: r.stderr };
}
