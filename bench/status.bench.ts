/**
 * The status file's cost (issue #16, `vigil status`): the shim now rewrites it
 * every second with the IPVS side in it, so its size and write time grow with
 * the real servers. Measured per size: one write as the shim makes it (build
 * the document, serialise, write beside, rename), against the VRRP-only file
 * it wrote before (the peer, same run); and `vigil status --json` reading it,
 * against `vigil --version` (the CLI's own start-up) in the same run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ShimStatusFile } from '../core/status/shim-status.ts';
import { writeStatusFile } from '../shim/daemon/status-file.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';

const SIZES = [300, 3_000, 30_000];
const WRITES = 41;
const CLI_RUNS = 7;
const VIGIL = join(import.meta.dirname, '../bin/vigil.js');

function doc(realServers: number, withIpvs: boolean): ShimStatusFile {
  const now = Date.now();
  const instances = ['VI_1', 'VI_2'].map((name) => ({ name, state: 'MASTER', priority: 100, master: '10.0.0.1' }));
  if (!withIpvs) return { pid: process.pid, instances, groups: [] };
  const virtualServers = Array.from({ length: realServers / 10 }, (_, v) => ({
    key: `tcp/10.${v >> 8}.${v & 255}.1:80`,
    quorumUp: true,
    aliveWeight: 10,
    realServers: Array.from({ length: 10 }, (_, r) => ({ key: `tcp/10.${v >> 8}.${v & 255}.1:80|192.168.${v & 255}.${r + 1}:80`, alive: true, present: true, weight: 1, sorry: false })),
  }));
  return {
    pid: process.pid,
    writtenAtMs: now,
    instances,
    groups: [],
    ipvs: { mode: 'board', snapshot: { seq: 42, issuedAtMs: now, expiresAtMs: now + 30_000 }, table: { state: 'in-sync', lastPassAtMs: now, pendingOps: 0, lastError: null }, virtualServers },
    leases: [],
  };
}

function timeWrites(file: string, make: () => { doc: object; raw?: Record<string, string> }): number[] {
  const out: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const t0 = performance.now();
    const { doc, raw } = make();
    writeStatusFile(file, doc, () => {}, raw);
    out.push(performance.now() - t0);
  }
  return out;
}

function timeCli(args: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < CLI_RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [VIGIL, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status === null || r.status > 1) throw new Error(`vigil ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    out.push(performance.now() - t0);
  }
  return out;
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-status-bench-'));
  const rows: (string | number)[][] = [];
  try {
    const file = join(dir, 'status.json');
    const floor = stats(timeCli(['--version']));
    for (const n of SIZES) {
      const vrrpOnly = stats(timeWrites(file, () => ({ doc: doc(n, false) })));
      // After a change the IPVS part is built and serialised again; while nothing changes its JSON is reused (IpvsDaemon.statusJson).
      const changed = stats(timeWrites(file, () => { const { ipvs, ...rest } = doc(n, true); return { doc: rest, raw: { ipvs: JSON.stringify(ipvs) } }; }));
      const { ipvs, ...rest } = doc(n, true);
      const cached = JSON.stringify(ipvs);
      const steady = stats(timeWrites(file, () => ({ doc: { ...rest, writtenAtMs: Date.now() }, raw: { ipvs: cached } })));
      const bytes = statSync(file).size;
      const cli = stats(timeCli(['status', '--status-file', file, '--json']));
      rows.push([n, (bytes / 1024).toFixed(0), fmt(steady.median, 2), fmt(steady.p99, 2), fmt(changed.median, 2), fmt(vrrpOnly.median, 2), fmt((steady.median / 1000) * 100, 2), fmt(cli.median, 0), fmt(floor.median, 0)]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: 'Status file and vigil status',
    markdown: [
      `One status file write as the shim makes it every second (serialise, write beside, rename), median and p99 of ${WRITES}, 10 real servers per virtual server: "steady" while nothing changed (the IPVS part's JSON reused), "after a change" with it built and serialised again, against the VRRP-only file written before the IPVS side was added (same run); "CPU %/s" is one steady write a second. \`vigil status --json\` reading that file, median of ${CLI_RUNS} processes, against \`vigil --version\` (the CLI's start-up, same run).`,
      '',
      table(['real servers', 'file KiB', 'steady write ms (median)', 'steady write ms (p99)', 'write after a change ms', 'VRRP-only write ms (peer)', 'CPU %/s', 'vigil status ms', 'vigil --version ms (peer)'], rows),
    ].join('\n'),
  };
}
