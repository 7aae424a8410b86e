/**
 * keepalived 2.2.7's checker beside Vigil's engine, CPU per check, inside one
 * User-Mode Linux kernel (this machine's kernel has no IP_VS, so `keepalived -C`
 * cannot start outside it). Same 1,000 loopback targets, same checks, same
 * offered rate, targets served inside UML so all traffic stays in that kernel;
 * see bench/checks-uml-child.ts for how checks and CPU are counted.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { UmlSample } from './checks-uml-child.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';

const TARGETS = 1000;
/** One check per target every 4 s (TCP, 250/s) or 8 s (HTTP, 125/s): under what either side carries in UML, so neither is measured saturated. */
const DELAY_LOOP_S = 4;
const HTTP_DELAY_LOOP_S = 8;
const WARMUP_S = 6;
const WINDOW_S = 16;
const REPEATS = 3;

export async function run(): Promise<BenchSection> {
  const title = 'Check engine beside keepalived 2.2.7: CPU per check (UML kernel 6.1)';
  const repo = join(import.meta.dirname, '..');
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  const args = [String(TARGETS), String(DELAY_LOOP_S), String(HTTP_DELAY_LOOP_S), String(WARMUP_S), String(WINDOW_S), String(REPEATS)];
  const r = spawnSync(join(repo, 'infra/uml/run.sh'), ['-t', '1500', '-m', '1024M', '--', process.execPath, '--import', 'tsx', join(repo, 'bench/checks-uml-child.ts'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 1_600_000,
    maxBuffer: 16 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) return { title, markdown: `Not run: ${r.status === 125 ? 'User-Mode Linux unavailable' : `exit ${r.status}`}.\n\n\`\`\`\n${(r.stderr ?? '').slice(-1500)}\n\`\`\`` };
  const { samples } = JSON.parse(line.slice(6)) as { samples: UmlSample[] };
  const per = (s: UmlSample) => (s.cpuSeconds / s.checks) * 1e6;
  const rows: (string | number)[][] = [];
  const ratios: string[] = [];
  for (const kind of ['TCP_CHECK', 'HTTP_GET'] as const) {
    const med: Record<string, number> = {};
    for (const who of ['keepalived', 'vigil', 'vigil-net'] as const) {
      const ss = samples.filter((s) => s.kind === kind && s.who === who);
      if (ss.length === 0) continue;
      const cpu = stats(ss.map(per));
      const rate = stats(ss.map((s) => s.checks / s.seconds));
      med[who] = cpu.median;
      const reasons = new Map<string, number>();
      for (const s of ss) for (const [k, v] of Object.entries(s.reasons ?? {})) reasons.set(k, (reasons.get(k) ?? 0) + v);
      const health =
        who === 'keepalived'
          ? `${fmt(stats(ss.map((s) => s.alive ?? NaN)).min, 0)} / ${TARGETS} real servers kept`
          : `${fmt(stats(ss.map((s) => s.failures ?? NaN)).max, 0)} failed checks${reasons.size ? ` (${[...reasons].map(([k, v]) => `${k} ${v}`).join(', ')}, all runs)` : ''}`;
      const name = { keepalived: 'keepalived 2.2.7 -C (checker process)', vigil: 'Vigil engine (Node prober process)', 'vigil-net': 'Vigil engine, node:net connects (VIGIL_NATIVE_TCP=0)' }[who];
      rows.push([kind, name, fmt(cpu.median, 0), `${fmt(cpu.min, 0)}–${fmt(cpu.max, 0)}`, fmt(rate.median, 0), health, ss.length]);
    }
    ratios.push(`${kind} ${fmt(med.vigil! / med.keepalived!, 2)}×`);
    if (med['vigil-net'] !== undefined) ratios.push(`${kind} over node:net ${fmt(med['vigil-net'] / med.keepalived!, 2)}×`);
  }
  return {
    title,
    markdown: [
      `${TARGETS} real servers on 127.0.0.1 inside UML (one Node process serving 1,000 ports, counting accepts), delay_loop ${DELAY_LOOP_S} s for TCP_CHECK, ` +
        `${HTTP_DELAY_LOOP_S} s for HTTP_GET (${TARGETS / DELAY_LOOP_S} and ${TARGETS / HTTP_DELAY_LOOP_S} checks/s offered to each side in turn), connect_timeout 5 s; HTTP_GET checks the MD5 digest of a 1 KiB page. ` +
        `Each run: ${WARMUP_S} s to settle, then ${WINDOW_S} s counted; median of ${REPEATS} runs, sides interleaved.`,
      "Checks = accepts at the targets in the window (one connection per check on both sides); CPU = the checker process's utime+stime from /proc/<pid>/stat " +
        "over the same window (keepalived: the child named by `-c`, which runs every check; Vigil: the prober process, Node's GC and timers included).",
      'UML makes every syscall far slower than a native kernel, so only the ratio means anything; the UML kernel has one CPU, shared with the targets.',
      `Host load average at start: ${load} on ${cpus().length} CPUs.`,
      '',
      table(['check', 'checker', 'CPU µs/check (median)', 'range', 'checks/s', 'health', 'runs'], rows),
      '',
      `Vigil ÷ keepalived, CPU per check: ${ratios.join(', ')}.`,
    ].join('\n'),
  };
}
