/**
 * One scrape of the Board's GET /v1/clusters/{c}/metrics for a large cluster:
 * 1,000 virtual servers × 12 real servers (12,000, the size the README's costs
 * are quoted for) and 5 vantage points, rendered by workers/src/board-metrics.ts
 * in this process. The peer is what a viewer already pulls for the same state:
 * GET /votes's JSON (every real server with what each vantage point said),
 * serialised from the same verdicts in the same run.
 */
import type { TargetVerdict, Vote } from '../core/vote/fold.ts';
import { BoardCounters, boardMetrics, MAX_SERIES_PER_FAMILY } from '../workers/src/board-metrics.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';

const VIRTUAL_SERVERS = 1000;
const PER_VS = 12;
const VPS = ['dc1', 'dc2', 'dc3', 'weur', 'enam'];
const RUNS = 15;

function inputs() {
  const nowMs = Date.now();
  const verdicts = new Map<string, TargetVerdict>();
  const latest = new Map<string, Map<string, Vote>>();
  const assigned = new Map<string, Set<string>>();
  const virtualServers = [];
  for (let v = 0; v < VIRTUAL_SERVERS; v++) {
    const vsKey = `tcp/198.51.${v >> 8}.${v & 255}:443`;
    const realServers = [];
    for (let r = 0; r < PER_VS; r++) {
      const key = `${vsKey}|10.${v >> 8}.${v & 255}.${r + 1}:8443`;
      const up = (v + r) % 17 !== 0;
      const votes = Object.fromEntries(VPS.map((vp) => [vp, { up, reason: up ? 'ok' : 'connect_refused', atMs: nowMs - 1000, fresh: true }])) as TargetVerdict['votes'];
      verdicts.set(key, { state: up ? 'up' : 'down', effective: up ? 'up' : 'down', upVotes: up ? 5 : 0, downVotes: up ? 0 : 5, fresh: 5, quorum: 3, votes });
      latest.set(key, new Map(VPS.map((vp) => [vp, { target: key, vantagePoint: vp, up, reason: up ? 'ok' : 'connect_refused', latencyMs: 4, atMs: nowMs - 1000, intervalMs: 5000, timeoutMs: 3000 } as Vote])));
      assigned.set(key, new Set(VPS));
      realServers.push({ key, ip: `10.0.0.${r}`, port: 8443, state: up ? 'up' : 'down', effective: up ? 'up' : 'down', present: true, weight: up ? 1 : 0 });
    }
    virtualServers.push({ key: vsKey, quorumUp: true, aliveWeight: PER_VS, realServers });
  }
  return { nowMs, verdicts, latest, assigned, virtualServers };
}

export async function run(): Promise<BenchSection> {
  const i = inputs();
  const counters = new BoardCounters();
  counters.ingested = 1_234_567;
  const render = () =>
    boardMetrics({
      cluster: 'bench',
      nowMs: i.nowMs,
      configVersion: 7,
      vantagePoints: VPS,
      assigned: i.assigned,
      verdicts: i.verdicts,
      virtualServers: i.virtualServers as never,
      latest: i.latest,
      published: { seq: 42, issuedAtMs: i.nowMs - 5000, expiresAtMs: i.nowMs + 55_000 },
      counters,
      leases: {},
      webhooks: { deliveries: [], dropped: 0 },
    });
  const votesJson = () => JSON.stringify({ seq: 42, atMs: i.nowMs, realServers: [...i.verdicts].map(([key, v]) => ({ key, state: v.state, effective: v.effective, quorum: v.quorum, fresh: v.fresh, upVotes: v.upVotes, downVotes: v.downVotes, votes: v.votes })) });
  const time = (f: () => string) => {
    const ms: number[] = [];
    let out = '';
    for (let n = 0; n < RUNS + 2; n++) {
      const t0 = performance.now();
      out = f();
      if (n >= 2) ms.push(performance.now() - t0);
    }
    return { s: stats(ms), bytes: Buffer.byteLength(out), out };
  };
  // Interleaved in one process so both see the same load and the same JIT state.
  const m = time(render);
  const j = time(votesJson);
  const series = m.out.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const dropped = /vigil_metrics_series_dropped\{family="vigil_real_server_state"\} (\d+)/.exec(m.out)?.[1] ?? '0';
  return {
    title: 'Board /metrics: one scrape of a 12,000-real-server cluster',
    markdown: [
      `${VIRTUAL_SERVERS} virtual servers × ${PER_VS} real servers, ${VPS.length} vantage points, in one Node process (the Board renders the same code in workerd); median of ${RUNS} after 2 warm-ups. Peer: GET /votes's JSON for the same verdicts.`,
      `The real-server state-set would be ${VIRTUAL_SERVERS * PER_VS * 3} series; the family cap (${MAX_SERIES_PER_FAMILY}) keeps ${MAX_SERIES_PER_FAMILY} and reports ${dropped} in vigil_metrics_series_dropped.`,
      '',
      table(
        ['what', 'median ms', 'p99 ms', 'range ms', 'bytes', 'series'],
        [
          ['Board /metrics (boardMetrics)', fmt(m.s.median), fmt(m.s.p99), `${fmt(m.s.min)}–${fmt(m.s.max)}`, m.bytes, series],
          ['peer: GET /votes JSON (JSON.stringify)', fmt(j.s.median), fmt(j.s.p99), `${fmt(j.s.min)}–${fmt(j.s.max)}`, j.bytes, 'n/a'],
        ],
      ),
    ].join('\n'),
  };
}
