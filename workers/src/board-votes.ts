import * as z from 'zod';
import type { VantagePoint } from '../../core/config/vigil.ts';
import { fail } from '../../core/errors.ts';
import { Vote } from '../../core/vote/fold.ts';
import { DEFAULT_VOTE_MAX_SKEW_MS } from '../../core/vote/freshness.ts';

/**
 * Why a batch posted over HTTP is refused, if it is: only declared
 * self-hosted vantage points vote that way (an edge vantage point's votes
 * come from its own Probers), and a prober token only as the one it names
 * (`onlyAs`; null for an admin token).
 */
export function refusal(votes: readonly Vote[], declared: readonly Pick<VantagePoint, 'name' | 'kind'>[], onlyAs: string | null): ReturnType<typeof fail> | null {
  const kinds = new Map(declared.map((v) => [v.name, v.kind]));
  for (const [i, v] of votes.entries()) {
    const path = `votes.${i}.vantagePoint`;
    if (onlyAs !== null && v.vantagePoint !== onlyAs) return fail('ERR_FORBIDDEN', `this token votes only as ${onlyAs}`, { path });
    const kind = kinds.get(v.vantagePoint);
    if (kind === undefined) return fail('ERR_FORBIDDEN', `vantage point ${v.vantagePoint} is not declared in the config`, { path });
    if (kind !== 'self-hosted') return fail('ERR_FORBIDDEN', `${v.vantagePoint} is an edge vantage point: only its Probers vote for it`, { path });
  }
  return null;
}


/** VOTE_MAX_SKEW_MS (wrangler.jsonc), or the default when unset or not a positive number. */
export function maxSkewMs(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_VOTE_MAX_SKEW_MS;
}

/**
 * A vote dated by a clock far from the Board's is refused: one dated ahead
 * would outrank every genuine vote from its vantage point until that date
 * (put keeps the newest), and one dated far back says nothing current.
 */
export function withinSkew(v: Pick<Vote, 'atMs'>, nowMs: number, skewMs: number): boolean {
  return Math.abs(v.atMs - nowMs) <= skewMs;
}

/** The first posted vote outside the skew, as a 400 naming its field; null when all are within. */
export function skewRefusal(votes: readonly Vote[], nowMs: number, skewMs: number): ReturnType<typeof fail> | null {
  for (const [i, v] of votes.entries()) {
    if (withinSkew(v, nowMs, skewMs)) continue;
    const offMs = v.atMs - nowMs;
    return fail('ERR_BAD_REQUEST', `the vote's atMs is ${Math.abs(offMs)} ms ${offMs > 0 ? 'ahead of' : 'behind'} the Board's clock; at most ${skewMs} ms either way is accepted (check the prober's clock)`, { path: `votes.${i}.atMs` });
  }
  return null;
}

/** Latest vote per target, then per vantage point. */
export type LatestVotes = Map<string, Map<string, Vote>>;

/**
 * Votes packed into few rows: a compaction writes ⌈bytes / CHUNK_BYTES⌉ rows
 * (one for a few thousand votes), never one row per vote. SQLite rows top out
 * at 2 MB, so chunks stay well under that.
 */
const CHUNK_BYTES = 1_000_000;
const Chunk = z.array(Vote);

/**
 * The Board's latest votes live in memory: a vote arrives every check run from
 * every vantage point, and a row written per vote was most of the edge's cost.
 * They are compacted to storage at most every `flushEveryMs` while something
 * changed, so an evicted or hibernated Board comes back with votes at most
 * that old. Votes that arrived after the last compaction are lost with the
 * memory: their targets fold to `unknown` (too few fresh vantage points) and
 * every consumer holds its last state until the next votes arrive — never a
 * flip. The verdict memory (what consumers hold) is written on every change,
 * separately, so holding is always to the last published state.
 */
export class BoardVotes {
  readonly latest: LatestVotes;
  private dirty = false;
  private lastFlushMs: number;

  constructor(
    private readonly sql: SqlStorage,
    private readonly flushEveryMs: number,
    nowMs: number,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS vote_chunks (n INTEGER PRIMARY KEY, votes TEXT NOT NULL)`);
    // The per-vote table of the first version: its rows are stale by now, so not worth reading.
    sql.exec(`DROP TABLE IF EXISTS votes`);
    this.latest = this.load();
    this.lastFlushMs = nowMs;
  }

  /** Rows that no longer parse are dropped, not trusted. */
  private load(): LatestVotes {
    const out: LatestVotes = new Map();
    for (const r of this.sql.exec<{ votes: string }>(`SELECT votes FROM vote_chunks ORDER BY n`)) {
      let doc: unknown;
      try {
        doc = JSON.parse(r.votes);
      } catch {
        continue;
      }
      const chunk = Chunk.safeParse(doc);
      if (!chunk.success) continue;
      for (const v of chunk.data) this.set(out, v);
    }
    return out;
  }

  private set(into: LatestVotes, v: Vote): void {
    let m = into.get(v.target);
    if (!m) into.set(v.target, (m = new Map()));
    m.set(v.vantagePoint, v);
  }

  /** Keeps `v` unless a newer word from the same vantage point is already here (late batches never win). */
  put(v: Vote): void {
    const prev = this.latest.get(v.target)?.get(v.vantagePoint);
    if (prev && prev.atMs > v.atMs) return;
    this.set(this.latest, v);
    this.dirty = true;
  }

  /** Votes for targets the new config no longer has. */
  keepOnly(targets: ReadonlySet<string>): void {
    for (const t of [...this.latest.keys()]) {
      if (targets.has(t)) continue;
      this.latest.delete(t);
      this.dirty = true;
    }
  }

  /** When the next compaction is due (null: nothing to write). */
  flushDueAtMs(): number | null {
    return this.dirty ? this.lastFlushMs + this.flushEveryMs : null;
  }

  /** Writes the votes if they changed and the last compaction is old enough (or `force`); returns rows written. */
  flush(nowMs: number, force = false): number {
    if (!this.dirty || (!force && nowMs < this.lastFlushMs + this.flushEveryMs)) return 0;
    const chunks: string[] = [];
    let part: Vote[] = [];
    let bytes = 0;
    for (const m of this.latest.values()) {
      for (const v of m.values()) {
        const size = JSON.stringify(v).length + 1;
        if (bytes + size > CHUNK_BYTES && part.length) {
          chunks.push(JSON.stringify(part));
          part = [];
          bytes = 0;
        }
        part.push(v);
        bytes += size;
      }
    }
    if (part.length) chunks.push(JSON.stringify(part));
    chunks.forEach((c, n) => this.sql.exec(`INSERT INTO vote_chunks (n, votes) VALUES (?, ?) ON CONFLICT (n) DO UPDATE SET votes = excluded.votes`, n, c));
    this.sql.exec(`DELETE FROM vote_chunks WHERE n >= ?`, chunks.length);
    this.dirty = false;
    this.lastFlushMs = nowMs;
    return chunks.length;
  }
}
