import * as z from 'zod';
import { DurationMs, IpAddress, IpPrefix, Passthrough, Script } from './primitives.ts';

/** A virtual address line: `192.168.200.18/24 dev eth1 label eth1:1 scope link ...`. */
export const VirtualAddress = z.strictObject({
  address: IpPrefix,
  dev: z.string().optional(),
  label: z.string().optional(),
  scope: z.string().optional(),
  broadcast: z.string().optional(),
  /** Remaining `ip address add` options (no_track, preferred_lft, use_vmac...) as written. */
  options: z.array(z.string()).default([]),
});
export type VirtualAddress = z.infer<typeof VirtualAddress>;

/** A route or rule line, kept as the words iproute2 would take; addresses in it are validated. */
export const IpRouteLine = z.strictObject({ words: z.array(z.string()).min(1) });
export type IpRouteLine = z.infer<typeof IpRouteLine>;

export const TrackWeight = z.strictObject({
  name: z.string().min(1),
  weight: z.number().int().min(-254).max(254).optional(),
  reverse: z.boolean().optional(),
});
export type TrackWeight = z.infer<typeof TrackWeight>;

export const UnicastPeer = z.strictObject({
  ip: IpAddress,
  minTtl: z.number().int().min(0).max(255).optional(),
  maxTtl: z.number().int().min(0).max(255).optional(),
});

export const VrrpAuthentication = z.strictObject({
  type: z.enum(['PASS', 'AH']),
  /** Only the first eight characters go on the wire (RFC 2338 simple text password). */
  pass: z.string().min(1),
});

const notifyScripts = {
  notifyMaster: Script.optional(),
  notifyBackup: Script.optional(),
  notifyFault: Script.optional(),
  notifyStop: Script.optional(),
  notify: Script.optional(),
};

export const VrrpInstance = z.strictObject({
  name: z.string().min(1),
  state: z.enum(['MASTER', 'BACKUP']).default('BACKUP'),
  interface: z.string().optional(),
  virtualRouterId: z.number().int().min(1).max(255),
  priority: z.number().int().min(1).max(255).default(100),
  /** v2 carries whole seconds on the wire, v3 centiseconds; keepalived rounds accordingly. */
  advertIntMs: DurationMs.default(1000),
  /** Unset: global_defs vrrp_version (2), or 3 for IPv6. */
  version: z.union([z.literal(2), z.literal(3)]).optional(),
  authentication: VrrpAuthentication.optional(),
  virtualIpaddress: z.array(VirtualAddress).default([]),
  virtualIpaddressExcluded: z.array(VirtualAddress).default([]),
  virtualRoutes: z.array(IpRouteLine).default([]),
  virtualRules: z.array(IpRouteLine).default([]),
  mcastSrcIp: IpAddress.optional(),
  mcastDstIp: IpAddress.optional(),
  unicastSrcIp: IpAddress.optional(),
  unicastPeers: z.array(UnicastPeer).default([]),
  unicastTtl: z.number().int().min(0).max(255).optional(),
  checkUnicastSrc: z.boolean().default(false),
  nopreempt: z.boolean().default(false),
  preemptDelayMs: DurationMs.max(1_000_000).default(0),
  accept: z.boolean().optional(),
  dontTrackPrimary: z.boolean().default(false),
  trackInterface: z.array(TrackWeight).default([]),
  trackScript: z.array(TrackWeight).default([]),
  trackFile: z.array(TrackWeight).default([]),
  trackProcess: z.array(TrackWeight).default([]),
  trackBfd: z.array(TrackWeight).default([]),
  ...notifyScripts,
  notifyDeleted: Script.optional(),
  notifyMasterRxLowerPri: Script.optional(),
  smtpAlert: z.boolean().optional(),
  v3ChecksumAsV2: z.boolean().optional(),
  garpMasterDelayMs: DurationMs.optional(),
  garpMasterRepeat: z.number().int().min(0).optional(),
  garpMasterRefreshMs: DurationMs.optional(),
  garpMasterRefreshRepeat: z.number().int().min(0).optional(),
  garpLowerPrioDelayMs: DurationMs.optional(),
  garpLowerPrioRepeat: z.number().int().min(0).optional(),
  downTimerAdverts: z.number().int().min(1).max(100).optional(),
  skipCheckAdvAddr: z.boolean().optional(),
  strictMode: z.boolean().optional(),
  /** A master does not answer a lower-priority advert with its own (unset: global_defs, on under strict). */
  lowerPrioNoAdvert: z.boolean().optional(),
  /** A master sends an advert before yielding to a higher priority (unset: global_defs; never under strict). */
  higherPrioSendAdvert: z.boolean().optional(),
  useVmac: z.array(z.string()).optional(),
  lvsSyncDaemonInterface: z.string().optional(),
  /** Other keywords keepalived knows (vmac_xmit_base, use_ipvlan, auth_hmac...), carried through. */
  passthrough: Passthrough.default([]),
});
export type VrrpInstance = z.infer<typeof VrrpInstance>;

export const VrrpSyncGroup = z.strictObject({
  name: z.string().min(1),
  group: z.array(z.string()).default([]),
  ...notifyScripts,
  smtpAlert: z.boolean().optional(),
  globalTracking: z.boolean().default(false),
  trackInterface: z.array(TrackWeight).default([]),
  trackScript: z.array(TrackWeight).default([]),
  trackFile: z.array(TrackWeight).default([]),
  trackProcess: z.array(TrackWeight).default([]),
  passthrough: Passthrough.default([]),
});
export type VrrpSyncGroup = z.infer<typeof VrrpSyncGroup>;

export const VrrpScript = z.strictObject({
  name: z.string().min(1),
  script: Script,
  intervalMs: DurationMs.default(1000),
  timeoutMs: DurationMs.optional(),
  weight: z.number().int().min(-253).max(253).default(0),
  reverse: z.boolean().default(false),
  rise: z.number().int().min(1).default(1),
  fall: z.number().int().min(1).default(1),
  user: z.string().optional(),
  group: z.string().optional(),
  initFail: z.boolean().default(false),
});
export type VrrpScript = z.infer<typeof VrrpScript>;

export const VrrpTrackFile = z.strictObject({
  name: z.string().min(1),
  file: z.string().min(1),
  weight: z.number().int().min(-254).max(254).default(1),
  reverse: z.boolean().default(false),
  /** init_file [VALUE] [overwrite]: create the file with VALUE (default 0) if missing. */
  initFile: z.strictObject({ value: z.number().int(), overwrite: z.boolean() }).optional(),
});
export type VrrpTrackFile = z.infer<typeof VrrpTrackFile>;

/** Blocks Vigil carries but does not act on (garp_group, linkbeat_interfaces...). */
export const OtherBlock = z.strictObject({
  keyword: z.string(),
  args: z.array(z.string()),
  /** Lines inside the block, as written; absent for a keyword with no block. */
  body: z.array(z.string()).optional(),
});
export type OtherBlock = z.infer<typeof OtherBlock>;
