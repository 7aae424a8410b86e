/**
 * Process tracking against real processes: symlinks to sleep and bash with
 * names unique to this run give each test processes only it can match (the
 * kernel takes comm from the name the program was started by). Timing rules
 * run on a fake clock; each pass still scans the real /proc.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { PROCESS_QUORUM_MAX } from '../../core/config/track-process.ts';
import { spawnDaemon, type Daemon } from '../../test/helpers/daemon.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { ProcessMatcher, scanProcesses, type ProcessMatch } from './process-match.ts';
import { ProcessQuorum, ProcessScanner, ProcessSource, type ProcessTrack } from './process-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-tp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WAIT = { timeoutMs: 15_000 };
/** The tests' poll period: the passes below fall at multiples of it. */
const POLL_MS = 250;

/** A program name no other process on the machine has: `vgl<pid><tag>`, within comm's 15 characters. */
const unique = (tag: string) => `vgl${process.pid}${tag}`;
function link(name: string, target: string): string {
  const p = join(dir, name);
  symlinkSync(target, p);
  return p;
}
const SLEEP = execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim();
const BASH = execFileSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();

const match = (process: string, o: Partial<ProcessMatch> = {}): ProcessMatch => ({ process, params: [], paramMatch: 'none', fullCommand: false, ...o });
const count = (m: ProcessMatch) => scanProcesses(new ProcessMatcher(m)).size;
const track = (process: string, o: Partial<ProcessTrack> = {}): ProcessTrack => ({
  name: 'tp', ...match(process), quorum: 1, quorumMax: PROCESS_QUORUM_MAX, terminateDelayMs: 0, forkDelayMs: 0, ...o,
});
/** Waits until the real /proc shows `n` matching processes. */
const seen = (m: ProcessMatch, n: number) => eventually(`${n} process(es) matching ${m.process} in /proc`, () => count(m) === n, { ...WAIT, detail: () => `saw ${count(m)}` });

describe('which processes match (keepalived track_process.c)', () => {
  it("by comm, the name the program was started by, or by argv[0] with full_command", async () => {
    const name = unique('a');
    const path = link(name, SLEEP);
    spawnDaemon(path, ['1000']);
    await seen(match(name), 1);
    // comm is the last part of the path; the path itself is argv[0], matched only with full_command.
    expect([count(match(path)), count(match(path, { fullCommand: true })), count(match(name, { fullCommand: true }))]).toEqual([0, 1, 0]);
  });

  it('comm keeps 15 characters: a longer name never matches without full_command, its first 15 do', async () => {
    const name = unique('-long-name-beyond');
    spawnDaemon(link(name, SLEEP), ['1000']);
    await seen(match(name.slice(0, 15)), 1);
    expect(count(match(name))).toBe(0);
  });

  it('parameters: exact, partial (whole leading words), initial (the last word a prefix)', async () => {
    const name = unique('p');
    const path = link(name, SLEEP);
    spawnDaemon(path, ['1000', '7']);
    const m = (paramMatch: ProcessMatch['paramMatch'], ...params: string[]) => count(match(path, { fullCommand: true, paramMatch, params }));
    await eventually('the sleep with parameters to show in /proc', () => m('exact', '1000', '7') === 1, WAIT);
    expect({
      exact: [m('exact', '1000'), m('exact', '1000', '7', '8'), m('exact')],
      partial: [m('partial', '1000'), m('partial', '100'), m('partial')],
      initial: [m('initial', '100'), m('initial', '1000', ''), m('initial', '1000', '77'), m('initial', '7')],
    }).toEqual({ exact: [0, 0, 0], partial: [1, 0, 1], initial: [1, 1, 0, 0] });
  });

  it('a zombie does not count, by comm or by command line', async () => {
    const name = unique('z');
    const path = link(name, SLEEP);
    // The shell becomes a sleep that never reaps its child: the child, once exited, stays a zombie.
    const holder = spawnDaemon('sh', ['-c', `"${path}" 0 & exec ${SLEEP} 1000`]);
    await eventually('the zombie to appear', () => {
      const kids = execFileSync('ps', ['-o', 'stat=,comm=', '--ppid', String(holder.pid)], { encoding: 'utf8' });
      return kids.includes('Z') && kids.includes(name);
    }, WAIT);
    expect([count(match(name)), count(match(path, { fullCommand: true }))]).toEqual([0, 0]);
  });
});

describe('quorum and delays', () => {
  it('up while the count is within [quorum, quorum_max]; quorum_max 0 is up while none runs', async () => {
    const name = unique('q');
    const path = link(name, SLEEP);
    const m = match(name);
    const procs: Daemon[] = [];
    const within = (quorum: number, quorumMax: number) => new ProcessQuorum(track(name, { quorum, quorumMax }), scanProcesses(new ProcessMatcher(m))).up;
    expect([within(1, PROCESS_QUORUM_MAX), within(0, 0)]).toEqual([false, true]);
    for (let i = 0; i < 3; i++) procs.push(spawnDaemon(path, ['1000']));
    await seen(m, 3);
    expect([within(2, 3), within(4, 5), within(1, 2), within(0, 0)]).toEqual([true, false, false, false]);
    await procs[0]!.stop('SIGKILL');
    await seen(m, 2);
    expect([within(2, 3), within(3, 3)]).toEqual([true, false]);
  });

  /** A source on its own scanner, passes driven by a fake clock (each pass still reads the real /proc); stopped when the test ends. */
  const started = (t: ProcessTrack, onChange: () => void, clock: FakeClock) => {
    const src = new ProcessSource(t, onChange, { scanner: new ProcessScanner(clock, POLL_MS) });
    src.start();
    onTestFinished(() => src.stop());
    return src;
  };
  const up = (ok: boolean) => ({ kind: 'pass-fail', ok });

  it('terminate_delay: a loss counts only once it has lasted the delay; a process back within it is never reported', async () => {
    const name = unique('t');
    const path = link(name, SLEEP);
    const m = match(name);
    const clock = new FakeClock(1000);
    let changes = 0;
    const first = spawnDaemon(path, ['1000']);
    await seen(m, 1);
    const src = started(track(name, { terminateDelayMs: 2000 }), () => changes++, clock);
    expect(src.status).toEqual(up(true));

    // Killed and started again within the delay: no change at all.
    await first.stop('SIGKILL');
    await seen(m, 0);
    await clock.advance(250); // the pass at 1250 sees it gone: the delay runs to 3250
    await clock.advance(1500);
    const second = spawnDaemon(path, ['1000']);
    await seen(m, 1);
    await clock.advance(1000); // the pass at 3000 sees it back
    expect({ changes, status: src.status }).toEqual({ changes: 0, status: up(true) });

    // Killed for good: still up 1 ms before the delay ends, down when it does.
    await second.stop('SIGKILL');
    await seen(m, 0);
    await clock.advance(250); // the pass at 4000 sees it gone: the delay runs to 6000
    await clock.advance(1999);
    expect(src.status).toEqual(up(true));
    await clock.advance(1);
    expect({ changes, status: src.status }).toEqual({ changes: 1, status: up(false) });

    // A process started afresh counts at the next pass: the delay is for losses (and for forks, below).
    spawnDaemon(path, ['1000']);
    await seen(m, 1);
    await clock.advance(250);
    expect({ changes, status: src.status }).toEqual({ changes: 2, status: up(true) });
  });

  it('fork_delay: a gain by a tracked process forking counts only after the delay', async () => {
    const name = unique('f');
    const path = link(name, BASH);
    const fifo = join(dir, `${name}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const m = match(name);
    const clock = new FakeClock();
    // bash waits on the FIFO (a builtin read: no fork), then forks a subshell that keeps bash's comm.
    spawnDaemon(path, ['-c', `read x < "${fifo}"; ( ${SLEEP} 1000; : ) & wait`]);
    await seen(m, 1);
    const src = started(track(name, { quorum: 2, forkDelayMs: 3000 }), () => undefined, clock);
    expect(src.status).toEqual(up(false));
    writeFileSync(fifo, 'go\n');
    await seen(m, 2);
    await clock.advance(250); // the pass at 250 sees the fork: the delay runs to 3250
    await clock.advance(2999);
    expect(src.status).toEqual(up(false));
    await clock.advance(1);
    expect(src.status).toEqual(up(true));
  });

  it('one /proc walk per pass serves every tracked process, comm and command line alike', async () => {
    const name = unique('s');
    const path = link(name, SLEEP);
    const clock = new FakeClock();
    const scanner = new ProcessScanner(clock, POLL_MS);
    const changed: string[] = [];
    const byComm = new ProcessSource(track(name), () => changed.push('comm'), { scanner });
    const byCmdline = new ProcessSource(track(path, { fullCommand: true, paramMatch: 'exact', params: ['1000'] }), () => changed.push('cmdline'), { scanner });
    for (const s of [byComm, byCmdline]) {
      s.start();
      onTestFinished(() => s.stop());
    }
    spawnDaemon(path, ['1000']);
    await seen(match(name), 1);
    await clock.advance(250);
    expect({ changed: changed.sort(), counts: [byComm.count, byCmdline.count] }).toEqual({ changed: ['cmdline', 'comm'], counts: [1, 1] });
  });

  it('a /proc that cannot be read holds the status, said once, and the next good pass converges', async () => {
    const fake = join(dir, 'fake-proc');
    const clock = new FakeClock();
    const logs: string[] = [];
    const scanner = new ProcessScanner(clock, POLL_MS, fake, (msg) => logs.push(msg));
    const src = new ProcessSource(track('vglfake'), () => undefined, { scanner, log: (msg) => logs.push(msg) });
    src.start();
    onTestFinished(() => src.stop());
    await clock.advance(3 * POLL_MS);
    // The first count, then the passes at 0, 1, 2 and 3 poll periods: five failures, one line.
    expect({ status: src.status, errors: scanner.scanErrors, logs }).toEqual({ status: up(false), errors: 5, logs: ['track process scan failed; tracked processes hold their status'] });
    // The same layout as /proc: a comm holding ') ' ends at the last ')'; a stat without one, or a zombie, is skipped.
    const proc = (pid: number, stat: string) => {
      mkdirSync(join(fake, String(pid)), { recursive: true });
      writeFileSync(join(fake, String(pid), 'stat'), stat);
    };
    proc(100, '100 (vglfake) S 1 100 100 0 -1');
    proc(101, '101 (vgl) fake) S 1 101 101 0 -1');
    proc(102, '102 (vglfake) Z 1 102 102 0 -1');
    proc(103, '103 vglfake S 1');
    await clock.advance(POLL_MS);
    expect({ status: src.status, count: src.count, logs: logs.slice(1) }).toEqual({ status: up(true), count: 1, logs: ['track process scan recovered', 'Quorum gained for tracked process tp'] });
  });
});

describe('ProcessQuorum: the delays over a sequence of passes', () => {
  it('fork and exec gains, losses, and a pending change undone or overtaken', () => {
    const q = new ProcessQuorum(track('x', { quorum: 1, quorumMax: 2, forkDelayMs: 1000, terminateDelayMs: 500 }), new Map([[1, 0]]));
    const pass = (nowMs: number, ...procs: [pid: number, ppid: number][]) => q.observe(nowMs, new Map(procs));
    expect(pass(0, [1, 0], [2, 1])).toBe(true); // 2: still within [1, 2]
    expect(pass(10, [1, 0], [2, 1], [3, 1])).toBe(true); // 3 by a fork: waits fork_delay
    expect(q.dueMs).toBe(1010);
    expect(pass(500, [1, 0], [2, 1])).toBe(true); // back within before the delay: never reported
    expect(q.dueMs).toBe(null);
    expect(pass(600, [1, 0], [2, 1], [4, 999])).toBe(false); // 3 by a program started afresh: at once
    expect(pass(700, [1, 0], [2, 1])).toBe(false); // 2 by an exit: waits terminate_delay
    expect(pass(1199, [1, 0], [2, 1])).toBe(false);
    expect(pass(1200, [1, 0], [2, 1])).toBe(true);
  });
});
