import net from 'node:net';
import tls from 'node:tls';
import type { ByteStream, Dial, DialFailure, DialOptions, DialResult, ReadResult, WriteResult } from '../../core/ports/dial.ts';

/**
 * The Dial port over node:net / node:tls. Reads are pull-based: the socket is
 * paused whenever a chunk waits for the reader, so a backend sending as fast as
 * it can never makes us hold more than one chunk (plus the kernel's buffer).
 * One object carries a connection through both phases (connecting, then
 * streaming) with one set of socket listeners: at tens of thousands of checks
 * a second, per-connection closures and listener churn are most of the cost.
 */
export const nodeDial: Dial = (opts) =>
  opts.signal.aborted
    ? Promise.resolve({ ok: false, reason: 'aborted', message: 'aborted before connect' })
    : new Promise((resolve) => new NodeConn(opts, resolve));

/** The socket's owner, so listeners can be shared functions instead of closures made per connection. */
const OWNER = Symbol('vigil.dial.owner');
type Owned = net.Socket & { [OWNER]: NodeConn };
function owner(s: net.Socket): NodeConn {
  return (s as Owned)[OWNER];
}
function onConnect(this: net.Socket) {
  owner(this).connected();
}
function onTlsTcpUp(this: net.Socket) {
  owner(this).tcpUp = true;
}
function onError(this: net.Socket, err: NodeJS.ErrnoException) {
  owner(this).errored(err);
}
function onClose(this: net.Socket) {
  owner(this).closedBySocket();
}
function onData(this: net.Socket, b: Buffer) {
  owner(this).data(b);
}
function onEnd(this: net.Socket) {
  owner(this).ended_();
}
const ONCE = { once: true } as const;
function onTimeout(c: NodeConn) {
  c.timedOut();
}

function classify(err: NodeJS.ErrnoException): DialFailure {
  if (err.code === 'ECONNREFUSED') return 'connect_refused';
  if (err.code === 'ETIMEDOUT') return 'connect_timeout';
  return 'connect_error';
}

class NodeConn implements ByteStream {
  private readonly socket: net.Socket;
  private readonly started = performance.now();
  private connecting = true;
  tcpUp = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chunk: Uint8Array | null = null;
  private ended = false;
  private failure: ReadResult | null = null;
  private waiter: ((r: ReadResult) => void) | null = null;
  private closed = false;

  constructor(
    private readonly opts: DialOptions,
    private resolveDial: ((r: DialResult) => void) | null,
  ) {
    const t = opts.tls;
    this.socket = t
      ? tls.connect({
          host: opts.host,
          port: opts.port,
          servername: t.servername ?? '',
          rejectUnauthorized: t.verify,
          // Verification names the SNI name when one is sent, else the address dialled.
          checkServerIdentity: (_h, cert) => tls.checkServerIdentity(t.servername ?? opts.host, cert),
        })
      : net.connect({ host: opts.host, port: opts.port, noDelay: true });
    (this.socket as Owned)[OWNER] = this;
    // The connection passes itself to the timer and to the signal (as a handleEvent listener): no closures per connection.
    this.timer = setTimeout(onTimeout, opts.timeoutMs, this);
    if (t) {
      this.socket.once('connect', onTlsTcpUp);
      this.socket.once('secureConnect', onConnect);
    } else {
      this.socket.once('connect', onConnect);
    }
    this.socket.on('error', onError);
    this.socket.on('close', onClose);
    opts.signal.addEventListener('abort', this, ONCE);
  }

  private settleDial(r: DialResult): void {
    const resolve = this.resolveDial;
    this.resolveDial = null;
    this.connecting = false;
    clearTimeout(this.timer);
    if (!r.ok) this.close();
    resolve?.(r);
  }

  connected(): void {
    if (!this.connecting) return;
    // Data listeners only once connected: a TCP_CHECK that never reads never pays for them.
    this.socket.on('data', onData);
    this.socket.on('end', onEnd);
    this.socket.pause();
    this.settleDial({ ok: true, stream: this, connectMs: performance.now() - this.started });
  }

  timedOut(): void {
    if (this.connecting)
      this.settleDial({ ok: false, reason: 'connect_timeout', message: `no ${this.opts.tls ? 'TLS session' : 'connection'} within ${this.opts.timeoutMs} ms` });
  }

  /** The signal's abort listener (EventTarget calls handleEvent on listener objects). */
  handleEvent(): void {
    if (this.connecting) this.settleDial({ ok: false, reason: 'aborted', message: 'aborted while connecting' });
    else this.close();
  }

  errored(err: NodeJS.ErrnoException): void {
    if (this.connecting) {
      const reason = this.opts.tls && this.tcpUp ? 'tls_error' : classify(err);
      return this.settleDial({ ok: false, reason, message: err.message });
    }
    const tlsLike = err.code?.startsWith('ERR_SSL') || err.code?.startsWith('ERR_TLS');
    this.failure ??= { kind: 'error', reason: tlsLike ? 'tls_error' : 'reset', message: err.message };
    this.wake();
  }

  closedBySocket(): void {
    if (this.connecting) return this.settleDial({ ok: false, reason: this.opts.tls ? 'tls_error' : 'connect_error', message: 'closed while connecting' });
    this.ended = true;
    this.wake();
  }

  data(b: Buffer): void {
    // pause() stops further 'data' events; concatenating is only a guard, not a path taken.
    this.chunk = this.chunk ? Buffer.concat([this.chunk, b]) : b;
    this.socket.pause();
    this.wake();
  }

  ended_(): void {
    this.ended = true;
    this.wake();
  }

  private next(): ReadResult | null {
    const c = this.chunk;
    if (c) {
      this.chunk = null;
      return { kind: 'data', bytes: c };
    }
    if (this.failure) return this.failure;
    if (this.ended) return { kind: 'eof' };
    return null;
  }

  private wake(): void {
    if (!this.waiter) return;
    const r = this.next();
    if (!r) return;
    const w = this.waiter;
    this.waiter = null;
    w(r);
  }

  read(): Promise<ReadResult> {
    const r = this.next();
    if (r) return Promise.resolve(r);
    if (!this.closed) this.socket.resume();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  write(bytes: Uint8Array): Promise<WriteResult> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'aborted', message: 'closed' });
    return new Promise((resolve) => {
      this.socket.write(bytes, (err) =>
        resolve(err ? { ok: false, reason: this.closed || this.opts.signal.aborted ? 'aborted' : 'reset', message: err.message } : { ok: true }),
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failure ??= { kind: 'error', reason: 'aborted', message: 'closed' };
    this.chunk = null;
    this.opts.signal.removeEventListener('abort', this);
    this.socket.destroy();
    this.wake();
  }
}
