import * as z from 'zod';
import { StoredEvent } from './event.ts';
import { SnapshotVirtualServer } from './snapshot.ts';
import { VoteDetail } from './vote-detail.ts';

/**
 * What a `viewer` sees of a cluster (GET /v1/clusters/{c}/view, and each
 * `view` frame on the viewer WebSocket): the config as a summary with its
 * warnings, the latest snapshot's desired state, what each vantage point
 * said, the recent history and the cloud leases. One schema for the Board
 * that builds it and the dashboard that parses every frame with it.
 *
 * Bounded: at most VIEW_MAX_REAL_SERVERS real servers (votes and config
 * summary alike) and VIEW_MAX_EVENTS events, so a frame stays well under a
 * megabyte whatever the cluster's size; `truncated` counts what was left out.
 */
export const VIEW_MAX_REAL_SERVERS = 500;
export const VIEW_MAX_EVENTS = 400;
/** The history the timeline shows. */
export const VIEW_HISTORY_MS = 6 * 3600_000;

export const ConfigSummary = z.object({
  version: z.number().int(),
  etag: z.string(),
  createdAtMs: z.number(),
  format: z.enum(['keepalived', 'json']),
  /** The warnings the upload answered with; null for a config stored before they were kept. */
  warnings: z.array(z.string()).nullable(),
  vantagePoints: z.array(z.object({ name: z.string(), kind: z.enum(['edge', 'self-hosted']), region: z.string().optional() })),
  virtualServers: z.array(
    z.object({
      key: z.string(),
      scheduler: z.string(),
      quorum: z.number().int(),
      hysteresis: z.number().int(),
      sorryServer: z.string().nullable(),
      realServers: z.array(z.object({ key: z.string(), weight: z.number().int(), checks: z.array(z.string()) })),
    }),
  ),
});
export type ConfigSummary = z.infer<typeof ConfigSummary>;

export const LeaseView = z.object({
  bindings: z.array(z.object({ name: z.string(), kind: z.string(), holder: z.string().nullable(), token: z.number().int().nullable(), expiresAtMs: z.number().nullable(), lastToken: z.number().int() })),
  directors: z.array(z.object({ id: z.string(), lastHeartbeatMs: z.number(), healthy: z.boolean() })),
});
export type LeaseView = z.infer<typeof LeaseView>;

export const DashboardView = z.object({
  cluster: z.string(),
  /** The Board's clock when it built this view: ages on the page are counted from it, not from the browser's clock. */
  nowMs: z.number(),
  config: ConfigSummary,
  snapshot: z.object({ seq: z.number().int(), issuedAtMs: z.number(), expiresAtMs: z.number(), virtualServers: z.array(SnapshotVirtualServer) }).nullable(),
  votes: VoteDetail,
  events: z.array(StoredEvent),
  leases: LeaseView,
  truncated: z.object({ realServers: z.number().int(), events: z.number().int() }),
});
export type DashboardView = z.infer<typeof DashboardView>;

/** The subprotocol a viewer's WebSocket speaks; the server answers with it (a browser refuses an upgrade that names none). */
export const VIEW_PROTOCOL = 'vigil.view.v1';
/**
 * A browser cannot set Authorization on a WebSocket, and a token never goes in
 * a URL (logs, history): it travels as a second offered subprotocol,
 * `vigil.token.<token>`, which the server never echoes.
 */
export const TOKEN_PROTOCOL_PREFIX = 'vigil.token.';

/** Server → viewer frames on GET /v1/clusters/{c}/watch. */
export const ViewerFrame = z.discriminatedUnion('type', [z.object({ type: z.literal('view'), view: DashboardView })]);
export type ViewerFrame = z.infer<typeof ViewerFrame>;
