/**
 * Runs a command inside a real Linux kernel with IPVS (User-Mode Linux, see
 * infra/uml/run.sh) and collects its output and exit code. The hard timeout is
 * enforced twice: by run.sh, and here by killing run.sh's whole process group,
 * whose exit trap kills the UML process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDaemon } from '../helpers/daemon.ts';
import { within } from '../helpers/eventually.ts';

export const REPO = join(import.meta.dirname, '../..');
const RUN = join(REPO, 'infra/uml/run.sh');

export interface UmlRun {
  /** The exit code, or the signal that ended run.sh. */
  code: number | string;
  stdout: string;
  /** Its log: stdout and stderr as they came. */
  stderr: string;
  timedOut: boolean;
}

/** Why UML tests cannot run here, or null when they can. */
export function umlUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (modprobe inside UML, ipvsadm)';
  if (spawnSync('sh', ['-c', 'command -v linux.uml'], { timeout: 5000 }).status !== 0) return 'user-mode-linux is not installed (infra/install-test-deps.sh)';
  if (!existsSync('/usr/sbin/ipvsadm')) return 'ipvsadm is not installed (infra/install-test-deps.sh)';
  return null;
}

export interface UmlOptions {
  timeoutMs?: number;
  /** Addresses given to the dummy interface inside (real servers must be routable). */
  addrs?: string[];
  mem?: string;
  /** Boot inside this network namespace with an eth0 on its tap device (see uml-net.ts). */
  net?: { netns: string; tap: string; addr: string };
  /** Ends the run early (run.sh's trap then kills the kernel). */
  signal?: AbortSignal;
}

export function runInUml(argv: string[], o: UmlOptions = {}): Promise<UmlRun> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const args = ['-t', String(Math.ceil(timeoutMs / 1000))];
  if (o.addrs) args.push('-a', o.addrs.join(','));
  if (o.mem) args.push('-m', o.mem);
  if (o.net) args.push('-n', o.net.tap, '-e', o.net.addr);
  // `ip netns exec` execs run.sh in place, so the process group below is still run.sh's.
  const [file, ...pre] = o.net ? ['ip', 'netns', 'exec', o.net.netns, RUN] : [RUN];
  const run = spawnDaemon(file!, [...pre, ...args, '--', ...argv], { cwd: REPO });
  const stop = () => void run.stop('SIGTERM');
  o.signal?.addEventListener('abort', stop, { once: true });
  return (async () => {
    let timedOut = false;
    try {
      await within(`${argv.join(' ').slice(0, 120)} inside UML to finish`, run.exited, timeoutMs + 10_000);
    } catch {
      timedOut = true;
    } finally {
      o.signal?.removeEventListener('abort', stop);
    }
    // Waits for the exit (run.sh's trap kills the kernel), then for the last of its output.
    const code = await run.stop('SIGTERM');
    return { code, stdout: run.stdout(), stderr: run.output(), timedOut: timedOut || code === 124 };
  })();
}

/** A node script of this repository run inside UML through tsx. */
export function nodeInUml(script: string, args: string[] = [], o: UmlOptions = {}): Promise<UmlRun> {
  return runInUml([process.execPath, '--import', 'tsx', join(REPO, script), ...args], o);
}

/** Inside scripts print one JSON line per step prefixed with this; the test reads them back. */
export const STEP = 'VIGIL-STEP ';
export function steps(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter((l) => l.startsWith(STEP)).map((l) => JSON.parse(l.slice(STEP.length)) as Record<string, unknown>);
}
