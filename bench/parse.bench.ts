/**
 * keepalived.conf parse: 1,000 virtual servers × 20 real servers with HTTP_GET
 * (≈227k lines). Each run is a fresh process; the peer is Debian's keepalived
 * checking the same file (`keepalived -t`), timed the same way in the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { generateConfig } from './gen-config.ts';

const RUNS = 9;
const root = join(import.meta.dirname, '..');

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-parse-bench-'));
  try {
    const text = generateConfig(1000, 20);
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const lines = text.split('\n').length - 1;

    const ours: { ms: number; retainedMiB: number; maxRssMiB: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench/parse-child.ts'), file], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      ours.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
    }

    const peer: { ms: number; maxRssMiB: number }[] = [];
    const keepalived = '/usr/sbin/keepalived';
    const gnuTime = existsSync('/usr/bin/time');
    if (existsSync(keepalived)) {
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const args = ['-t', '-f', file, '-n', '-l'];
        const r = gnuTime ? spawnSync('/usr/bin/time', ['-f', '%M', keepalived, ...args], { encoding: 'utf8' }) : spawnSync(keepalived, args, { encoding: 'utf8' });
        const ms = performance.now() - t0;
        if (r.status !== 0) throw new Error(`keepalived -t refused the benchmark config: ${r.stderr}`);
        const kb = gnuTime ? Number(r.stderr.trim().split('\n').pop()) : NaN;
        peer.push({ ms, maxRssMiB: kb / 1024 });
      }
    }

    const t = stats(ours.map((o) => o.ms));
    const rss = stats(ours.map((o) => o.maxRssMiB));
    const heap = stats(ours.map((o) => o.retainedMiB));
    const rows: (string | number)[][] = [
      ['vigil readKeepalivedConfig (in process, parse only)', fmt(t.median), fmt(t.p99), fmt(heap.median), fmt(rss.median)],
    ];
    if (peer.length) {
      const p = stats(peer.map((o) => o.ms));
      const prss = stats(peer.map((o) => o.maxRssMiB));
      rows.push(['keepalived 2.2.7 `keepalived -t` (whole process)', fmt(p.median), fmt(p.p99), 'n/a', fmt(prss.median)]);
    } else rows.push(['keepalived -t', 'not installed', '', '', '']);
    return {
      title: 'keepalived.conf parse (1,000 VS × 20 RS, HTTP_GET)',
      markdown: [
        `Input: ${lines.toLocaleString('en')} lines, ${(text.length / 2 ** 20).toFixed(1)} MiB, 20,000 HTTP_GET checkers. ${RUNS} runs each, a fresh process per run. Goal: parse < 1 s median.`,
        '',
        table(['parser', 'median ms', 'p99 ms', 'retained heap MiB', 'peak RSS MiB'], rows),
        '',
        "keepalived's figure includes its process start; Vigil's is the parse alone (Node and tsx start-up excluded). Both check the whole file (values, addresses, ranges).",
      ].join('\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
