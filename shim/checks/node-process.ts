import { spawn } from 'node:child_process';
import type { ScriptOutcome } from '../../core/check/ports.ts';

/**
 * Runs argv without a shell, with a hard timeout: SIGTERM to the process group
 * at the deadline, SIGKILL a second later (keepalived does the same for
 * misc_timeout). Output is discarded so a chatty script cannot fill memory.
 */
export function runProcess(o: { argv: string[]; timeoutMs: number; signal: AbortSignal; uid?: number; gid?: number }): Promise<ScriptOutcome> {
  return new Promise((resolve) => {
    const [cmd, ...args] = o.argv;
    if (!cmd) return resolve({ kind: 'failed', message: 'empty argv' });
    // With uid/gid, libuv also drops the supplementary groups before exec.
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, shell: false, uid: o.uid, gid: o.gid });
    let timedOut = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      killTimer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 1000);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    const onAbort = () => kill();
    o.signal.addEventListener('abort', onAbort, { once: true });
    const done = (r: ScriptOutcome) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      o.signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    child.once('error', (err) => done({ kind: 'failed', message: err.message }));
    child.once('exit', (code, sig) => {
      if (timedOut) return done({ kind: 'timeout' });
      if (code !== null) return done({ kind: 'exited', code });
      done({ kind: 'failed', message: `killed by ${sig}` });
    });
  });
}
