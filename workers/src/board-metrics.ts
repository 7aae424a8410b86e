import type { LeaseState } from '../../core/lease/lease.ts';
import { Metrics } from '../../core/metrics/exposition.ts';
import type { TargetVerdict } from '../../core/vote/fold.ts';
import type { SnapshotVirtualServer } from '../../core/vote/snapshot.ts';

/**
 * Series per family in one scrape of GET /v1/clusters/{c}/metrics. The
 * real-server state-set is three series per real server, so 30,000 covers a
 * 10,000-real-server cluster; past it the rest of the family is left out and
 * counted in vigil_metrics_series_dropped{family}. Per-vantage-point series
 * are one per vantage point (never vantage point × real server), so they stay
 * small whatever the config.
 */
export const MAX_SERIES_PER_FAMILY = 30_000;

/** Why a vote was not counted; posted batches refused whole count every vote in them. */
export type VoteRejection = 'forbidden' | 'clock_skew' | 'unassigned' | 'other_vantage_point';

/**
 * The Board's counters, in memory: they restart from zero when the Durable
 * Object does (Prometheus's rate() and increase() read a drop as a reset).
 * Storing them would add a write per vote batch, the cost BoardVotes exists to avoid.
 */
export class BoardCounters {
  ingested = 0;
  readonly rejected = new Map<VoteRejection, number>();

  reject(reason: VoteRejection, n: number): void {
    if (n > 0) this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + n);
  }
}

export interface BoardMetricsInput {
  cluster: string;
  nowMs: number;
  configVersion: number;
  vantagePoints: readonly string[];
  /** target → the vantage points assigned to check it. */
  assigned: ReadonlyMap<string, ReadonlySet<string>>;
  /** The last fold: target key → verdict. */
  verdicts: ReadonlyMap<string, TargetVerdict>;
  virtualServers: readonly SnapshotVirtualServer[];
  /** target → vantage point → its latest vote (BoardVotes.latest). */
  latest: ReadonlyMap<string, ReadonlyMap<string, { atMs: number }>>;
  /** The newest snapshot (Publication). */
  published: { seq: number; issuedAtMs: number; expiresAtMs: number } | null;
  counters: BoardCounters;
  leases: Record<string, LeaseState>;
  webhooks: { deliveries: { webhook: string; pending: number; delivered: number; failed: number }[]; dropped: number };
}

const STATES = ['up', 'down', 'unknown'] as const;

/**
 * Per vantage point: the real servers assigned to it and those it holds a
 * fresh vote on at the last fold. Assigned with none fresh is "silent" (the
 * metric, the alert rule and the vantage_point_silent webhook event).
 */
export function vantagePointCounts(vantagePoints: readonly string[], assignedTo: ReadonlyMap<string, ReadonlySet<string>>, verdicts: ReadonlyMap<string, TargetVerdict>): { assigned: Map<string, number>; fresh: Map<string, number> } {
  const assigned = new Map(vantagePoints.map((vp) => [vp, 0]));
  const fresh = new Map(vantagePoints.map((vp) => [vp, 0]));
  for (const vps of assignedTo.values()) for (const vp of vps) assigned.set(vp, (assigned.get(vp) ?? 0) + 1);
  for (const v of verdicts.values()) for (const [vp, d] of Object.entries(v.votes)) if (d.fresh) fresh.set(vp, (fresh.get(vp) ?? 0) + 1);
  return { assigned, fresh };
}

/** `tcp/192.0.2.10:80|10.1.0.1:80` → virtual server and real server labels. */
function split(key: string): { virtual_server: string; real_server: string } {
  const at = key.lastIndexOf('|');
  return { virtual_server: key.slice(0, at), real_server: key.slice(at + 1) };
}

export function boardMetrics(i: BoardMetricsInput): string {
  const m = new Metrics(MAX_SERIES_PER_FAMILY);
  const cluster = i.cluster;
  m.define('vigil_config_version', 'gauge', 'Version of the config in force (1 for the first upload)');
  m.set('vigil_config_version', i.configVersion, { cluster });

  m.define('vigil_real_server_state', 'gauge', "Each real server's verdict at the last fold as a state-set: 1 for the current state (unknown: too few fresh votes; the last up/down is held)");
  for (const [key, v] of i.verdicts) for (const state of STATES) m.set('vigil_real_server_state', v.state === state ? 1 : 0, { cluster, ...split(key), state });

  m.define('vigil_virtual_server_quorum_up', 'gauge', "1 while the virtual server's live weight reaches its quorum (keepalived's quorum_up), else 0");
  for (const vs of i.virtualServers) m.set('vigil_virtual_server_quorum_up', vs.quorumUp ? 1 : 0, { cluster, virtual_server: vs.key });

  // Per vantage point, never per vantage point × real server: its newest vote, and how many of its assigned real servers it has a fresh vote on.
  const newestMs = new Map<string, number>();
  for (const byVp of i.latest.values()) for (const [vp, vote] of byVp) newestMs.set(vp, Math.max(newestMs.get(vp) ?? -Infinity, vote.atMs));
  const { assigned, fresh } = vantagePointCounts(i.vantagePoints, i.assigned, i.verdicts);
  m.define('vigil_vantage_point_last_vote_age_seconds', 'gauge', "Seconds since the vantage point's newest vote was taken (+Inf: none held since the Board started)");
  m.define('vigil_vantage_point_assigned_real_servers', 'gauge', 'Real servers the vantage point is assigned to check');
  m.define('vigil_vantage_point_fresh_votes', 'gauge', 'Assigned real servers on which the vantage point has a fresh vote at the last fold (0 with some assigned: silent)');
  for (const vp of i.vantagePoints) {
    const at = newestMs.get(vp);
    m.set('vigil_vantage_point_last_vote_age_seconds', at === undefined ? Infinity : Math.max(0, i.nowMs - at) / 1000, { cluster, vantage_point: vp });
    m.set('vigil_vantage_point_assigned_real_servers', assigned.get(vp) ?? 0, { cluster, vantage_point: vp });
    m.set('vigil_vantage_point_fresh_votes', fresh.get(vp) ?? 0, { cluster, vantage_point: vp });
  }

  m.define('vigil_votes_ingested_total', 'counter', 'Votes accepted since the Board started (resets with it)');
  m.set('vigil_votes_ingested_total', i.counters.ingested, { cluster });
  m.define('vigil_votes_rejected_total', 'counter', 'Votes not counted since the Board started, by reason (resets with it)');
  for (const reason of ['forbidden', 'clock_skew', 'unassigned', 'other_vantage_point'] as const) m.set('vigil_votes_rejected_total', i.counters.rejected.get(reason) ?? 0, { cluster, reason });

  m.define('vigil_snapshot_sequence', 'gauge', 'Sequence number of the newest signed snapshot');
  m.define('vigil_snapshot_age_seconds', 'gauge', 'Seconds since the newest snapshot was issued (re-issued every third of its lifetime even when nothing changed)');
  m.define('vigil_snapshot_ttl_seconds', 'gauge', 'How long a snapshot stays valid after it is issued');
  if (i.published) {
    m.set('vigil_snapshot_sequence', i.published.seq, { cluster });
    m.set('vigil_snapshot_age_seconds', Math.max(0, i.nowMs - i.published.issuedAtMs) / 1000, { cluster });
    m.set('vigil_snapshot_ttl_seconds', (i.published.expiresAtMs - i.published.issuedAtMs) / 1000, { cluster });
  }

  m.define('vigil_lease_holder', 'gauge', 'The director holding each binding\'s unexpired lease (1); no series while nobody holds it');
  m.define('vigil_lease_fencing_token', 'gauge', 'The highest fencing token granted for each binding: it grows by one with every grant');
  for (const [binding, s] of Object.entries(i.leases)) {
    if (s.current && s.current.expiresAtMs > i.nowMs) m.set('vigil_lease_holder', 1, { cluster, binding, director: s.current.holder });
    m.set('vigil_lease_fencing_token', s.lastToken, { cluster, binding });
  }
  m.define('vigil_webhook_deliveries', 'gauge', 'Webhook deliveries held, by state: pending (waiting or retrying), delivered, failed (given up); the newest 200 finished ones are kept');
  m.define('vigil_webhook_deliveries_dropped_total', 'counter', 'Pending webhook deliveries dropped, oldest first, past the per-cluster bound since the Board started (resets with it)');
  for (const d of i.webhooks.deliveries) for (const state of ['pending', 'delivered', 'failed'] as const) m.set('vigil_webhook_deliveries', d[state], { cluster, webhook: d.webhook, state });
  m.set('vigil_webhook_deliveries_dropped_total', i.webhooks.dropped, { cluster });
  return m.render();
}
