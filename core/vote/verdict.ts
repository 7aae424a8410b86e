import type { Config } from '../config/model.ts';
import { foldTarget, type TargetVerdict, type Vote } from './fold.ts';
import { freshnessWindows } from './freshness.ts';
import type { Snapshot, SnapshotVirtualServer } from './snapshot.ts';
import { assignTargets, realServerKey, virtualServerKey } from './targets.ts';
import { foldVirtualServer, startsAlive } from './virtual-server.ts';

/** What the Board remembers between folds: the state each consumer should hold. */
export interface VerdictMemory {
  targets: Record<string, 'up' | 'down'>;
  quorum: Record<string, boolean>;
}

export interface Transition {
  kind: 'real_server' | 'virtual_server';
  key: string;
  from: string;
  to: string;
  atMs: number;
  /** For real servers: what each vantage point said at that moment. */
  votes?: TargetVerdict['votes'];
}

export interface Fold {
  virtualServers: SnapshotVirtualServer[];
  memory: VerdictMemory;
  transitions: Transition[];
  verdicts: Map<string, TargetVerdict>;
}

/**
 * The Board's whole decision, pure: every real server's verdict from the
 * latest votes, then each virtual server with keepalived's meaning. A real
 * server whose verdict is `unknown` keeps its last state (fail-static), and a
 * real server never voted on starts up, or down with alpha, as in keepalived.
 * `freshForMs` is freshnessWindows(config), which a caller folding the same
 * config again and again computes once.
 */
export function foldCluster(config: Config, latest: ReadonlyMap<string, ReadonlyMap<string, Vote>>, memory: VerdictMemory, nowMs: number, freshForMs: ReadonlyMap<string, number> = freshnessWindows(config)): Fold {
  const assignments = new Map(assignTargets(config).map((a) => [a.key, a]));
  const next: VerdictMemory = { targets: {}, quorum: {} };
  const transitions: Transition[] = [];
  const verdicts = new Map<string, TargetVerdict>();
  const out: SnapshotVirtualServer[] = [];
  for (const vs of config.virtualServers) {
    const alive = new Map<string, { alive: boolean }>();
    for (const rs of vs.realServers) {
      const key = realServerKey(vs, rs);
      const prev = memory.targets[key] ?? (startsAlive(vs, rs) ? 'up' : 'down');
      const v = foldTarget(prev, assignments.get(key)?.vantagePoints ?? [], latest.get(key) ?? new Map(), nowMs, { ...config.vigil.vote, freshForMs: freshForMs.get(key) ?? 0 });
      verdicts.set(key, v);
      next.targets[key] = v.effective;
      if (v.effective !== prev) transitions.push({ kind: 'real_server', key, from: prev, to: v.effective, atMs: nowMs, votes: v.votes });
      alive.set(key, { alive: v.effective === 'up' });
    }
    const vsKey = virtualServerKey(vs);
    const d = foldVirtualServer(vs, alive, memory.quorum[vsKey]);
    next.quorum[vsKey] = d.quorumUp;
    if (memory.quorum[vsKey] !== undefined && memory.quorum[vsKey] !== d.quorumUp) {
      transitions.push({ kind: 'virtual_server', key: vsKey, from: memory.quorum[vsKey] ? 'quorum_up' : 'quorum_down', to: d.quorumUp ? 'quorum_up' : 'quorum_down', atMs: nowMs });
    }
    out.push({
      key: vsKey,
      quorumUp: d.quorumUp,
      aliveWeight: d.aliveWeight,
      realServers: d.realServers.map((r) => {
        const v = verdicts.get(r.key);
        return { key: r.key, ip: r.ip, port: r.port, present: r.present, weight: r.weight, state: r.sorry ? 'up' : (v?.state ?? 'unknown'), effective: r.alive ? 'up' : 'down', sorry: r.sorry };
      }),
    });
  }
  return { virtualServers: out, memory: next, transitions, verdicts };
}

/** Whether two folds would publish the same desired state (so only a re-issue is needed, not a new version). */
export function sameDesiredState(a: SnapshotVirtualServer[], b: SnapshotVirtualServer[]): boolean {
  // Per-vantage detail (old snapshots carried it) is not desired state.
  const strip = (x: SnapshotVirtualServer[]) => JSON.stringify(x.map((v) => ({ ...v, realServers: v.realServers.map(({ votes: _v, ...r }) => r) })));
  return strip(a) === strip(b);
}

export function snapshotOf(cluster: string, seq: number, configVersion: number, nowMs: number, ttlMs: number, vss: SnapshotVirtualServer[]): Snapshot {
  return { v: 1, cluster, seq, configVersion, issuedAtMs: nowMs, expiresAtMs: nowMs + ttlMs, virtualServers: vss };
}
