/**
 * Runs a command inside a real Linux kernel with IPVS (User-Mode Linux, see
 * infra/uml/run.sh) and collects its output and exit code. The hard timeout is
 * enforced twice: by run.sh, and here by killing run.sh's whole process group,
 * whose exit trap kills the UML process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '../..');
const RUN = join(REPO, 'infra/uml/run.sh');

export interface UmlRun {
  code: number | null;
  stdout: string;
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
  return new Promise((resolve) => {
    const child = spawn(file!, [...pre, ...args, '--', ...argv], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
    };
    const killer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs + 10_000);
    o.signal?.addEventListener('abort', kill, { once: true });
    child.on('close', (code) => {
      clearTimeout(killer);
      o.signal?.removeEventListener('abort', kill);
      resolve({ code, stdout, stderr, timedOut: timedOut || code === 124 });
    });
  });
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
