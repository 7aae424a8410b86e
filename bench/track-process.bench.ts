/**
 * What polling /proc for vrrp_track_process costs (shim/vrrp/process-match.ts):
 * one pass, by comm and by command line (with fork_delay's parent read), on
 * the machine's own processes and with extra idle processes started for the
 * run. keepalived is told by the kernel's proc connector and spends nothing
 * between events, so the peer is procps' `pgrep -c`, which walks /proc the same
 * way, timed as a whole process in the same run, beside `true` (process start
 * alone).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { matches, ProcessMatcher, walkProcs, type ProcNeeds } from '../shim/vrrp/process-match.ts';
import { PROCESS_POLL_MS } from '../shim/vrrp/process-source.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';

const EXTRA = [0, 1000];
const PASSES = 41;
const PEER_RUNS = 15;

const procCount = () => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;

/** One pass as the shim's scanner makes it: one walk for the needs given, then the match in memory. */
function timePasses(needs: ProcNeeds, matcher: ProcessMatcher): { ms: number[]; found: number } {
  const ms: number[] = [];
  let found = 0;
  for (let i = 0; i < PASSES; i++) {
    const t0 = performance.now();
    found = 0;
    walkProcs(needs, (e) => void (matches(matcher, e) && found++));
    ms.push(performance.now() - t0);
  }
  return { ms, found };
}

function timeCommand(argv: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < PEER_RUNS; i++) {
    const t0 = performance.now();
    spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 30_000 });
    out.push(performance.now() - t0);
  }
  return out;
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tp-bench-'));
  const name = `vglb${process.pid}`;
  const program = join(dir, name);
  symlinkSync(spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), program);
  const kids: ChildProcess[] = [];
  const rows: (string | number)[][] = [];
  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
  try {
    for (const extra of EXTRA) {
      while (kids.length < extra) kids.push(spawn(program, ['1000', '7'], { stdio: 'ignore' }));
      const processes = procCount();
      const byComm = new ProcessMatcher({ process: name, params: [], paramMatch: 'none', fullCommand: false });
      const byCmdline = new ProcessMatcher({ process: program, params: ['1000'], paramMatch: 'partial', fullCommand: true });
      const comm = timePasses({ stat: true, cmdlineCap: 0 }, byComm);
      const cmdline = timePasses({ stat: false, cmdlineCap: byCmdline.cmdlineCap }, byCmdline);
      const full = timePasses({ stat: true, cmdlineCap: byCmdline.cmdlineCap }, byCmdline);
      if (comm.found !== extra || cmdline.found !== extra || full.found !== extra) throw new Error(`expected ${extra} matches, found ${comm.found}, ${cmdline.found}, ${full.found}`);
      const pgrep = stats(timeCommand(['pgrep', '-c', '-x', name]));
      const pgrepFull = stats(timeCommand(['pgrep', '-c', '-f', `^${program} 1000`]));
      const floor = stats(timeCommand(['true']));
      for (const [what, s, peer] of [
        ['comm (stat)', stats(comm.ms), pgrep],
        ['command line (cmdline)', stats(cmdline.ms), pgrepFull],
        ['both (stat + cmdline: mixed tracks, or fork_delay)', stats(full.ms), pgrepFull],
      ] as const) {
        rows.push([processes, what, fmt(s.median, 2), fmt(s.p99, 2), fmt((s.median / processes) * 1000, 1), fmt((s.median / PROCESS_POLL_MS) * 100, 2), fmt(peer.median, 2), fmt(floor.median, 2)]);
      }
    }
  } finally {
    for (const k of kids) k.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: 'vrrp_track_process: one /proc pass',
    markdown: [
      `One pass of the shim's scanner ${PASSES} times per row (median, p99): one /proc walk reading what the thread's tracked processes need, shared by all of them. "processes" counts the machine's own plus idle \`sleep\`s started for the run. CPU share is the median pass over the ${PROCESS_POLL_MS} ms poll.`,
      'Peer, same run: `pgrep -c` (procps, the same /proc walk) timed as a whole process, and `true` for what starting a process costs alone.',
      `Load average at start: ${loadAtStart}; at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${availableParallelism()} CPUs). Every /proc read is a syscall, so the figures scale with the machine's syscall cost and load; the ratio to pgrep is the steadier figure.`,
      '',
      table(['processes', 'match by', 'pass ms (median)', 'p99 ms', 'µs per process', 'CPU share at poll', 'pgrep -c ms', 'true ms'], rows),
    ].join('\n'),
  };
}
