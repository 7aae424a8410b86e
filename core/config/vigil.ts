import * as z from 'zod';
import { DurationMs, Fwmark, IpAddress, Port } from './primitives.ts';

/**
 * Vigil's own words, for what keepalived cannot say. In keepalived.conf they
 * live in a top-level `vigil { ... }` block, which keepalived itself skips
 * with a warning, so one file serves both during a migration.
 */
export const VantagePoint = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'names are letters, digits, _ . - (max 63)'),
  kind: z.enum(['edge', 'self-hosted']),
  /** For edge vantage points: a Durable Object locationHint (wnam, enam, sam, weur, eeur, apac, oc, afr, me). */
  region: z.string().optional(),
});
export type VantagePoint = z.infer<typeof VantagePoint>;

export const VotePolicy = z.strictObject({
  /** Vantage points that must agree; unset means a majority of those assigned. */
  quorum: z.number().int().min(1).optional(),
  /**
   * What happens when fewer vantage points can check a real server than
   * `quorum` needs: `refuse` (unset) makes the config an error; `majority`
   * lowers it to a majority of those that can check it, `all` to all of them
   * (core/vote/quorum.ts effectiveQuorum).
   */
  degrade: z.enum(['refuse', 'majority', 'all']).optional(),
  /** A vote stays fresh for freshnessIntervals × interval + timeout. */
  freshnessIntervals: z.number().min(1).max(100).default(3),
});
export type VotePolicy = z.infer<typeof VotePolicy>;

export const DirectorBinding = z.strictObject({
  id: z.string().min(1),
  priority: z.number().int().min(1).max(255).default(100),
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/).optional(),
  networkInterfaceId: z.string().regex(/^eni-[0-9a-f]{8,17}$/).optional(),
  privateIp: IpAddress.optional(),
});
export type DirectorBinding = z.infer<typeof DirectorBinding>;

export const CloudBinding = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['elastic-ip', 'secondary-ip', 'route']),
  region: z.string().optional(),
  allocationId: z.string().regex(/^eipalloc-[0-9a-f]{8,17}$/).optional(),
  publicIp: IpAddress.optional(),
  /** The secondary private address, or the /32 a route entry carries. */
  address: IpAddress.optional(),
  routeTableIds: z.array(z.string().regex(/^rtb-[0-9a-f]{8,17}$/)).default([]),
  preempt: z.boolean().default(true),
  leaseTtlMs: DurationMs.min(1000).default(10_000),
  directors: z.array(DirectorBinding).default([]),
});
export type CloudBinding = z.infer<typeof CloudBinding>;

/** Which virtual server of the config a track_board names, as keepalived names one: address and port (protocol when two share them), fwmark or group. */
export const BoardTrackVirtualServer = z
  .strictObject({
    ip: IpAddress.optional(),
    port: Port.optional(),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
    fwmark: Fwmark.optional(),
    group: z.string().min(1).optional(),
  })
  .refine((v) => [v.ip !== undefined, v.fwmark !== undefined, v.group !== undefined].filter(Boolean).length === 1, { message: 'name the virtual server by exactly one of ip (with port), fwmark or group' });
export type BoardTrackVirtualServer = z.infer<typeof BoardTrackVirtualServer>;

/** One vrrp_instance that follows a track_board, with keepalived's track_script weight rules (weight 0: FAULT while down). */
export const BoardTrackInstance = z.strictObject({
  name: z.string().min(1),
  weight: z.number().int().min(-253).max(253).optional(),
  reverse: z.boolean().optional(),
});
export type BoardTrackInstance = z.infer<typeof BoardTrackInstance>;

/** The default hold_time: a stale or unknown verdict keeps its last effect this long, then turns neutral. */
export const DEFAULT_BOARD_HOLD_MS = 30_000;

/**
 * A tracked object, like a vrrp_script, whose status is the Board's verdict
 * on one virtual server (its quorum) or one of its real servers (effective
 * state), read from the verified snapshots the shim follows.
 */
export const TrackBoard = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'names are letters, digits, _ . - (max 63)'),
  virtualServer: BoardTrackVirtualServer,
  /** Narrows the object to this real server of the virtual server. */
  realServer: z.strictObject({ ip: IpAddress, port: Port.optional() }).optional(),
  weight: z.number().int().min(-253).max(253).default(0),
  reverse: z.boolean().default(false),
  holdTimeMs: DurationMs.default(DEFAULT_BOARD_HOLD_MS),
  instances: z.array(BoardTrackInstance).default([]),
});
export type TrackBoard = z.infer<typeof TrackBoard>;

export const WEBHOOK_EVENTS = ['verdict_change', 'vantage_point_silent', 'lease_moved'] as const;
export const WebhookEvent = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** Loopback hosts, the only ones a webhook may reach over plain http (local runs and tests). */
const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/;

/**
 * An alert webhook: the Board POSTs each chosen event to `url`, signed with
 * HMAC-SHA256 under a secret that never appears in the config. `secretEnv`
 * names a Worker secret (`wrangler secret put VIGIL_WEBHOOK_…`); only names
 * with that prefix may be named, so a config cannot point a webhook at the
 * signing key or the token list.
 */
export const AlertWebhook = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'names are letters, digits, _ . - (max 63)'),
  url: z
    .string()
    .max(2048)
    .refine((u) => {
      if (!URL.canParse(u)) return false;
      const url = new URL(u);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname));
    }, 'an https:// URL (http:// only to a loopback address)'),
  events: z.array(WebhookEvent).min(1).default([...WEBHOOK_EVENTS]),
  secretEnv: z.string().regex(/^VIGIL_WEBHOOK_[A-Z0-9_]{1,64}$/, 'the name of a Worker secret starting VIGIL_WEBHOOK_ (upper case, digits, _)'),
});
export type AlertWebhook = z.infer<typeof AlertWebhook>;

export const VigilSection = z.strictObject({
  vantagePoints: z.array(VantagePoint).default([]),
  vote: VotePolicy.default({ freshnessIntervals: 3 }),
  cloudBindings: z.array(CloudBinding).default([]),
  trackBoards: z.array(TrackBoard).default([]),
  alertWebhooks: z
    .array(AlertWebhook)
    .max(16)
    .default([])
    .refine((ws) => new Set(ws.map((w) => w.name)).size === ws.length, 'alert_webhook names must be unique'),
});
export type VigilSection = z.infer<typeof VigilSection>;
