import { DurableObject } from 'cloudflare:workers';
import type { Context } from 'hono';
import * as z from 'zod';
import { LeaseState } from '../../core/lease/lease.ts';
import { Snapshot } from '../../core/vote/snapshot.ts';
import type { LeaseView } from '../../core/vote/dashboard-view.ts';
import type { Config } from '../../core/config/model.ts';
import type { CloudBinding } from '../../core/config/vigil.ts';
import { answerHeartbeat, type DirectorRecord, type PathVerdict } from '../../core/lease/lease-table.ts';
import { Heartbeat, type HeartbeatReply } from '../../core/lease/lease-wire.ts';
import { requireToken } from './auth.ts';
import { withDeadline } from './deadline.ts';
import { ClusterName } from './schemas.ts';
import type { LeaseMove } from './board-webhooks.ts';
import { VigilError, fail, unwrap, type Outcome } from '../../core/errors.ts';

const LeaseRow = z.object({ binding: z.string(), state: z.string() });
const DirectorRow = z.object({ id: z.string(), last_heartbeat_ms: z.number(), healthy: z.number() });
const BOARD_DEADLINE_MS = 3_000;
/** The Board's config and verdict are read at most this often; lease timing never depends on them. */
const BOARD_CACHE_MS = 500;

/**
 * Leases for cloud address bindings, one LeaseKeeper per cluster, apart from
 * the Board so lease traffic never queues behind vote folding. Directors
 * heartbeat here; each heartbeat records the director, then steps the lease of
 * every binding it serves (core/lease: grant only after expiry, highest
 * eligible priority, fencing token +1). Leases, the last token per binding and
 * the heartbeats live in SQLite and are written before the answer leaves, so a
 * restarted keeper never grants a lease early or reuses a token.
 * The config and the path verdicts come from the Board over RPC.
 */
export class LeaseKeeper extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private board: { atMs: number; bindings: CloudBinding[]; verdicts: PathVerdict[] } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS leases (binding TEXT PRIMARY KEY, state TEXT NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS directors (id TEXT PRIMARY KEY, last_heartbeat_ms INTEGER NOT NULL, healthy INTEGER NOT NULL)');
  }

  private leases(): Map<string, LeaseState> {
    const out = new Map<string, LeaseState>();
    for (const raw of this.sql.exec('SELECT binding, state FROM leases').toArray()) {
      const row = LeaseRow.parse(raw);
      out.set(row.binding, LeaseState.parse(JSON.parse(row.state)));
    }
    return out;
  }

  private directors(): Map<string, DirectorRecord> {
    const out = new Map<string, DirectorRecord>();
    for (const raw of this.sql.exec('SELECT id, last_heartbeat_ms, healthy FROM directors').toArray()) {
      const r = DirectorRow.parse(raw);
      out.set(r.id, { id: r.id, lastHeartbeatMs: r.last_heartbeat_ms, healthy: r.healthy === 1 });
    }
    return out;
  }

  private async fromBoard(cluster: string): Promise<Outcome<{ bindings: CloudBinding[]; verdicts: PathVerdict[] }>> {
    if (this.board && Date.now() - this.board.atMs < BOARD_CACHE_MS) return { ok: true, value: this.board };
    const stub = this.env.BOARD.get(this.env.BOARD.idFromName(cluster));
    // RPC stubs wrap results in Disposable unions that defeat inference; the Board's own return types, named.
    const cfg = await withDeadline(stub.getConfig() as Promise<Outcome<{ config: Config }>>, BOARD_DEADLINE_MS, 'Board.getConfig');
    if (!cfg.ok) return cfg;
    const bindings = cfg.value.config.vigil.cloudBindings;
    const verdicts: PathVerdict[] = [];
    const snap = await withDeadline<Outcome<{ body: string } | null>>(stub.verdict(0, 0), BOARD_DEADLINE_MS, 'Board.verdict');
    if (snap.ok && snap.value) {
      const parsed = Snapshot.safeParse(JSON.parse(snap.value.body));
      if (parsed.success) for (const vs of parsed.data.virtualServers) for (const rs of vs.realServers) verdicts.push({ ip: rs.ip, state: rs.state });
    }
    this.board = { atMs: Date.now(), bindings, verdicts };
    return { ok: true, value: this.board };
  }

  /** RPC: one director's heartbeat; answers each binding's lease as this director should see it. */
  async heartbeat(cluster: string, directorId: string, body: Heartbeat): Promise<Outcome<HeartbeatReply>> {
    let board: Awaited<ReturnType<LeaseKeeper['fromBoard']>>;
    try {
      board = await this.fromBoard(cluster);
    } catch (err) {
      // Without the config there is nothing to step; no lease changes, the holder's deadline runs on.
      return fail('ERR_INTERNAL', `the Board did not answer: ${(err as Error).message}`);
    }
    if (!board.ok) return board;
    // Date.now() after the awaits: the lease clock is read once, after all I/O, for this step.
    const nowMs = Date.now();
    this.sql.exec('INSERT INTO directors (id, last_heartbeat_ms, healthy) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET last_heartbeat_ms = excluded.last_heartbeat_ms, healthy = excluded.healthy', directorId, nowMs, body.healthy ? 1 : 0);
    const before = this.leases();
    const answer = answerHeartbeat({ directorId, body, nowMs, bindings: board.value.bindings, directors: this.directors(), leases: before, verdicts: board.value.verdicts });
    if (!answer.ok) return fail('ERR_BAD_REQUEST', answer.message, { path: answer.path });
    const moves: LeaseMove[] = [];
    for (const [binding, state] of answer.changed) {
      this.sql.exec('INSERT INTO leases (binding, state) VALUES (?, ?) ON CONFLICT(binding) DO UPDATE SET state = excluded.state', binding, JSON.stringify(state));
      const was = before.get(binding)?.current;
      const now = state.current;
      // A grant to another director than the last holder moves the address; a renewal or a re-grant to the same one does not.
      if (now && now.token !== was?.token && now.holder !== was?.holder) moves.push({ binding, from: was?.holder ?? null, to: now.holder, fencingToken: now.token, atMs: nowMs });
    }
    // The lease_moved webhook event, queued in the Board's outbox; a failure to reach it is logged, never the heartbeat's.
    if (moves.length) {
      const stub = this.env.BOARD.get(this.env.BOARD.idFromName(cluster));
      this.ctx.waitUntil(withDeadline(stub.leaseMoved(moves), BOARD_DEADLINE_MS, 'Board.leaseMoved').catch((err) => console.warn(`lease-keeper ${cluster}: lease_moved not queued: ${(err as Error).message}`)));
    }
    // SQLite writes above are committed before this answer leaves the object (the output gate).
    return { ok: true, value: answer.reply };
  }

  /** RPC for tests: every binding's lease state. */
  async leaseStates(): Promise<Record<string, LeaseState>> {
    return Object.fromEntries(this.leases());
  }

  /**
   * RPC for the Board's viewer feed: each of `bindings` with its holder, fencing token and expiry
   * (null when no lease is current), and every director's last heartbeat.
   */
  async leaseView(bindings: readonly Pick<CloudBinding, 'name' | 'kind'>[]): Promise<LeaseView> {
    const leases = this.leases();
    return {
      bindings: bindings.map((b) => {
        const l = leases.get(b.name);
        const cur = l?.current ?? null;
        return { name: b.name, kind: b.kind, holder: cur?.holder ?? null, token: cur?.token ?? null, expiresAtMs: cur?.expiresAtMs ?? null, lastToken: l?.lastToken ?? 0 };
      }),
      directors: [...this.directors().values()].map((d) => ({ id: d.id, lastHeartbeatMs: d.lastHeartbeatMs, healthy: d.healthy })),
    };
  }
}

const DirectorId = z.string().min(1).max(64);

/**
 * `POST /v1/clusters/{cluster}/directors/{id}/heartbeat`: a shim token of this
 * cluster that names director `id` (`vigil token new --scope shim --cluster C
 * --director ID`), or an admin token. A shim token naming no director may
 * read verdicts but never heartbeat: a heartbeat steers who holds a lease.
 */
/**
 * A heartbeat names at most 256 bindings (Heartbeat) and where each address
 * was seen: a few kilobytes. 64 KiB bounds what is read before the body is
 * parsed with room to spare; past it the route answers 413.
 */
export const MAX_HEARTBEAT_BYTES = 64 << 10;

export async function heartbeatRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const cluster = ClusterName.safeParse(c.req.param('cluster'));
  if (!cluster.success) throw new VigilError('ERR_BAD_REQUEST', 'invalid cluster name', { path: 'cluster' });
  const token = requireToken(c.req.header('Authorization'), c.env, 'shim', cluster.data);
  const id = DirectorId.safeParse(c.req.param('id'));
  if (!id.success) throw new VigilError('ERR_BAD_REQUEST', 'invalid director id', { path: 'id' });
  if (token.scope === 'shim' && token.director === undefined) throw new VigilError('ERR_FORBIDDEN', 'this shim token names no director, so it cannot heartbeat (make one with --director)', { path: 'id' });
  if (token.scope === 'shim' && token.director !== id.data) throw new VigilError('ERR_FORBIDDEN', `this token heartbeats only as director ${token.director}`, { path: 'id' });
  let doc: unknown;
  try {
    doc = await c.req.json();
  } catch {
    throw new VigilError('ERR_BAD_REQUEST', 'the body is not JSON', { path: 'body' });
  }
  const body = Heartbeat.safeParse(doc);
  if (!body.success) throw new VigilError('ERR_BAD_REQUEST', body.error.issues[0]?.message ?? 'invalid heartbeat', { path: ['body', ...(body.error.issues[0]?.path ?? [])].join('.') });
  const keeper = c.env.LEASE_KEEPER.get(c.env.LEASE_KEEPER.idFromName(cluster.data));
  return c.json(unwrap(await withDeadline<Outcome<HeartbeatReply>>(keeper.heartbeat(cluster.data, id.data, body.data), BOARD_DEADLINE_MS * 2, 'LeaseKeeper.heartbeat')));
}
