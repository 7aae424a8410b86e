import type { HttpGetCheck, HttpUrl, SslGetCheck } from '../config/checks.ts';
import type { HashAlgorithm } from '../ports/hasher.ts';
import { hostHeader, requestBytes, type HttpProtocol } from './http-request.ts';
import { DEFAULT_LIMITS, ResponseReader, type ResponseLimits } from './http-response.ts';
import type { CheckPorts, RunContext } from './ports.ts';
import { failResult, okResult, type CheckResult, type Target } from './result.ts';
import { withSession, type Failure } from './session.ts';
import { compileRegex, regexMatches, type CompiledRegex } from './http-regex.ts';

/** Virtualhosts inherited from the enclosing real and virtual server (keepalived's precedence needs both). */
export interface HttpTarget extends Target {
  realServerVirtualhost?: string | undefined;
  virtualServerVirtualhost?: string | undefined;
}

export interface FetchOptions {
  host: string;
  port: number;
  path: string;
  protocol: HttpProtocol;
  hostHeader: string;
  tls?: { servername?: string | undefined; verify: boolean } | undefined;
  digest: HashAlgorithm | null;
  keepForRegex: boolean;
  timeoutMs: number;
  signal: AbortSignal;
  limits: ResponseLimits;
}

export interface Fetched {
  statusCode: number | null;
  statusLine: string;
  headerText: string;
  contentLength: number | null;
  bodyBytes: number;
  digest: string | null;
  regexSubject: string;
}

/** One GET, read as keepalived reads it. Used by the checks and by `vigil genhash`. */
export async function fetchUrl(ports: CheckPorts, o: FetchOptions) {
  return withSession<Fetched>(
    ports,
    { host: o.host, port: o.port, tls: o.tls, timeoutMs: o.timeoutMs, signal: o.signal },
    async (conn) => {
      const sent = await conn.write(requestBytes(o.path, o.protocol, o.hostHeader));
      if (sent) return sent;
      const reader = new ResponseReader(o.limits, ports.createHasher, o.digest, o.keepForRegex);
      for (;;) {
        const chunk = await conn.read();
        if (chunk === null) break;
        if (!(chunk instanceof Uint8Array)) {
          // A reset after the header still leaves keepalived with a read error: a failure either way.
          return chunk;
        }
        const fed = reader.feed(chunk);
        if (fed.kind === 'complete') break;
        if (fed.kind === 'header_too_large')
          return fail('header_too_large', `header block past ${o.limits.maxHeaderBytes} bytes`);
        if (fed.kind === 'body_too_large') return fail('body_too_large', `body past ${o.limits.maxBodyBytes} bytes`);
      }
      if (!reader.headerComplete) return fail('no_data', 'connection closed before the end of the header block');
      return {
        ok: true as const,
        value: {
          statusCode: reader.statusCode,
          statusLine: reader.statusLine,
          headerText: reader.headerText,
          contentLength: reader.contentLength,
          bodyBytes: reader.bodyBytes,
          digest: reader.digest(),
          regexSubject: o.keepForRegex ? reader.regexSubject() : '',
        },
      };
    },
  );
}

function fail(reason: Failure['reason'], message: string): Failure {
  return { ok: false, reason, message };
}

export function statusAllowed(code: number, url: HttpUrl): boolean {
  if (url.statusCodes.length === 0) return code >= 200 && code <= 299;
  return url.statusCodes.some((r) => code >= r.from && code <= r.to);
}

/**
 * HTTP_GET / SSL_GET: every url block must pass (status, then digest, then
 * regex, in keepalived's order). keepalived fetches one url per delay_loop and
 * walks the list; Vigil fetches all of them in one run and stops at the first
 * failure, so one verdict covers every url.
 */
export async function runHttpCheck(
  check: HttpGetCheck | SslGetCheck,
  target: HttpTarget,
  ports: CheckPorts,
  ctx: RunContext,
): Promise<CheckResult> {
  const start = ports.clock.nowMs();
  const limits = ctx.limits === undefined ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...ctx.limits };
  const host = check.connectIp ?? target.ip;
  const port = check.connectPort ?? target.port;
  const digests: string[] = [];
  for (const url of check.urls) {
    const vhost = url.virtualhost ?? check.virtualhost ?? target.realServerVirtualhost ?? target.virtualServerVirtualhost;
    let regex: CompiledRegex | null = null;
    if (url.regex !== undefined) {
      const compiled = compileRegex(url.regex, url.regexOptions);
      if (!compiled.ok) return failResult('protocol_error', 0, `regex refused: ${compiled.message}`);
      regex = compiled.regex;
    }
    const alg: HashAlgorithm | null = url.digest === undefined ? null : url.digest.startsWith('sha256:') ? 'sha256' : 'md5';
    const got = await fetchUrl(ports, {
      host,
      port,
      path: url.path,
      protocol: check.httpProtocol as HttpProtocol,
      hostHeader: hostHeader(host, port, vhost),
      tls: check.type === 'SSL_GET' ? { servername: sniName(check, url, target), verify: check.tlsVerify } : undefined,
      digest: alg,
      keepForRegex: regex !== null,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      limits,
    });
    const elapsed = () => ports.clock.nowMs() - start;
    if (!got.ok) return failResult(got.reason, elapsed(), `${url.path}: ${got.message}`);
    const r = got.value;
    if (r.statusCode === null) return failResult('protocol_error', elapsed(), `${url.path}: bad status line ${JSON.stringify(r.statusLine.slice(0, 80))}`);
    if (!statusAllowed(r.statusCode, url)) return failResult('status_mismatch', elapsed(), `${url.path}: status ${r.statusCode}`);
    if (url.digest !== undefined && r.digest !== url.digest)
      return failResult('digest_mismatch', elapsed(), `${url.path}: digest ${r.digest} != ${url.digest}`);
    if (regex && regexMatches(regex, r.regexSubject, url, r.bodyBytes <= r.regexSubject.length) === url.regexNoMatch)
      return failResult('regex_mismatch', elapsed(), `${url.path}: regex ${url.regexNoMatch ? 'matched' : 'did not match'}`);
    if (r.digest !== null) digests.push(r.digest);
  }
  return okResult(ports.clock.nowMs() - start, '', { digests });
}

/** keepalived's SNI choice: sni_name > url virtualhost > checker virtualhost > virtual server's (not the real server's). */
function sniName(check: SslGetCheck, url: HttpUrl, target: HttpTarget): string | undefined {
  if (!check.enableSni) return undefined;
  return check.sniName ?? url.virtualhost ?? check.virtualhost ?? target.virtualServerVirtualhost;
}
