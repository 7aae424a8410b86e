/**
 * Running `vigil realserver setup` (the real CLI) inside a network namespace
 * of the test's own, and reading back what it changed there: addresses on lo
 * and the namespace's own /proc/sys/net.
 */
import { join } from 'node:path';
import { runCommand } from '../../shim/vrrp/run-command.ts';
import { ip, REPO } from '../vrrp/lab.ts';

/** The CLI's first start compiles through tsx when the bundle is stale: generous on a shared machine. */
const CLI_TIMEOUT_MS = 90_000;

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** `vigil realserver setup ARGS --state-dir DIR` in `ns`; `asUser` runs it as that uid/gid (setpriv). */
export async function realserverIn(ns: string, stateDir: string, args: string[], o: { asUser?: number } = {}): Promise<CliRun> {
  const drop = o.asUser === undefined ? [] : ['setpriv', `--reuid=${o.asUser}`, `--regid=${o.asUser}`, '--clear-groups'];
  const argv = ['ip', 'netns', 'exec', ns, ...drop, process.execPath, join(REPO, 'bin/vigil.js'), 'realserver', 'setup', '--state-dir', stateDir, ...args];
  const r = await runCommand(argv, { timeoutMs: CLI_TIMEOUT_MS });
  if (r.timedOut) throw new Error(`vigil realserver setup ${args.join(' ')} in ${ns}: no exit within ${CLI_TIMEOUT_MS} ms\n${r.stderr}`);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

/** Addresses on lo in `ns`, with prefix, sorted. */
export function loAddresses(ns: string): string[] {
  const out = ip(['-n', ns, '-o', 'address', 'show', 'dev', 'lo']);
  return [...out.matchAll(/inet6? ([0-9a-f.:]+\/\d+)/g)].map((m) => m[1]!).sort();
}

/** The ARP sysctls of `ns` as `sysctl` would print their names. */
export async function arpSysctls(ns: string, ifaces: string[]): Promise<Record<string, number>> {
  const keys = ifaces.flatMap((i) => [`net.ipv4.conf.${i}.arp_ignore`, `net.ipv4.conf.${i}.arp_announce`]);
  const r = await runCommand(['ip', 'netns', 'exec', ns, 'sysctl', ...keys], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`sysctl in ${ns}: ${r.stderr}`);
  return Object.fromEntries([...r.stdout.matchAll(/^(\S+) = (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

export async function setSysctl(ns: string, key: string, value: number): Promise<void> {
  const r = await runCommand(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', `${key}=${value}`], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`sysctl -w ${key}=${value} in ${ns}: ${r.stderr}`);
}
