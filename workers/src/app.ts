import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { SIGNATURE_HEADER } from '../../core/vote/snapshot.ts';
import type { Scope } from '../../core/auth/tokens.ts';
import { requireOneTimeCode, requireToken } from './auth.ts';
import { signSession } from '../../core/auth/viewer-session.ts';
import { VigilError, unwrap } from '../../core/errors.ts';
import { decodeUpload } from './config-input.ts';
import { MAX_HEARTBEAT_BYTES, heartbeatRoute } from './lease-keeper.ts';
import { openApiDocument } from './openapi.ts';
import { AssignmentQuery, ClusterName, ConfigQuery, EventsQuery, VerdictQuery, VoteBatch } from './schemas.ts';
import { signingKey } from './signing-key.ts';
import { withDeadline } from './deadline.ts';
import type { LeaseState } from '../../core/lease/lease.ts';
import { redactForViewer } from '../../core/config/redact.ts';
import type { Config } from '../../core/config/model.ts';
import { tokenFromProtocols } from './viewer-feed.ts';
import { dashboardRoutes } from './dashboard.ts';

/**
 * A plain keepalived.conf of 12,000 real servers with HTTP_GET checks (the
 * size the README's costs are quoted for) is 3.2 MB (workers/test/large-config.ts);
 * 8 MiB leaves 2.5x for digests, comments and deeper indentation, while the
 * source and its parsed model (about 1.25x the source) still fit in one
 * Durable Object RPC (32 MiB) when getConfig hands both back.
 */
export const MAX_CONFIG_BYTES = 8 << 20;
export const MAX_VOTES_BYTES = 2 << 20;

type Ctx = Context<{ Bindings: Env }>;

function parse<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = [where, ...(issue?.path ?? [])].filter((p) => p !== '').join('.');
  throw new VigilError('ERR_BAD_REQUEST', issue?.message ?? 'invalid input', { path });
}

/**
 * Every cluster route starts here: the cluster named in the path, the token
 * checked for `scope` on that cluster (403 for a token of another cluster),
 * and that cluster's Board.
 */
function board(c: Ctx, scope: Scope | readonly Scope[], presented?: string | null) {
  const cluster = parse(ClusterName, c.req.param('cluster'), 'cluster');
  const token = requireToken(c.req.header('Authorization'), c.env, scope, cluster, presented);
  return { cluster, token, stub: c.env.BOARD.get(c.env.BOARD.idFromName(cluster)) };
}

const limit = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new VigilError('ERR_PAYLOAD_TOO_LARGE', `the body is larger than ${maxSize} bytes`);
    },
  });

export const app = new Hono<{ Bindings: Env }>();

app.onError((err, c) => {
  if (err instanceof VigilError) return c.json(err.body(), err.status as ContentfulStatusCode);
  // Unexpected: log the message (never a header or body, which may hold a token), answer generically.
  console.error(`vigil api: ${err.name}: ${err.message}`);
  return c.json({ code: 'ERR_INTERNAL', message: 'internal error' }, 500);
});
app.notFound((c) => c.json({ code: 'ERR_NOT_FOUND', message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

dashboardRoutes(app);

app.get('/v1/openapi.json', (c) => c.json(openApiDocument()));

app.get('/v1/keys', async (c) => {
  const key = await signingKey(c.env.VIGIL_SIGNING_KEY);
  return c.json({ keys: [key.jwk] });
});

app.put('/v1/clusters/:cluster/config', limit(MAX_CONFIG_BYTES), async (c) => {
  const { cluster, stub } = board(c, 'admin');
  const q = parse(ConfigQuery, c.req.query(), 'query');
  const text = decodeUpload(cluster, new Uint8Array(await c.req.arrayBuffer()), c.req.header('Content-Type'));
  if (text.trim() === '') throw new VigilError('ERR_BAD_REQUEST', 'the config is empty', { path: 'body' });
  const out = unwrap(await stub.putConfig(cluster, text, c.req.header('Content-Type') ?? null, c.req.header('If-Match') ?? null, q.config_id ?? null));
  c.header('ETag', out.etag);
  return c.json(out, out.version === 1 ? 201 : 200);
});

/** What each read route allows besides admin: a viewer reads verdicts, votes, events and the redacted config, and writes nothing. */
const READERS = ['shim', 'viewer'] as const;

app.get('/v1/clusters/:cluster/config', async (c) => {
  const { stub, token } = board(c, ['admin', 'viewer']);
  const cfg = unwrap(await stub.getConfig());
  c.header('ETag', cfg.etag);
  // A viewer never gets the source (its comments may hold anything): the model, with commands and secrets redacted.
  if (token.scope === 'viewer') return c.json(redactForViewer(cfg.config as Config));
  if (c.req.header('Accept')?.includes('application/json')) return c.json(cfg.config);
  return c.body(cfg.source, 200, { 'Content-Type': cfg.format === 'json' ? 'application/json' : 'text/plain; charset=utf-8' });
});

app.get('/v1/clusters/:cluster/assignment', async (c) => {
  const { stub, token } = board(c, 'prober');
  const q = parse(AssignmentQuery, c.req.query(), 'query');
  if (token.scope === 'prober' && token.vantagePoint !== q.vantage) throw new VigilError('ERR_FORBIDDEN', `this token is for vantage point ${token.vantagePoint ?? '(none)'}`, { path: 'query.vantage' });
  const out = unwrap(await stub.assignment(q.vantage));
  c.header('ETag', out.etag);
  return c.json(out);
});

app.post('/v1/clusters/:cluster/votes', limit(MAX_VOTES_BYTES), async (c) => {
  const { stub, token } = board(c, 'prober');
  if (!/^application\/json\b/i.test(c.req.header('Content-Type') ?? '')) throw new VigilError('ERR_UNSUPPORTED_MEDIA_TYPE', 'votes are posted as application/json');
  let doc: unknown;
  try {
    doc = JSON.parse(await c.req.text());
  } catch {
    throw new VigilError('ERR_BAD_REQUEST', 'the body is not JSON', { path: 'body' });
  }
  const batch = parse(VoteBatch, doc, '');
  if (token.scope === 'prober' && !token.vantagePoint) throw new VigilError('ERR_FORBIDDEN', 'this prober token names no vantage point');
  return c.json(unwrap(await stub.submitVotes(batch.votes, token.scope === 'prober' ? token.vantagePoint! : null)));
});

app.get('/v1/clusters/:cluster/votes', async (c) => {
  const { stub } = board(c, READERS);
  return c.json(unwrap(await stub.voteDetail()));
});

app.get('/v1/clusters/:cluster/verdict', async (c) => {
  const { stub } = board(c, READERS);
  const q = parse(VerdictQuery, c.req.query(), 'query');
  const snap = unwrap(await stub.verdict(q.since, q.wait * 1000));
  if (!snap) return c.body(null, 204);
  // The exact bytes the Board signed: never re-serialised on the way out.
  return c.body(snap.body, 200, { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: snap.signature, 'Vigil-Seq': String(snap.seq), 'Cache-Control': 'no-store' });
});

app.get('/v1/clusters/:cluster/stream', async (c) => {
  const { stub } = board(c, 'shim');
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') throw new VigilError('ERR_UPGRADE_REQUIRED', 'this endpoint speaks WebSocket (Upgrade: websocket)');
  return stub.fetch(c.req.raw);
});

app.get('/v1/clusters/:cluster/view', async (c) => {
  const { stub } = board(c, 'viewer');
  return c.json(unwrap(await stub.view()), 200, { 'Cache-Control': 'no-store' });
});

/**
 * The dashboard link's one-time code (in the POST body, never a URL) for a
 * 12-hour viewer session token; the Board records the code as used, so a
 * second exchange is refused (401 ERR_ONE_TIME_CODE).
 */
app.post('/v1/clusters/:cluster/dashboard-session', limit(1024), async (c) => {
  const cluster = parse(ClusterName, c.req.param('cluster'), 'cluster');
  let doc: unknown;
  try {
    doc = JSON.parse(await c.req.text());
  } catch {
    throw new VigilError('ERR_BAD_REQUEST', 'the body is not JSON', { path: 'body' });
  }
  const code = requireOneTimeCode((doc as { code?: unknown } | null)?.code, c.env, cluster);
  const stub = c.env.BOARD.get(c.env.BOARD.idFromName(cluster));
  if (!(await stub.claimOneTimeCode(code.id))) throw new VigilError('ERR_ONE_TIME_CODE', 'this dashboard link was already used: open a new link from npm start');
  if (!c.env.VIGIL_SIGNING_KEY) throw new VigilError('ERR_INTERNAL', 'VIGIL_SIGNING_KEY is not set');
  return c.json(signSession(c.env.VIGIL_SIGNING_KEY, cluster, Date.now()), 200, { 'Cache-Control': 'no-store' });
});

// The viewers' WebSocket: a view now and after each fold. The token comes as a subprotocol (a browser
// cannot set Authorization on a WebSocket) or in Authorization; never in the URL.
app.get('/v1/clusters/:cluster/watch', async (c) => {
  const { stub } = board(c, 'viewer', tokenFromProtocols(c.req.header('Sec-WebSocket-Protocol')));
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') throw new VigilError('ERR_UPGRADE_REQUIRED', 'this endpoint speaks WebSocket (Upgrade: websocket)');
  return stub.fetch(c.req.raw);
});

app.get('/v1/clusters/:cluster/events', async (c) => {
  const { stub } = board(c, READERS);
  const q = parse(EventsQuery, c.req.query(), 'query');
  return c.json({ events: unwrap(await stub.events(q.since, q.limit)) });
});

/** Prometheus text for the cluster (workers/src/board-metrics.ts): the Board's verdicts, votes and snapshots, the LeaseKeeper's leases. */
app.get('/v1/clusters/:cluster/metrics', async (c) => {
  const { cluster, stub } = board(c, 'viewer');
  const keeper = c.env.LEASE_KEEPER.get(c.env.LEASE_KEEPER.idFromName(cluster));
  const leases = await withDeadline<Record<string, LeaseState>>(keeper.leaseStates(), 3_000, 'LeaseKeeper.leaseStates');
  const text = unwrap(await stub.metrics(leases));
  return c.body(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
});

/** Alert webhooks: each one (URL origin only), its deliveries by state, and the newest deliveries (workers/src/webhook-outbox.ts). */
app.get('/v1/clusters/:cluster/webhooks', async (c) => {
  const { stub } = board(c, 'viewer');
  return c.json(unwrap(await stub.webhookStatus()));
});

// Cloud failover leases (LeaseKeeper Durable Object, one per cluster): see lease-keeper.ts.
app.post('/v1/clusters/:cluster/directors/:id/heartbeat', limit(MAX_HEARTBEAT_BYTES), heartbeatRoute);
