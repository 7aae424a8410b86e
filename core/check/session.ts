import type { Clock } from '../ports/clock.ts';
import type { ByteStream, TlsOptions } from '../ports/dial.ts';
import type { CheckPorts } from './ports.ts';
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
  /** The exchange's bound when it is not `timeoutMs` (smtp_alert: one timeout per reply it waits for). */
  exchangeTimeoutMs?: number;
  signal: AbortSignal;
}

export type SessionResult<T> = { ok: true; value: T; connectMs: number } | Failure;

/** The exchange's deadline runs on the ports' Clock, so a test's clock moves it as it moves everything else. */
export async function withSession<T>(
  ports: Pick<CheckPorts, 'dial' | 'clock'>,
  opts: SessionOptions,
  talk: (conn: Conn) => Promise<{ ok: true; value: T } | Failure>,
): Promise<SessionResult<T>> {
  if (opts.signal.aborted) return { ok: false, reason: 'aborted', message: 'aborted before connect' };
  const dialed = await ports.dial({ host: opts.host, port: opts.port, tls: opts.tls, timeoutMs: opts.timeoutMs, signal: opts.signal });
  if (!dialed.ok) return { ok: false, reason: dialed.reason, message: dialed.message };
  const conn = new Session(dialed.stream, opts, ports.clock);
  try {
    const out = await talk(conn);
    return out.ok ? { ok: true, value: out.value, connectMs: dialed.connectMs } : out;
  } finally {
    conn.end();
  }
}

/**
 * The Conn a check talks through. A class with the stream, the deadline and
 * the flag as fields, so a session costs one object instead of a closure per
 * method (this runs once per HTTP check); the deadline is a Clock sleep that
 * end() cancels.
 */
class Session implements Conn {
  /** The deadline closes the stream, which ends any pending read as `aborted`; the flag tells that apart from the prober being stopped. */
  private timedOut = false;
  /** Ends the deadline's sleep when the exchange is over, so no timer outlives its session. */
  private readonly done = new AbortController();

  constructor(
    private readonly s: ByteStream,
    private readonly opts: SessionOptions,
    clock: Clock,
  ) {
    void clock.sleep(opts.exchangeTimeoutMs ?? opts.timeoutMs, this.done.signal).then(() => this.expire());
  }

  expire(): void {
    // The sleep resolves early, without throwing, when `done` aborts: only a real deadline expires the session.
    if (this.done.signal.aborted) return;
    this.timedOut = true;
    this.s.close();
  }

  end(): void {
    this.done.abort();
    this.s.close();
  }

  private whyAborted(): Failure {
    return this.timedOut || !this.opts.signal.aborted
      ? { ok: false, reason: 'read_timeout', message: `no complete answer within ${this.opts.exchangeTimeoutMs ?? this.opts.timeoutMs} ms` }
      : { ok: false, reason: 'aborted', message: 'prober stopped' };
  }

  async read(): Promise<Uint8Array | null | Failure> {
    const r = await this.s.read();
    if (r.kind === 'data') return r.bytes;
    if (r.kind === 'eof') return null;
    if (r.reason === 'aborted') return this.whyAborted();
    return { ok: false, reason: r.reason, message: r.message };
  }

  async write(bytes: Uint8Array): Promise<null | Failure> {
    const w = await this.s.write(bytes);
    if (w.ok) return null;
    if (w.reason === 'aborted') return this.whyAborted();
    return { ok: false, reason: w.reason, message: w.message };
  }
}
