import * as z from 'zod';
import { Check } from './checks.ts';
import { DEFAULT_DELAY_LOOP_MS } from './effective.ts';
import { DurationMs, Fwmark, IpAddress, LvsMethod, Passthrough, Port, Script } from './primitives.ts';

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export const Scheduler = z.enum(SCHEDULERS);
export const SCHEDULER_FLAGS = ['flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'] as const;

const timing = {
  connectTimeoutMs: DurationMs.optional(),
  retry: z.number().int().min(0).max(2 ** 31).optional(),
  delayBeforeRetryMs: DurationMs.optional(),
  warmupMs: DurationMs.optional(),
  delayLoopMs: DurationMs.optional(),
};

export const RealServer = z.strictObject({
  ip: IpAddress,
  /** Absent for fwmark services, where the virtual server's port is not fixed. */
  port: Port.optional(),
  weight: z.number().int().min(0).max(2147483647).default(1),
  lvsMethod: LvsMethod.optional(),
  notifyUp: Script.optional(),
  notifyDown: Script.optional(),
  uthreshold: z.number().int().min(0).optional(),
  lthreshold: z.number().int().min(0).optional(),
  inhibitOnFailure: z.boolean().optional(),
  alpha: z.boolean().optional(),
  smtpAlert: z.boolean().optional(),
  virtualhost: z.string().optional(),
  snmpName: z.string().optional(),
  ...timing,
  checks: z.array(Check).default([]),
});
export type RealServer = z.infer<typeof RealServer>;

export const SorryServer = z.strictObject({ ip: IpAddress, port: Port.optional() });

/** One virtual_server: exactly one of ip(+port), fwmark or group names the service. */
export const VirtualServer = z
  .object({
    ip: IpAddress.optional(),
    port: Port.optional(),
    fwmark: Fwmark.optional(),
    group: z.string().optional(),
    ipFamily: z.enum(['inet', 'inet6']).optional(),
    /** keepalived warns and uses UDP when unset on an address service; fwmark services ignore it. */
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
    lbAlgo: Scheduler.default('wlc'),
    schedulerFlags: z.array(z.enum(SCHEDULER_FLAGS)).default([]),
    ops: z.boolean().default(false),
    lvsMethod: LvsMethod.default({ kind: 'NAT' }),
    persistenceEngine: z.string().optional(),
    /** Seconds, as ipvsadm -p; `persistence_timeout` with no value is 360. */
    persistenceTimeoutS: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    persistenceGranularity: z.string().optional(),
    haSuspend: z.boolean().default(false),
    smtpAlert: z.boolean().optional(),
    virtualhost: z.string().optional(),
    snmpName: z.string().optional(),
    alpha: z.boolean().default(false),
    omega: z.boolean().default(false),
    quorum: z.number().int().min(1).max(2147483647).default(1),
    hysteresis: z.number().int().min(0).max(2147483647).default(0),
    quorumUp: Script.optional(),
    quorumDown: Script.optional(),
    weight: z.number().int().min(0).optional(),
    sorryServer: SorryServer.optional(),
    sorryServerInhibit: z.boolean().default(false),
    sorryServerLvsMethod: LvsMethod.optional(),
    inhibitOnFailure: z.boolean().default(false),
    ...timing,
    delayLoopMs: DurationMs.default(DEFAULT_DELAY_LOOP_MS),
    realServers: z.array(RealServer).default([]),
  })
  .refine((vs) => [vs.ip !== undefined, vs.fwmark !== undefined, vs.group !== undefined].filter(Boolean).length === 1, {
    message: 'a virtual server needs exactly one of ip, fwmark or group',
  });
export type VirtualServer = z.infer<typeof VirtualServer>;

/** One line of a virtual_server_group: an address or range with optional port, or a fwmark. */
export const VirtualServerGroupEntry = z.union([
  z.strictObject({
    /** A single address, a range (192.168.200.3-10, a-b) or a CIDR block, as keepalived writes it. */
    range: z.string().min(1),
    port: Port.optional(),
  }),
  z.strictObject({ fwmark: Fwmark, family: z.enum(['inet', 'inet6']).optional() }),
]);
export const VirtualServerGroup = z.strictObject({
  name: z.string().min(1),
  entries: z.array(VirtualServerGroupEntry).default([]),
});
export type VirtualServerGroup = z.infer<typeof VirtualServerGroup>;

/** The global `SSL {}` block: client certificate material for SSL_GET. */
export const SslContext = z.strictObject({
  password: z.string().optional(),
  ca: z.string().optional(),
  certificate: z.string().optional(),
  key: z.string().optional(),
});

export { Passthrough };
