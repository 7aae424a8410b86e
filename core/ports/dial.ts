/**
 * The one way core reaches the network: open a byte stream to host:port.
 * Each runtime implements it (shim/ports/node-dial.ts over node:net/node:tls,
 * workers/ports/sockets-dial.ts over cloudflare:sockets). Expected failures are
 * values, never exceptions, so a check can map them to a reason code.
 */

export interface TlsOptions {
  /** Server name sent in the handshake (SNI); none when undefined. */
  servername?: string | undefined;
  /** Verify the certificate chain and that it names `servername` (or the host). keepalived never does. */
  verify: boolean;
}

export interface DialOptions {
  host: string;
  port: number;
  tls?: TlsOptions | undefined;
  /** Connect (and TLS handshake) must finish within this many ms. */
  timeoutMs: number;
  /** Aborting closes the socket at once, in whatever phase it is. */
  signal: AbortSignal;
}

export type DialFailure = 'connect_refused' | 'connect_timeout' | 'connect_error' | 'tls_error' | 'aborted';

export type ReadResult =
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'eof' }
  | { kind: 'error'; reason: 'reset' | 'tls_error' | 'aborted'; message: string };

export type WriteResult = { ok: true } | { ok: false; reason: 'reset' | 'aborted'; message: string };

/**
 * A connected stream. `read` pulls at most one chunk; the runtime must not buffer
 * more than a small, fixed amount ahead of the reader (backpressure), so a
 * fast backend cannot grow the prober's memory.
 */
export interface ByteStream {
  read(): Promise<ReadResult>;
  write(bytes: Uint8Array): Promise<WriteResult>;
  /**
   * Idempotent; releases the socket at once. A read pending at that moment, and
   * every later read, resolves to `{ kind: 'error', reason: 'aborted' }`: this is
   * how a caller's deadline ends a read without an AbortController per call.
   */
  close(): void;
}

export type DialResult =
  | { ok: true; stream: ByteStream; connectMs: number }
  | { ok: false; reason: DialFailure; message: string };

export type Dial = (opts: DialOptions) => Promise<DialResult>;

/** Datagram exchange for DNS and UDP checks (self-hosted probers only). */
export interface DatagramOptions {
  host: string;
  port: number;
  payload: Uint8Array;
  timeoutMs: number;
  signal: AbortSignal;
  /** Replies for which this returns false are ignored (e.g. wrong DNS id), and waiting goes on. */
  accept?: (reply: Uint8Array) => boolean;
}

export type DatagramResult =
  | { ok: true; reply: Uint8Array }
  | { ok: false; reason: 'read_timeout' | 'connect_refused' | 'connect_error' | 'aborted'; message: string };

export type SendDatagram = (opts: DatagramOptions) => Promise<DatagramResult>;
