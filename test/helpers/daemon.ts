import { spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { onTestFinished } from 'vitest';
import { eventually, within } from './eventually.ts';

/**
 * The one way a test runs a process that keeps running: its own process
 * group (so a stop takes its children too: wrangler's workerd, a shim's
 * scripts), both streams captured in one transcript, waits that fail at once
 * when the process has exited, and a kill of the whole group when the test
 * ends, pass or fail. Spawned inside a test, it is stopped when that test
 * finishes; spawned in beforeAll, the suite's afterAll must call stop()
 * (a process-exit hook kills anything left as a last resort).
 */
export interface Daemon {
  readonly pid: number;
  /** stdout and stderr interleaved as they arrived. */
  output(): string;
  /** stdout alone (a process whose stdout is data, such as JSON lines, and stderr its log). */
  stdout(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** Waits for a line matching `re` in the transcript; fails at the deadline or at once when the process exits first. */
  waitForLine(what: string, re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Sends a signal to the process alone (not its group), as an operator's `kill` would. */
  signal(sig: NodeJS.Signals): void;
  /** Signals the whole group, escalates to SIGKILL after graceMs, and waits for the exit and the end of its output. Idempotent. */
  stop(sig?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

const live = new Set<number>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const pid of live) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export interface SpawnDaemonOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  /** Keep stdin open as a pipe (a process that exits when its stdin closes). */
  stdin?: boolean;
  /** Transcript kept, in characters (the tail); default 1 MiB. */
  keepChars?: number;
}

export function spawnDaemon(command: string, args: readonly string[], o: SpawnDaemonOptions = {}): Daemon {
  hookExit();
  const child = spawn(command, args, { cwd: o.cwd, env: o.env, detached: true, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const keep = o.keepChars ?? 1 << 20;
  let out = '';
  let stdout = '';
  const add = (d: Buffer) => {
    out += d.toString();
    if (out.length > keep) out = out.slice(-keep);
  };
  child.stdout!.on('data', (d: Buffer) => {
    add(d);
    stdout += d.toString();
    if (stdout.length > keep) stdout = stdout.slice(-keep);
  });
  child.stderr!.on('data', add);
  let code: number | string | undefined;
  const gone = new AbortController();
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (c, s) => {
      code = c ?? s ?? 'unknown';
      live.delete(child.pid!);
      // The wait's detail shows the output.
      gone.abort(new Error(`${command} exited (${code}) before it was seen`));
      resolve(code);
    });
    child.once('error', (err) => {
      code = `spawn error: ${err.message}`;
      gone.abort(new Error(`${command} could not be started: ${err.message}`));
      resolve(code);
    });
  });
  // Both streams at their end: the last output is in (a child still holding them open is killed by stop()).
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  if (child.pid === undefined) throw new Error(`${command} could not be started`);
  live.add(child.pid);

  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  let stopping: Promise<number | string> | undefined;
  const d: Daemon = {
    pid: child.pid,
    output: () => out,
    stdout: () => stdout,
    exited,
    hasExited: () => code !== undefined,
    waitForLine: (what, re, timeoutMs) => eventually(what, () => re.exec(out) ?? undefined, { timeoutMs, signal: gone.signal, detail: () => `${command} output so far:\n${out.slice(-3000)}` }),
    signal: (sig) => {
      if (code === undefined) child.kill(sig);
    },
    stop: (sig = 'SIGTERM', graceMs = 5000) => {
      stopping ??= (async () => {
        if (code === undefined) {
          killGroup(sig);
          try {
            await within(`${command} to exit after ${sig}`, exited, graceMs);
          } catch {
            killGroup('SIGKILL');
          }
        }
        const c = await exited;
        // The leader is gone; anything left in its group goes too.
        killGroup('SIGKILL');
        await within(`${command}'s output to end`, closed, graceMs).catch(() => undefined);
        return c;
      })();
      return stopping;
    },
  };
  try {
    onTestFinished(() => d.stop('SIGTERM', 5000).then(() => undefined));
  } catch {
    // Not inside a test (beforeAll): the caller's afterAll stops it.
  }
  return d;
}

/** Whether any process in `pid`'s group is still alive (a stop that left children behind). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether process `pid` has a handler for `sig` installed (SigCgt in
 * /proc/<pid>/status). Before then a signal such as SIGUSR2 or SIGHUP does
 * its default, which ends the process: wait for this before sending one to a
 * process that has just started.
 */
export function handlesSignal(pid: number, sig: NodeJS.Signals): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return mask !== undefined && ((BigInt(`0x${mask}`) >> BigInt(constants.signals[sig] - 1)) & 1n) === 1n;
}
