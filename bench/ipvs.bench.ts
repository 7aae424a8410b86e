/**
 * The shim's IPVS reconcile against a real kernel (User-Mode Linux, see
 * infra/uml/run.sh): 10,000 real servers across 500 virtual services from
 * empty, then 1% changes, through the real ipvsadm -R; keepalived -C on the
 * same kernel and config as the peer; and the idle shim's RSS.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, stats, table, type BenchSection } from './harness.ts';

interface Samples {
  full: number[];
  diff: number[];
  diffRead: number[];
  diffOps: number[];
  spawnFloor: number[];
  lines: number;
  kaStart: number[];
  kaRss: number[];
  shimStart: number[];
  shimRss: number[];
}

export async function run(): Promise<BenchSection> {
  const title = 'IPVS: reconcile 10,000 real servers / 500 virtual services (UML kernel 6.1, real ipvsadm)';
  const repo = join(import.meta.dirname, '..');
  const r = spawnSync(join(repo, 'infra/uml/run.sh'), ['-t', '600', '-m', '1536M', '--', process.execPath, '--import', 'tsx', join(repo, 'bench/ipvs-uml-child.ts'), '500', '20', '7'], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 700_000,
    maxBuffer: 16 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) return { title, markdown: `Not run: ${r.status === 125 ? 'User-Mode Linux unavailable' : `exit ${r.status}`}.\n\n\`\`\`\n${(r.stderr ?? '').slice(-1500)}\n\`\`\`` };
  const s = JSON.parse(line.slice(6)) as Samples;
  const row = (name: string, v: number[], goal: string, unit = 'ms') => {
    const st = stats(v);
    return [name, `${fmt(st.median)} ${unit}`, `${fmt(st.p99)} ${unit}`, st.n, goal];
  };
  return {
    title,
    markdown: [
      table(
        ['measure', 'median', 'p99', 'runs', 'goal'],
        [
          row('shim: full apply from empty (ipvsadm -Sn read + diff + one ipvsadm -R batch)', s.full, '< 1 s'),
          row(`shim: 1% change (${stats(s.diffOps).median} ops), as the daemon runs it: diff against its last pass + one batch`, s.diff, '< 50 ms'),
          row('shim: 1% change with a fresh ipvsadm -Sn read first (resync path)', s.diffRead, ''),
          row('floor: one bare `ipvsadm -v` spawn from Node in this UML kernel', s.spawnFloor, ''),
          row('shim: process start (--local) to complete table', s.shimStart, ''),
          row('shim: idle RSS with this config', s.shimRss, '< 60 MB', 'MB'),
          row('keepalived -C 2.2.7: process start to complete table (peer)', s.kaStart, ''),
          row('keepalived -C 2.2.7: idle RSS, all processes (peer)', s.kaRss, '', 'MB'),
        ],
      ),
      '',
      `Table after the runs: ${s.lines} lines of ipvsadm -Sn. The 1% change marks every 100th real server down (removed), from a different offset each run, and is measured from the full table. Times are inside the UML kernel, which is slower than a native one for syscalls; the peer runs there too. keepalived's figure has no 1% row: its changes are driven by its check timers, not by a call that can be timed alone.`,
    ].join('\n'),
  };
}
