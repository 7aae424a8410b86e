import * as z from 'zod';
import { DurationMs, Fwmark, IpAddress, Port, Script } from './primitives.ts';
import { compileRegex } from '../check/http-regex.ts';

/** Connection options every network checker shares (keepalived's check_api). */
export const ConnectionOptions = z.strictObject({
  connectIp: IpAddress.optional(),
  connectPort: Port.optional(),
  bindTo: IpAddress.optional(),
  bindPort: Port.optional(),
  bindIf: z.string().optional(),
  fwmark: Fwmark.optional(),
});

/** Scheduling options; unset ones inherit from the real server, then the virtual server. */
export const CheckTiming = z.strictObject({
  connectTimeoutMs: DurationMs.optional(),
  retry: z.number().int().min(0).max(2 ** 31).optional(),
  delayBeforeRetryMs: DurationMs.optional(),
  warmupMs: DurationMs.optional(),
  delayLoopMs: DurationMs.optional(),
  alpha: z.boolean().optional(),
  logAllFailures: z.boolean().optional(),
});

const common = { ...ConnectionOptions.shape, ...CheckTiming.shape };

export const StatusRange = z
  .object({ from: z.number().int().min(100).max(599), to: z.number().int().min(100).max(599) })
  .refine((r) => r.from <= r.to, { message: 'status range runs backwards' });
export type StatusRange = z.infer<typeof StatusRange>;

/** MD5 as keepalived's genhash prints it, or Vigil's `sha256:<hex>`. */
export const Digest = z
  .string()
  .regex(/^(?:[0-9a-f]{32}|sha256:[0-9a-f]{64})$/, 'digest must be 32 hex digits (MD5) or sha256:<64 hex digits>');

/** Whether a `regex` is one the checker's engine (RE2, with PCRE2's meaning; see core/check/http-regex.ts) accepts. */
export function isValidRegex(s: string): boolean {
  return compileRegex(s, []).ok;
}

export const HttpUrl = z.strictObject({
  path: z.string().min(1),
  digest: Digest.optional(),
  /** Empty means keepalived's default, 200-299. */
  statusCodes: z.array(StatusRange).default([]),
  virtualhost: z.string().optional(),
  /** PCRE2 syntax as keepalived reads it, matched by RE2; what RE2 cannot express is refused. */
  regex: z.string().refine(isValidRegex, { message: 'not a valid regular expression' }).optional(),
  regexNoMatch: z.boolean().default(false),
  regexOptions: z.array(z.string()).default([]),
  regexMinOffset: z.number().int().min(0).optional(),
  regexMaxOffset: z.number().int().min(0).optional(),
  regexStack: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
  tlsCompliant: z.boolean().default(false),
});
export type HttpUrl = z.infer<typeof HttpUrl>;

const httpFields = {
  ...common,
  urls: z.array(HttpUrl).min(1),
  httpProtocol: z.enum(['1.0', '1.0C', '1.1']).default('1.0'),
  virtualhost: z.string().optional(),
  fastRecovery: z.boolean().default(false),
  tlsCompliant: z.boolean().default(false),
};

export const HttpGetCheck = z.strictObject({ type: z.literal('HTTP_GET'), ...httpFields });
export const SslGetCheck = z.strictObject({
  type: z.literal('SSL_GET'),
  ...httpFields,
  enableSni: z.boolean().default(false),
  sniName: z.string().optional(),
  /** Vigil's own (keyword vigil_tls_verify): verify the certificate chain and name. keepalived never does. */
  tlsVerify: z.boolean().default(false),
});
export const TcpCheck = z.strictObject({ type: z.literal('TCP_CHECK'), ...common });
export const SmtpHost = ConnectionOptions;
export const SmtpCheck = z.strictObject({
  type: z.literal('SMTP_CHECK'),
  ...common,
  heloName: z.string().default('smtpchecker.keepalived.org'),
  /** Extra hosts to check; keepalived's `host {}` blocks. */
  hosts: z.array(SmtpHost).default([]),
});
export const DnsQueryType = z.enum(['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA']);
export const DnsCheck = z.strictObject({
  type: z.literal('DNS_CHECK'),
  ...common,
  queryType: DnsQueryType.default('SOA'),
  name: z.string().default('.'),
});
export const MiscCheck = z.strictObject({
  type: z.literal('MISC_CHECK'),
  ...CheckTiming.shape,
  miscPath: Script,
  miscTimeoutMs: DurationMs.optional(),
  miscDynamic: z.boolean().default(false),
});
export const PingCheck = z.strictObject({ type: z.literal('PING_CHECK'), ...common });
/** Hex as keepalived reads it: free-form groups; `x` nibbles are wildcards in require_reply. */
export const HexString = z.string().regex(/^[0-9a-fA-FxX]*$/);
export const UdpCheck = z.strictObject({
  type: z.literal('UDP_CHECK'),
  ...common,
  payload: z.string().regex(/^[0-9a-fA-F]*$/).optional(),
  requireReply: z.union([z.boolean(), HexString]).default(false),
  minReplyLength: z.number().int().min(0).max(65535).default(0),
  maxReplyLength: z.number().int().min(0).max(65535).default(255),
});
export const FileCheck = z.strictObject({
  type: z.literal('FILE_CHECK'),
  trackFile: z.string(),
  dynamic: z.boolean().default(false),
  weight: z.number().int().min(-2147483647).max(2147483647).optional(),
  reverse: z.boolean().default(false),
});
export const BfdCheck = z.strictObject({
  type: z.literal('BFD_CHECK'),
  name: z.string(),
  alpha: z.boolean().optional(),
});

export const Check = z.discriminatedUnion('type', [
  HttpGetCheck,
  SslGetCheck,
  TcpCheck,
  SmtpCheck,
  DnsCheck,
  MiscCheck,
  PingCheck,
  UdpCheck,
  FileCheck,
  BfdCheck,
]);
export type Check = z.infer<typeof Check>;
export type CheckType = Check['type'];
export type HttpGetCheck = z.infer<typeof HttpGetCheck>;
export type SslGetCheck = z.infer<typeof SslGetCheck>;
export type TcpCheck = z.infer<typeof TcpCheck>;
export type SmtpCheck = z.infer<typeof SmtpCheck>;
export type DnsCheck = z.infer<typeof DnsCheck>;
export type MiscCheck = z.infer<typeof MiscCheck>;
export type PingCheck = z.infer<typeof PingCheck>;
export type UdpCheck = z.infer<typeof UdpCheck>;
export type FileCheck = z.infer<typeof FileCheck>;
export type BfdCheck = z.infer<typeof BfdCheck>;

export const CHECK_TYPES = Check.options.map((o) => o.shape.type.value) as CheckType[];

/**
 * Where a check can run. Edge probers (Workers) speak TCP only with at most six
 * sockets per invocation: no UDP, no ICMP, no processes, no local files.
 */
export type VantageKind = 'edge' | 'self-hosted';
export function runnableOn(type: CheckType): readonly VantageKind[] {
  switch (type) {
    case 'HTTP_GET':
    case 'SSL_GET':
    case 'TCP_CHECK':
    case 'SMTP_CHECK':
    case 'DNS_CHECK': // over TCP at the edge
      return ['edge', 'self-hosted'];
    default:
      return ['self-hosted'];
  }
}

/** keepalived's per-checker default retry count (2.2-2.4). */
export function defaultRetry(type: CheckType): number {
  if (type === 'MISC_CHECK') return 0;
  if (type === 'DNS_CHECK') return 3;
  return 1;
}

export { Script };
