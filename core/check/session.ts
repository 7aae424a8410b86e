import type { ByteStream, Dial, TlsOptions } from '../ports/dial.ts';
import type { ReasonCode } from './result.ts';

/**
 * One connection with two deadlines, the shape every TCP-based check shares:
 * the connect (and TLS handshake) within `timeoutMs`, then the whole exchange
 * within another `timeoutMs`. keepalived's timeout restarts on every read; a
 * whole-exchange bound is what stops a backend trickling a byte a second from
 * holding a prober forever.
 */
export type Failure = { ok: false; reason: Exclude<ReasonCode, 'ok'>; message: string };

export interface Conn {
  /** A chunk, `null` at EOF, or a failure (deadline → read_timeout, RST → reset). */
  read(): Promise<Uint8Array | null | Failure>;
  write(bytes: Uint8Array): Promise<null | Failure>;
}

export interface SessionOptions {
  host: string;
  port: number;
  tls?: TlsOptions | undefined;
  timeoutMs: number;
  signal: AbortSignal;
}

export type SessionResult<T> = { ok: true; value: T; connectMs: number } | Failure;

export async function withSession<T>(
  dial: Dial,
  opts: SessionOptions,
  talk: (conn: Conn) => Promise<{ ok: true; value: T } | Failure>,
): Promise<SessionResult<T>> {
  if (opts.signal.aborted) return { ok: false, reason: 'aborted', message: 'aborted before connect' };
  const attempt = new AbortController();
  const onParentAbort = () => attempt.abort();
  opts.signal.addEventListener('abort', onParentAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stream: ByteStream | undefined;
  try {
    const dialed = await dial({ host: opts.host, port: opts.port, tls: opts.tls, timeoutMs: opts.timeoutMs, signal: attempt.signal });
    if (!dialed.ok) {
      const reason = dialed.reason === 'aborted' && !opts.signal.aborted ? 'connect_timeout' : dialed.reason;
      return { ok: false, reason, message: dialed.message };
    }
    stream = dialed.stream;
    timer = setTimeout(() => attempt.abort(), opts.timeoutMs);
    const s = stream;
    const whyAborted = (): Failure =>
      opts.signal.aborted
        ? { ok: false, reason: 'aborted', message: 'prober stopped' }
        : { ok: false, reason: 'read_timeout', message: `no complete answer within ${opts.timeoutMs} ms` };
    const conn: Conn = {
      async read() {
        if (attempt.signal.aborted) return whyAborted();
        const r = await s.read();
        if (r.kind === 'data') return r.bytes;
        if (r.kind === 'eof') return null;
        if (r.reason === 'aborted' || attempt.signal.aborted) return whyAborted();
        return { ok: false, reason: r.reason, message: r.message };
      },
      async write(bytes) {
        if (attempt.signal.aborted) return whyAborted();
        const w = await s.write(bytes);
        if (w.ok) return null;
        if (w.reason === 'aborted' || attempt.signal.aborted) return whyAborted();
        return { ok: false, reason: w.reason, message: w.message };
      },
    };
    const out = await talk(conn);
    return out.ok ? { ok: true, value: out.value, connectMs: dialed.connectMs } : out;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    opts.signal.removeEventListener('abort', onParentAbort);
    stream?.close();
  }
}
