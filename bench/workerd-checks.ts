/**
 * CPU cost of a check inside workerd: bundles bench/workerd-check-worker.ts,
 * runs it under Miniflare (the real workerd binary), and reads workerd's own
 * user+system CPU time from /proc around a batch of checks. Inside a Worker
 * the clocks stand still while code runs, so the cost can only be seen from outside.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { bundleWorker, WORKERD_COMPAT } from './workerd-bundle.ts';

export interface WorkerdFigure {
  kind: 'TCP_CHECK' | 'HTTP_GET';
  checks: number;
  failures: number;
  cpuMsPerCheck: number;
  /** Median latencyMs the engine reported (loopback: the runtime's own share of a hold). */
  latencyMsMedian: number;
  note: string;
}

export function workerdCpuMs(): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'workerd') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue; // only the workerd this process started
      total += ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000;
    } catch {
      // process went away between listing and reading
    }
  }
  return total;
}

export async function measureWorkerd(ports: number[], digest: string, n: number): Promise<WorkerdFigure[]> {
  const mf = new Miniflare({
    modules: true,
    script: await bundleWorker(new URL('./workerd-check-worker.ts', import.meta.url)),
    ...WORKERD_COMPAT,
  });
  try {
    await mf.ready;
    const out: WorkerdFigure[] = [];
    for (const kind of ['TCP_CHECK', 'HTTP_GET'] as const) {
      const q = `n=${n}&kind=${kind}&digest=${digest}&ports=${ports.slice(0, 50).join(',')}`;
      await mf.dispatchFetch(`http://bench/?n=60&${q.slice(q.indexOf('&') + 1)}`); // warm-up: JIT and module load
      const before = workerdCpuMs();
      const res = (await (await mf.dispatchFetch(`http://bench/?${q}`)).json()) as { n: number; failures: number; firstFailure: string; latencyMsMedian: number };
      const cpuMs = workerdCpuMs() - before;
      out.push({ kind, checks: res.n, failures: res.failures, cpuMsPerCheck: cpuMs / res.n, latencyMsMedian: res.latencyMsMedian, note: res.firstFailure });
    }
    return out;
  } finally {
    await mf.dispose();
  }
}
