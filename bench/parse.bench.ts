/**
 * keepalived.conf parse: 1,000 virtual servers × 20 real servers with HTTP_GET
 * (≈227k lines). Issue #12's goal is whole process against whole process:
 * `vigil check-config FILE` run from the bundle `npm ci` builds, beside Debian's
 * keepalived checking the same file (`keepalived -t`), interleaved in the same
 * run so both see the same machine load. The in-process parse (a fresh process
 * per run, start-up excluded) is kept beside them for memory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { generateConfig } from './gen-config.ts';

const RUNS = 9;
const root = join(import.meta.dirname, '..');
const KEEPALIVED = '/usr/sbin/keepalived';
const GNU_TIME = '/usr/bin/time';

interface Sample {
  ms: number;
  maxRssMiB: number;
}

/** bin/vigil.js runs the bundle only when it is newer than every input; otherwise it would silently time tsx. */
function buildBundle(): void {
  const r = spawnSync(process.execPath, [join(root, 'infra/build/bundle.mjs')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bundling the CLI failed: ${r.stderr}`);
  const built = statSync(join(root, 'dist/cli/main.mjs')).mtimeMs;
  const inputs = JSON.parse(readFileSync(join(root, 'dist/cli/inputs.json'), 'utf8')) as string[];
  const stale = inputs.find((p) => statSync(join(root, p)).mtimeMs > built);
  if (stale) throw new Error(`the bundle is older than ${stale}: bin/vigil.js would not run it`);
}

/** One whole process, wall time from spawn to exit, peak RSS from GNU time when present. */
function timeProcess(cmd: string, args: string[], what: string): Sample {
  const gnuTime = existsSync(GNU_TIME);
  const t0 = performance.now();
  const r = gnuTime ? spawnSync(GNU_TIME, ['-f', '%M', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${what} refused the benchmark config (exit ${r.status}): ${r.stderr}`);
  const kb = gnuTime ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { ms, maxRssMiB: kb / 1024 };
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-parse-bench-'));
  try {
    const text = generateConfig(1000, 20);
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const lines = text.split('\n').length - 1;
    buildBundle();
    const peerPresent = existsSync(KEEPALIVED);
    const loadBefore = loadavg()[0]!;

    // Interleaved, the order alternating each round, so neither side always runs on a warmer or quieter machine.
    const cli: Sample[] = [];
    const peer: Sample[] = [];
    const runCli = () => cli.push(timeProcess(process.execPath, [join(root, 'bin/vigil.js'), 'check-config', '-q', '-i', 'bench', file], 'vigil check-config'));
    const runPeer = () => peer.push(timeProcess(KEEPALIVED, ['-t', '-f', file, '-n', '-l'], 'keepalived -t'));
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? [runCli, runPeer] : [runPeer, runCli];
      for (const step of order) if (step !== runPeer || peerPresent) step();
    }

    const inProcess: { ms: number; retainedMiB: number; maxRssMiB: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench/parse-child.ts'), file], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      inProcess.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
    }

    const c = stats(cli.map((o) => o.ms));
    const crss = stats(cli.map((o) => o.maxRssMiB));
    const rows: (string | number)[][] = [['vigil `vigil check-config` (whole process, bundled CLI)', fmt(c.median), fmt(c.p99), 'n/a', fmt(crss.median)]];
    let ratio = '';
    if (peer.length) {
      const p = stats(peer.map((o) => o.ms));
      const prss = stats(peer.map((o) => o.maxRssMiB));
      rows.push(['keepalived 2.2.7 `keepalived -t` (whole process)', fmt(p.median), fmt(p.p99), 'n/a', fmt(prss.median)]);
      ratio = ` Whole process, vigil ÷ keepalived (medians): ${(c.median / p.median).toFixed(2)}×.`;
    } else rows.push(['keepalived -t', 'not installed', '', '', '']);
    const t = stats(inProcess.map((o) => o.ms));
    const rss = stats(inProcess.map((o) => o.maxRssMiB));
    const heap = stats(inProcess.map((o) => o.retainedMiB));
    rows.push(['vigil readKeepalivedConfig (in process, parse only)', fmt(t.median), fmt(t.p99), fmt(heap.median), fmt(rss.median)]);
    return {
      title: 'keepalived.conf parse (1,000 VS × 20 RS, HTTP_GET)',
      markdown: [
        `Machine load (1-minute average) ${loadBefore.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores: other work inflates both sides' times alike, the ratio less.`,
        '',
        `Input: ${lines.toLocaleString('en')} lines, ${(text.length / 2 ** 20).toFixed(1)} MiB, 20,000 HTTP_GET checkers. ${RUNS} runs each, a fresh process per run; the two whole-process rows interleaved in the same run. Goal (issue #12): \`vigil check-config\` whole process within 2× of \`keepalived -t\`.${ratio}`,
        '',
        table(['parser', 'median ms', 'p99 ms', 'retained heap MiB', 'peak RSS MiB'], rows),
        '',
        "The whole-process rows are wall time from spawn to exit: `node bin/vigil.js check-config -q FILE` running the bundle `npm ci` builds (Node and bundle start-up included: about 0.13 s for a one-line file), and `keepalived -t -f FILE -n -l`. The in-process row is readKeepalivedConfig alone (Node and tsx start-up excluded). All check the whole file (values, addresses, ranges). Vigil's reader checks each value at its token and takes the model's defaults from its schema (core/config/schema-defaults.ts); the rest of the model goes through the schema whole, then the vote plan's checks run.",
      ].join('\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
