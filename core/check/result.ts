import * as z from 'zod';

/**
 * Why a check failed (or `ok`). A closed set: votes, metrics and dashboards
 * branch on these, so adding one is a protocol change.
 */
export const ReasonCode = z.enum([
  'ok',
  'connect_refused', // RST to our SYN, or ICMP port unreachable for UDP
  'connect_timeout', // no connection (or TLS handshake) within connect_timeout
  'connect_error', // any other failure to connect: unreachable, bad address
  'tls_error', // handshake failed, or certificate rejected when verification is on
  'read_timeout', // connected, but the whole answer did not arrive within the deadline
  'reset', // the peer reset or dropped the connection mid-exchange
  'status_mismatch', // HTTP status not in status_code (default 200-299)
  'digest_mismatch', // body digest differs from the configured one
  'regex_mismatch', // regex did not match (or matched, with regex_no_match)
  'protocol_error', // answer is not the protocol spoken: garbage status line, bad SMTP code, bad DNS reply
  'no_data', // connection closed before a complete header/greeting arrived
  'header_too_large', // header block exceeded the limit before its end was seen
  'body_too_large', // more body bytes than the limit: we stop reading
  'dns_error', // DNS reply had RCODE != 0 or wrong id/QR bits
  'reply_mismatch', // UDP reply length or content outside what require_reply asks
  'ping_failed', // no echo reply
  'script_failed', // MISC_CHECK exited non-zero (or weight update code)
  'script_timeout', // MISC_CHECK ran past misc_timeout and was killed
  'script_refused', // a script this vantage point will not run: no --allow-scripts, an unknown user, or enable_script_security found its path writable by others
  'unsupported', // this check cannot run on this vantage point (e.g. PING at the edge)
  'aborted', // the prober was stopped
]);
export type ReasonCode = z.infer<typeof ReasonCode>;
export const REASON_CODES: readonly ReasonCode[] = ReasonCode.options;

export interface CheckResult {
  ok: boolean;
  reason: ReasonCode;
  latencyMs: number;
  /** Human detail for logs; never parsed. */
  detail: string;
  /** MISC_CHECK with misc_dynamic: the new weight the exit code asked for. */
  weight?: number;
  /** HTTP checks: digest of each url's body (as configured: md5 hex or sha256:<hex>). */
  digests?: string[];
}

export function okResult(latencyMs: number, detail = '', extra?: Partial<CheckResult>): CheckResult {
  // The common case builds one object of one shape; a spread of an empty default was a second allocation per check.
  if (extra === undefined) return { ok: true, reason: 'ok', latencyMs, detail };
  return { ok: true, reason: 'ok', latencyMs, detail, ...extra };
}

export function failResult(reason: Exclude<ReasonCode, 'ok'>, latencyMs: number, detail: string): CheckResult {
  return { ok: false, reason, latencyMs, detail };
}

/** Where a check goes: the real server's address, unless connect_ip/connect_port override it. */
export interface Target {
  ip: string;
  port: number;
}
