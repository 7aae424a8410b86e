import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { spawnDaemon } from './daemon.ts';
import { eventually } from './eventually.ts';
import { killAll, leftovers, markedProcesses, RUN_MARK } from './leftover-processes.ts';

/**
 * The scanner behind "no process outlives the test run", on processes this
 * test starts with a mark of its own (never the run's: that would find, and
 * kill, what other tests of this run legitimately keep running).
 */
describe('finding the processes a test run left behind', () => {
  const marked = (mark: string, argv: string[]) => spawnDaemon(argv[0]!, argv.slice(1), { env: { ...process.env, [RUN_MARK]: mark } });

  it('finds a process carrying the mark, with its pid, parent and command line, and not one without it', async () => {
    const mark = randomUUID();
    const d = marked(mark, ['sleep', '301']);
    const other = spawnDaemon('sleep', ['302'], { env: { ...process.env, [RUN_MARK]: randomUUID() } });
    const found = await eventually('the marked sleep in /proc', () => markedProcesses(RUN_MARK, mark).find((p) => p.pid === d.pid), { timeoutMs: 5000 });
    expect(found).toEqual({ pid: d.pid, ppid: process.pid, command: 'sleep 301' });
    expect(markedProcesses(RUN_MARK, mark).map((p) => p.pid)).not.toContain(other.pid);
  });

  it('finds a grandchild that still runs (the mark is inherited), but not the runner or its direct children', async () => {
    const mark = randomUUID();
    // A shell that starts a sleep of its own: the sleep's parent is the shell, not this process.
    const d = marked(mark, ['sh', '-c', 'sleep 303 & echo started $!; wait']);
    const grandchild = Number((await d.waitForLine('the shell to start its sleep', /started (\d+)/, 5000))[1]);
    // Seen from this process as the runner: its own child (the shell) is the runner's, the grandchild is left over.
    expect(leftovers(mark, process.pid).map((p) => p.pid)).toEqual([grandchild]);
    // Seen from a runner that did not start the shell: both are left over.
    expect(leftovers(mark, 1).map((p) => p.pid).sort((a, b) => a - b)).toEqual([d.pid, grandchild].sort((a, b) => a - b));
  });

  it('kills what it found: nothing carrying the mark is left running', async () => {
    const mark = randomUUID();
    const d = marked(mark, ['sh', '-c', 'sleep 304 & echo started $!; wait']);
    await d.waitForLine('the shell to start its sleep', /started \d+/, 5000);
    killAll(leftovers(mark, 1));
    await eventually('every marked process to be gone', () => markedProcesses(RUN_MARK, mark).length === 0, { timeoutMs: 5000, detail: () => JSON.stringify(markedProcesses(RUN_MARK, mark)) });
    expect(await d.exited).toBe('SIGKILL');
  });
});
