/**
 * VRRP takeover time: from the master's death (kill -9) or graceful stop
 * (SIGTERM) until the virtual address is on the backup, for v2 at 1 s and v3
 * at 0.1 s. The same lab measures keepalived-to-keepalived as the baseline,
 * and watches that two live directors never hold the address at once.
 */
import { spawnSync } from 'node:child_process';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { keepalivedConf } from '../test/vrrp/conf.ts';
import { ip, keepalivedUnavailable, Lab, labUnavailable, sleep, waitFor, type Director, type Proc } from '../test/vrrp/lab.ts';

const RUNS = Number(process.env.VRRP_BENCH_RUNS ?? 5);
const POLL_DEADLINE_MS = 15_000;

type Impl = 'shim' | 'keepalived';
type Stop = 'kill -9' | 'graceful';
interface Mode {
  label: string;
  version: 2 | 3;
  advertInt: string;
}
const MODES: Mode[] = [
  { label: 'v2, advert_int 1 s', version: 2, advertInt: '1' },
  { label: 'v3, advert_int 0.1 s', version: 3, advertInt: '0.1' },
];

function holds(ns: string, vip: string): boolean {
  const r = spawnSync('ip', ['-n', ns, '-o', '-4', 'address', 'show', 'dev', 'eth0'], { encoding: 'utf8', timeout: 5_000 });
  return (r.stdout ?? '').includes(` ${vip}/`);
}

/** One takeover: start master (200) and backup (100), let them settle, stop the master, time the move. */
async function takeover(lab: Lab, impl: Impl, mode: Mode, stop: Stop, run: number): Promise<{ ms: number; doubles: number }> {
  const [m, b] = lab.directors as [Director, Director];
  const vip = lab.vip();
  const start = (d: Director, prio: number): Proc => {
    const name = `${impl}-${mode.version}-${stop === 'graceful' ? 'g' : 'k'}-${run}-${prio}`;
    const file = lab.write(`${name}.conf`, keepalivedConf(name, [{ priority: prio, version: mode.version, advertInt: mode.advertInt, vip: `${vip}/24` }]));
    return impl === 'shim' ? lab.shim(d, name, file, ['--config-id', name]) : lab.keepalived(d, name, file);
  };
  const pm = start(m, 200);
  const pb = start(b, 100);
  try {
    const elected = await waitFor(() => (holds(m.ns, vip) && !holds(b.ns, vip) ? true : undefined), POLL_DEADLINE_MS, 20);
    if (!elected) throw new Error(`${impl} ${mode.label}: no master\n${pm.output().slice(-1500)}`);
    // Let the backup hear a few adverts so it is timing the master, not still starting.
    await sleep(mode.version === 2 ? 3_000 : 600);
    const t0 = performance.now();
    if (stop === 'kill -9') void lab.kill9(pm);
    else pm.daemon.signal('SIGTERM');
    let doubles = 0;
    for (;;) {
      const onBackup = holds(b.ns, vip);
      // A killed master's namespace keeps the address as a dead host would lose it: only a graceful stop can double.
      if (onBackup && stop === 'graceful' && holds(m.ns, vip)) doubles++;
      if (onBackup) return { ms: performance.now() - t0, doubles };
      if (performance.now() - t0 > POLL_DEADLINE_MS) throw new Error(`${impl} ${mode.label} ${stop}: no takeover\n${pb.output().slice(-1500)}`);
    }
  } finally {
    await lab.stop(pm, 'SIGKILL');
    await lab.stop(pb, 'SIGKILL');
    for (const d of lab.directors) ip(['-n', d.ns, 'address', 'del', `${vip}/24`, 'dev', 'eth0'], true);
  }
}

export async function run(): Promise<BenchSection> {
  const title = 'VRRP takeover time (address on the backup after the master stops)';
  const skip = labUnavailable() ?? keepalivedUnavailable();
  if (skip) return { title, markdown: `Skipped: ${skip}.` };
  const lab = new Lab(2, 31).create();
  const rows: (string | number)[][] = [];
  let totalDoubles = 0;
  try {
    for (const mode of MODES) {
      for (const stop of ['kill -9', 'graceful'] as Stop[]) {
        const results: Record<Impl, number[]> = { shim: [], keepalived: [] };
        // Interleaved so that machine load drifts hit both alike.
        for (let i = 0; i < RUNS; i++) {
          for (const impl of ['keepalived', 'shim'] as Impl[]) {
            const r = await takeover(lab, impl, mode, stop, i);
            results[impl].push(r.ms);
            totalDoubles += r.doubles;
            process.stderr.write(`vrrp bench: ${mode.label} ${stop} ${impl} run ${i + 1}: ${r.ms.toFixed(1)} ms\n`);
          }
        }
        const s = stats(results.shim);
        const k = stats(results.keepalived);
        rows.push([mode.label, stop, fmt(s.median), fmt(s.p99), fmt(k.median), fmt(k.p99), fmt(s.median - k.median)]);
      }
    }
  } finally {
    await lab.destroy();
  }
  const body = table(['mode', 'master stop', 'vigil shim median ms', 'shim p99 ms', 'keepalived 2.2.7 median ms', 'keepalived p99 ms', 'shim − keepalived (median) ms'], rows);
  return {
    title,
    markdown: [
      `${RUNS} runs each, interleaved, in network namespaces on this machine; master priority 200, backup 100; time from the signal until \`ip address show\` on the backup lists the address (polled back to back).`,
      '',
      body,
      '',
      `Samples with two live holders during graceful stops: ${totalDoubles}.`,
    ].join('\n'),
  };
}
