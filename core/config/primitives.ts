import * as z from 'zod';
import { isIP, parsePrefix } from './ip.ts';

export const IpAddress = z.string().refine((s) => isIP(s) !== 0, { message: 'not an IPv4 or IPv6 address' });
export type IpAddress = z.infer<typeof IpAddress>;

/** An address with an optional prefix length: 10.0.0.1 or 10.0.0.0/24. */
export const IpPrefix = z.string().refine((s) => parsePrefix(s) !== null, { message: 'not an address or address/prefix' });
export type IpPrefix = z.infer<typeof IpPrefix>;

export const Port = z.number().int().min(0).max(65535);
/** A duration in milliseconds; keepalived's timers have microsecond resolution, so fractions are allowed. */
export const DurationMs = z.number().min(0).max(2 ** 31);
export const Fwmark = z.number().int().min(1).max(0xffffffff);

/**
 * A script keepalived would run: the command line as written (split into argv
 * later, never handed to a shell) and the optional user and group to run as.
 */
export const Script = z.strictObject({
  // keepalived.conf has no escape for `"` or a line break inside a quoted word.
  command: z.string().min(1).regex(/^[^"\n\r]*$/, 'a script command cannot contain " or a line break'),
  user: z.string().optional(),
  group: z.string().optional(),
});
export type Script = z.infer<typeof Script>;

/** IPVS forwarding method, with tunnel options (lvs_method TUN type gue port N csum). */
export const LvsMethod = z.strictObject({
  kind: z.enum(['NAT', 'DR', 'TUN']),
  tunnelType: z.enum(['ipip', 'gue', 'gre']).optional(),
  tunnelPort: Port.optional(),
  tunnelChecksum: z.enum(['nocsum', 'csum', 'remcsum']).optional(),
});
export type LvsMethod = z.infer<typeof LvsMethod>;

/**
 * keepalived keywords that Vigil reads, validates as known, and carries
 * through unchanged without acting on them (process tuning, SNMP, D-Bus...).
 * Kept so that export reproduces the operator's file.
 */
export const PassthroughEntry = z.strictObject({
  keyword: z.string(),
  args: z.array(z.string()),
  /** Lines of the keyword's block, as written; absent when it has none. */
  body: z.array(z.string()).optional(),
});
export const Passthrough = z.array(PassthroughEntry);
export type Passthrough = z.infer<typeof Passthrough>;
