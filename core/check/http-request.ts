/**
 * The GET request keepalived 2.2–2.4 sends, byte for byte (check_http.c's
 * request_template): request line, `User-Agent: KeepAliveClient`, then
 * `Connection: close` for 1.0C and 1.1, then Host. Host is the virtualhost when
 * one is set (sent as written, no port added), else the connect address and
 * port, IPv6 in brackets (RFC 2732).
 */
export type HttpProtocol = '1.0' | '1.0C' | '1.1';

export function hostHeader(ip: string, port: number, virtualhost: string | undefined): string {
  if (virtualhost !== undefined) return virtualhost;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function buildRequest(path: string, protocol: HttpProtocol, host: string): string {
  const minor = protocol === '1.1' ? 1 : 0;
  const connection = protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${connection}Host: ${host}\r\n\r\n`;
}

/** Request text is ASCII by construction except a path or vhost with UTF-8: send their UTF-8 bytes, as keepalived does. */
export function encodeRequest(request: string): Uint8Array {
  return ENCODER.encode(request);
}

const ENCODER = new TextEncoder();
/** Encoded requests by their text: a checker sends the same bytes every run. Bounded: cleared when full. */
const REQUESTS = new Map<string, Uint8Array>();
const MAX_CACHED_REQUESTS = 20_000;

/**
 * The encoded request for (path, protocol, host), shared between runs and
 * connections. Callers must not modify it; writers only read it.
 */
export function requestBytes(path: string, protocol: HttpProtocol, host: string): Uint8Array {
  const text = buildRequest(path, protocol, host);
  let bytes = REQUESTS.get(text);
  // A runtime that detached a written buffer would leave it empty: encode afresh then.
  if (bytes === undefined || bytes.byteLength === 0) {
    if (REQUESTS.size >= MAX_CACHED_REQUESTS) REQUESTS.clear();
    bytes = ENCODER.encode(text);
    REQUESTS.set(text, bytes);
  }
  return bytes;
}
