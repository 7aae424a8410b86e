/**
 * The shim's IPVS reconcile against a real kernel (User-Mode Linux, see
 * infra/uml/run.sh): 10,000 real servers across 500 virtual services from
 * empty, then 1% changes, through the netlink backend (the default) and, as
 * the before figure, ipvsadm -R; keepalived -C on the same kernel and config
 * as the peer; the shim's start to a complete table and its idle RSS.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { shimNodeFlags } from './ipvs-shim-flags.ts';

interface Runs {
  full: number[];
  diff: number[];
  diffRead: number[];
  diffOps: number[];
}
interface Samples {
  netlink: Runs;
  ipvsadm: Runs;
  spawnFloor: number[];
  lines: number;
  kaStart: number[];
  kaRss: number[];
  shimStart: number[];
  shimLoaded: number[];
  shimApplied: number[];
  shimRss: number[];
  shimRssSmall: number[];
  shimBackend: string;
}

export async function run(): Promise<BenchSection> {
  const title = 'IPVS: reconcile 10,000 real servers / 500 virtual services (UML kernel 6.1)';
  const repo = join(import.meta.dirname, '..');
  // The reconcile is timed under the node flags the shim runs with (its systemd unit), not tsx's defaults.
  const flags = shimNodeFlags(repo);
  const r = spawnSync(join(repo, 'infra/uml/run.sh'), ['-t', '600', '-m', '1536M', '--', process.execPath, ...flags, '--import', 'tsx', join(repo, 'bench/ipvs-uml-child.ts'), '500', '20', '7'], {
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
          row('shim, netlink: full apply from empty (dump read + diff + batched NEW_SERVICE/NEW_DEST)', s.netlink.full, '< 1 s'),
          row(`shim, netlink: 1% change (${stats(s.netlink.diffOps).median} ops), as the daemon runs it: diff against its last pass + one batch`, s.netlink.diff, '< 50 ms'),
          row('shim, netlink: 1% change with a fresh dump first (resync path)', s.netlink.diffRead, ''),
          row('before, ipvsadm backend: full apply (ipvsadm -Sn + one ipvsadm -R batch)', s.ipvsadm.full, ''),
          row('before, ipvsadm backend: 1% change, diff against last pass + one ipvsadm -R', s.ipvsadm.diff, ''),
          row('before, ipvsadm backend: 1% change with ipvsadm -Sn first', s.ipvsadm.diffRead, ''),
          row('floor: one bare `ipvsadm -v` spawn from Node in this UML kernel', s.spawnFloor, ''),
          row(`shim (${s.shimBackend}, bundled CLI): process start (--local) to complete table`, s.shimStart, ''),
          row('  of which: process start to config parsed and daemon started (its log)', s.shimLoaded, ''),
          row('  of which: process start to first pass applied (its log)', s.shimApplied, ''),
          row('shim: idle RSS with this config (10,000 real servers)', s.shimRss, '< 60 MB', 'MB'),
          row('shim: idle RSS with a small config (5 services, 100 real servers)', s.shimRssSmall, '< 60 MB', 'MB'),
          row('keepalived -C 2.2.7: process start to complete table (peer)', s.kaStart, ''),
          row('keepalived -C 2.2.7: idle RSS, all processes (peer)', s.kaRss, '', 'MB'),
        ],
      ),
      '',
      `Table after the runs: ${s.lines} lines of ipvsadm -Sn. The 1% change marks every 100th real server down (removed), from a different offset each run, and is measured from the full table. Times are inside the UML kernel, which is slower than a native one for syscalls; the peer runs there too. Both daemons start on the same config with no checks (so neither waits for a first check: keepalived adds unchecked real servers at once, and so does the shim), and both are observed the same way, by reading /proc/net/ip_vs every 50 ms (no process spawned per poll). The shim runs as its systemd unit starts it: node ${flags.join(' ')} (the unit's ExecStart) and the bundle npm ci builds; the reconcile rows above run under the same node flags. RSS is read 8 s after start, after its start-up collection (V8's low-memory collection and malloc_trim, once the first pass is applied). keepalived's figure has no 1% row: its changes are driven by its check timers, not by a call that can be timed alone.`,
    ].join('\n'),
  };
}
