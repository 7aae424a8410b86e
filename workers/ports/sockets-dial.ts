import { connect } from 'cloudflare:sockets';
import type { ByteStream, Dial, DialFailure, ReadResult, WriteResult } from '../../core/ports/dial.ts';

/**
 * The Dial port over cloudflare:sockets. TLS to an IP with a chosen SNI is
 * `secureTransport: 'starttls'` then `startTls({ expectedServerHostname })`:
 * workerd's `secureTransport: 'on'` would take the SNI from the address. The
 * edge always verifies certificates (workerd has no switch to turn that off),
 * so an SSL_GET against a self-signed backend must run on a self-hosted prober.
 * Each invocation may hold at most six sockets: callers bound their concurrency.
 */
type CfSocket = ReturnType<typeof connect>;

export const socketsDial: Dial = async (opts) => {
  const started = Date.now();
  if (opts.signal.aborted) return { ok: false, reason: 'aborted', message: 'aborted before connect' };
  let socket: CfSocket;
  try {
    socket = connect(
      { hostname: opts.host, port: opts.port },
      { secureTransport: opts.tls ? 'starttls' : 'off', allowHalfOpen: false },
    );
  } catch (err) {
    return { ok: false, reason: 'connect_error', message: (err as Error).message };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await new Promise<{ ok: true } | { ok: false; reason: DialFailure; message: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: 'connect_timeout', message: `no connection within ${opts.timeoutMs} ms` }), opts.timeoutMs);
    opts.signal.addEventListener('abort', () => resolve({ ok: false, reason: 'aborted', message: 'aborted while connecting' }), { once: true });
    socket.opened.then(
      () => resolve({ ok: true }),
      (err: Error) => resolve({ ok: false, reason: classify(err.message), message: err.message }),
    );
  });
  if (!outcome.ok) {
    if (timer !== undefined) clearTimeout(timer);
    void socket.close().catch(() => {});
    return outcome;
  }
  if (opts.tls) {
    const plain = socket;
    socket = plain.startTls({ expectedServerHostname: opts.tls.servername ?? opts.host });
    // The handshake happens lazily; force it now so TLS failures are dial failures with the connect deadline.
    const hs = await new Promise<{ ok: true } | { ok: false; reason: DialFailure; message: string }>((resolve) => {
      opts.signal.addEventListener('abort', () => resolve({ ok: false, reason: 'aborted', message: 'aborted in TLS handshake' }), { once: true });
      const left = Math.max(0, opts.timeoutMs - (Date.now() - started));
      const t = setTimeout(() => resolve({ ok: false, reason: 'connect_timeout', message: 'TLS handshake timed out' }), left);
      socket.opened.then(
        () => (clearTimeout(t), resolve({ ok: true })),
        (err: Error) => (clearTimeout(t), resolve({ ok: false, reason: 'tls_error', message: err.message })),
      );
    });
    if (!hs.ok) {
      if (timer !== undefined) clearTimeout(timer);
      void socket.close().catch(() => {});
      return hs;
    }
  }
  if (timer !== undefined) clearTimeout(timer);
  return { ok: true, stream: new SocketStream(socket, opts.signal, !!opts.tls), connectMs: Date.now() - started };
};

function classify(message: string): DialFailure {
  if (/refused/i.test(message)) return 'connect_refused';
  if (/timed? ?out/i.test(message)) return 'connect_timeout';
  return 'connect_error';
}

class SocketStream implements ByteStream {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private closed = false;
  private readonly aborted: Promise<ReadResult>;
  private closeNow: () => void = () => {};

  constructor(
    private readonly socket: CfSocket,
    private readonly signal: AbortSignal,
    private readonly tls: boolean,
  ) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
    this.aborted = new Promise((resolve) => {
      this.closeNow = () => resolve({ kind: 'error', reason: 'aborted', message: 'closed' });
      const onAbort = () => this.close();
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async read(): Promise<ReadResult> {
    if (this.closed || this.signal.aborted) return { kind: 'error', reason: 'aborted', message: 'closed' };
    const next = this.reader.read().then(
      (r): ReadResult => (r.done ? { kind: 'eof' } : { kind: 'data', bytes: r.value }),
      (err: Error): ReadResult => ({ kind: 'error', reason: this.tls && /tls|ssl|certificate/i.test(err.message) ? 'tls_error' : 'reset', message: err.message }),
    );
    return Promise.race([next, this.aborted]);
  }

  async write(bytes: Uint8Array): Promise<WriteResult> {
    if (this.closed) return { ok: false, reason: 'aborted', message: 'closed' };
    try {
      await this.writer.write(bytes);
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: this.signal.aborted ? 'aborted' : 'reset', message: (err as Error).message };
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeNow();
    void this.socket.close().catch(() => {});
  }
}
