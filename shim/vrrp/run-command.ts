/**
 * Commands as argument lists with a deadline: never a shell string.
 */
import { spawn } from 'node:child_process';
import { splitScriptCommand } from '../../core/keepalived/index.ts';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs: number;
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Written to the command's standard input, which is then closed (otherwise stdin is /dev/null). */
  input?: string;
}

/** Runs argv[0] with argv[1..]; resolves (never rejects) with what happened. */
export function runCommand(argv: string[], opts: RunOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) {
      resolve({ code: null, signal: null, stdout: '', stderr: 'empty command', timedOut: false });
      return;
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      uid: opts.uid,
      gid: opts.gid,
      env: opts.env ?? process.env,
      signal: opts.signal,
    });
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // a command that exits without reading: its exit code says what happened
      child.stdin.end(opts.input);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    // Output is for logs only; cap it so a chatty script cannot grow memory.
    child.stdout?.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-4096)));
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: stderr + String(err.message), timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Splits a keepalived script line into argv with the config reader's own rules (quotes, escapes). */
export function splitCommandLine(line: string): string[] {
  return splitScriptCommand(line) ?? [];
}
