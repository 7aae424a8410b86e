import { verifySnapshot, type CryptoKey, type Snapshot } from '../core/vote/snapshot.ts';
import type { VoteDetail } from '../core/vote/vote-detail.ts';
import type { BoardClient } from '../shim/probe/board-client.ts';
import { systemClock } from '../core/ports/clock.ts';

/** After a refused snapshot or a failed request, before the next try. */
const RETRY_MS = 1000;

export interface WatcherOptions {
  board: BoardClient;
  /** Long-poll wait per request, seconds. */
  waitS?: number;
  /** `detail`: what each vantage point said (GET /votes), fetched when something changed; null if it could not be had. */
  onSnapshot: (s: Snapshot, prev: Snapshot | null, detail: VoteDetail | null) => void;
  onReject?: (reason: string) => void;
  log?: (line: string) => void;
}

/**
 * Follows the Board as a shim does: long-polls for the next snapshot, verifies
 * its signature over the exact bytes, its cluster, expiry and sequence, and
 * only then hands it on. Anything that fails verification changes nothing.
 */
export class VerdictWatcher {
  private readonly stop = new AbortController();
  private keys: Map<string, CryptoKey> | null = null;
  private last: Snapshot | null = null;

  constructor(private readonly o: WatcherOptions) {}

  close(): void {
    this.stop.abort();
  }

  async run(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      try {
        this.keys ??= await this.o.board.keys(signal);
        const got = await this.o.board.verdict(this.last?.seq ?? 0, this.o.waitS ?? 20, signal);
        if (!got) continue;
        const v = await verifySnapshot(got.body, got.signature, { cluster: this.o.board.cluster, nowMs: Date.now(), lastSeq: this.last?.seq ?? 0, keys: this.keys });
        if (!v.ok) {
          this.o.onReject?.(`${v.reason}: ${v.detail}`);
          if (v.reason === 'unknown_key') this.keys = null;
          await systemClock.sleep(RETRY_MS, signal);
          continue;
        }
        const prev = this.last;
        this.last = v.snapshot;
        // Snapshots carry the desired state only; the vantage points' words are a separate, unsigned read.
        const detail = prev && !changed(v.snapshot, prev) ? null : await this.o.board.voteDetail(signal).catch(() => null);
        this.o.onSnapshot(v.snapshot, prev, detail);
      } catch (err) {
        if (signal.aborted) break;
        this.o.log?.(`watch: ${(err as Error).message}`);
        await systemClock.sleep(RETRY_MS, signal);
      }
    }
  }
}

function changed(s: Snapshot, prev: Snapshot): boolean {
  const state = (x: Snapshot) => JSON.stringify(x.virtualServers.map((v) => [v.quorumUp, v.realServers.map((r) => [r.key, r.state, r.effective])]));
  return state(s) !== state(prev);
}

/** What changed between two snapshots, as lines an operator reads; the vantage points' words from `detail` (or an older snapshot's own). */
export function describeChanges(s: Snapshot, prev: Snapshot | null, detail: VoteDetail | null = null): string[] {
  const out: string[] = [];
  const words = new Map(detail?.realServers.map((r) => [r.key, r.votes]) ?? []);
  const before = new Map(prev?.virtualServers.flatMap((v) => v.realServers.map((r) => [r.key, r] as const)) ?? []);
  const quorumBefore = new Map(prev?.virtualServers.map((v) => [v.key, v.quorumUp]) ?? []);
  for (const vs of s.virtualServers) {
    for (const rs of vs.realServers) {
      if (rs.sorry) continue;
      const b = before.get(rs.key);
      if (b && b.effective === rs.effective && b.state === rs.state) continue;
      const said = Object.entries(rs.votes ?? words.get(rs.key) ?? {}).map(([vp, v]) => `${vp} ${v.up ? 'up' : v.reason}${v.fresh ? '' : ' (stale)'}`).join(', ');
      const label = rs.state === 'unknown' ? `UNKNOWN (holding ${rs.effective.toUpperCase()})` : rs.effective.toUpperCase();
      out.push(`real server ${rs.key} ${label}${said ? `  [${said}]` : ''}`);
    }
    const q = quorumBefore.get(vs.key);
    if (q !== undefined && q !== vs.quorumUp) out.push(`virtual server ${vs.key} quorum ${vs.quorumUp ? 'UP' : 'LOST'} (alive weight ${vs.aliveWeight})`);
    if (!prev || out.length) {
      const table = vs.realServers.filter((r) => r.present).map((r) => `${r.ip}:${r.port} w=${r.weight}${r.sorry ? ' (sorry)' : ''}`);
      out.push(`  table ${vs.key}: ${table.join(', ') || '(empty)'}`);
    }
  }
  return out;
}
