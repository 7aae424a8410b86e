/**
 * Finds processes a test run left behind. The run's global setup puts a mark
 * (RUN_MARK=<unique id>) in the environment before any test starts; every
 * process a test starts inherits it, however deep (wrangler's workerd, a
 * shim's scripts, keepalived's children), and keeps it in /proc/<pid>/environ
 * for its whole life, whatever it does to its own environment later.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const RUN_MARK = 'VIGIL_TEST_RUN';

export interface MarkedProcess {
  pid: number;
  ppid: number;
  /** Its command line, arguments joined by spaces. */
  command: string;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    // Gone between the listing and the read, or not ours to read.
    return null;
  }
}

/** Every live process (zombies are already dead) whose environment holds `name=value`. */
export function markedProcesses(name: string, value: string): MarkedProcess[] {
  const needle = `${name}=${value}`;
  const out: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const env = read(`/proc/${entry}/environ`);
    if (!env?.split('\0').includes(needle)) continue;
    // comm may hold spaces and parentheses: the fields that follow start after the last ')'.
    const stat = read(`/proc/${entry}/stat`) ?? '';
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === undefined || state === 'Z' || state === 'X') continue;
    const cmdline = (read(`/proc/${entry}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
    out.push({ pid: Number(entry), ppid: Number(ppid), command: cmdline || `[${/\((.*)\)/.exec(stat)?.[1] ?? '?'}]` });
  }
  return out;
}

/**
 * The marked processes a test left: all but the runner itself and its direct
 * children, which are the runner's own (its pool workers, the Workers pool's
 * workerd, vite's esbuild) and end when it closes. A test's process is never
 * the runner's direct child: tests run inside the pool workers.
 */
export function leftovers(mark: string, runnerPid: number): MarkedProcess[] {
  return markedProcesses(RUN_MARK, mark).filter((p) => p.pid !== runnerPid && p.ppid !== runnerPid);
}

export function killAll(ps: readonly MarkedProcess[]): void {
  for (const p of ps) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** What a run that left processes prints before it fails. */
export function describeLeftovers(ps: readonly MarkedProcess[]): string {
  return [`${ps.length} process(es) started by the tests were still running after the last test (now killed):`, ...ps.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.command.slice(0, 300)}`)].join('\n');
}

/**
 * In the runner's own process (global setup's teardown, the summary
 * reporter): kills this run's leftovers and returns them, or [] when no run
 * mark is set (the node project's global setup did not run).
 */
export function reapLeftovers(): MarkedProcess[] {
  const mark = process.env[RUN_MARK];
  if (!mark) return [];
  const left = leftovers(mark, process.pid);
  killAll(left);
  return left;
}
