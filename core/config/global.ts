import * as z from 'zod';
import { DurationMs, IpAddress, Passthrough, Script } from './primitives.ts';

export const NotifyFifo = z.strictObject({ path: z.string(), user: z.string().optional(), group: z.string().optional() });

/** `lvs_sync_daemon IF [VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]`: IPVS connection sync, switched with the instance's state. */
export const LvsSyncDaemon = z.strictObject({
  interface: z.string().min(1).max(15),
  /** Absent: keepalived's checker runs both daemons for the process's lifetime. */
  instance: z.string().optional(),
  /** Absent: the instance's virtual_router_id (0 without an instance). */
  syncId: z.number().int().min(0).max(255).optional(),
  maxlen: z.number().int().min(1).max(65507).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  ttl: z.number().int().min(1).max(255).optional(),
  group: IpAddress.optional(),
});
export type LvsSyncDaemon = z.infer<typeof LvsSyncDaemon>;

export const GlobalDefs = z.strictObject({
  routerId: z.string().optional(),
  notificationEmail: z.array(z.string()).default([]),
  notificationEmailFrom: z.string().optional(),
  smtpServer: z.strictObject({ host: z.string(), port: z.number().int().min(1).max(65535).optional() }).optional(),
  smtpHeloName: z.string().optional(),
  smtpConnectTimeoutMs: DurationMs.optional(),
  smtpAlert: z.boolean().optional(),
  scriptUser: z.strictObject({ user: z.string(), group: z.string().optional() }).optional(),
  enableScriptSecurity: z.boolean().default(false),
  vrrpVersion: z.union([z.literal(2), z.literal(3)]).default(2),
  vrrpStrict: z.boolean().default(false),
  vrrpSkipCheckAdvAddr: z.boolean().default(false),
  /** keepalived vrrp_lower_prio_no_advert / vrrp_higher_prio_send_advert: instance defaults (unset: off, on under vrrp_strict for the first). */
  vrrpLowerPrioNoAdvert: z.boolean().optional(),
  vrrpHigherPrioSendAdvert: z.boolean().optional(),
  /** Instance defaults: check_unicast_src, garp_lower_prio_delay / _repeat, down_timer_adverts. */
  vrrpCheckUnicastSrc: z.boolean().optional(),
  vrrpGarpLowerPrioDelayMs: DurationMs.optional(),
  vrrpGarpLowerPrioRepeat: z.number().int().min(0).optional(),
  vrrpDownTimerAdverts: z.number().int().min(1).max(100).optional(),
  vrrpMcastGroup4: z.string().optional(),
  vrrpMcastGroup6: z.string().optional(),
  vrrpGarpMasterDelayMs: DurationMs.default(5000),
  vrrpGarpMasterRepeat: z.number().int().min(0).default(5),
  vrrpGarpMasterRefreshMs: DurationMs.default(0),
  vrrpGarpMasterRefreshRepeat: z.number().int().min(0).default(1),
  vrrpGarpIntervalMs: DurationMs.default(0),
  vrrpGnaIntervalMs: DurationMs.default(0),
  v3ChecksumAsV2: z.boolean().default(false),
  notifyFifo: NotifyFifo.optional(),
  notifyFifoScript: Script.optional(),
  vrrpNotifyFifo: NotifyFifo.optional(),
  vrrpNotifyFifoScript: Script.optional(),
  lvsNotifyFifo: NotifyFifo.optional(),
  lvsNotifyFifoScript: Script.optional(),
  lvsFlush: z.boolean().default(false),
  lvsFlushOnStop: z.string().optional(),
  dynamicInterfaces: z.boolean().default(false),
  lvsSyncDaemon: LvsSyncDaemon.optional(),
  /** Known keepalived keywords Vigil carries but does not act on. */
  passthrough: Passthrough.default([]),
});
export type GlobalDefs = z.infer<typeof GlobalDefs>;
