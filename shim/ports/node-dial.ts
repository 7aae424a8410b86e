import net from 'node:net';
import tls from 'node:tls';
import type { ByteStream, Dial, DialFailure, DialOptions, ReadResult, WriteResult } from '../../core/ports/dial.ts';

/**
 * The Dial port over node:net / node:tls. Reads are pull-based: the socket is
 * paused whenever a chunk waits for the reader, so a backend sending as fast as
 * it can never makes us hold more than one chunk (plus the kernel's buffer).
 */
export const nodeDial: Dial = (opts) =>
  new Promise((resolve) => {
    const started = performance.now();
    if (opts.signal.aborted) return resolve({ ok: false, reason: 'aborted', message: 'aborted before connect' });
    let settled = false;
    let socket: net.Socket;
    const finish = (r: Awaited<ReturnType<Dial>>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      if (!r.ok) socket.destroy();
      resolve(r);
    };
    const failWith = (reason: DialFailure, message: string) => finish({ ok: false, reason, message });
    const onAbort = () => failWith('aborted', 'aborted while connecting');
    const timer = setTimeout(
      () => failWith('connect_timeout', `no ${opts.tls ? 'TLS session' : 'connection'} within ${opts.timeoutMs} ms`),
      opts.timeoutMs,
    );
    opts.signal.addEventListener('abort', onAbort, { once: true });

    const connected = () => finish({ ok: true, stream: new NodeStream(socket, opts.signal), connectMs: performance.now() - started });
    if (opts.tls) {
      let tcpUp = false;
      socket = tls.connect({
        host: opts.host,
        port: opts.port,
        servername: opts.tls.servername ?? '',
        rejectUnauthorized: opts.tls.verify,
        // Verification names the SNI name when one is sent, else the address dialled.
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(opts.tls?.servername ?? opts.host, cert),
      });
      socket.once('connect', () => (tcpUp = true));
      socket.once('secureConnect', connected);
      socket.once('error', (err: NodeJS.ErrnoException) =>
        tcpUp ? failWith('tls_error', err.message) : failWith(classify(err), err.message),
      );
    } else {
      socket = net.connect({ host: opts.host, port: opts.port, noDelay: true });
      socket.once('connect', connected);
      socket.once('error', (err: NodeJS.ErrnoException) => failWith(classify(err), err.message));
    }
    socket.once('close', () => failWith(opts.tls ? 'tls_error' : 'connect_error', 'closed while connecting'));
  });

function classify(err: NodeJS.ErrnoException): DialFailure {
  if (err.code === 'ECONNREFUSED') return 'connect_refused';
  if (err.code === 'ETIMEDOUT') return 'connect_timeout';
  return 'connect_error';
}

class NodeStream implements ByteStream {
  private chunks: Uint8Array[] = [];
  private ended = false;
  private failure: ReadResult | null = null;
  private waiter: ((r: ReadResult) => void) | null = null;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly signal: AbortSignal,
  ) {
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
    socket.on('data', (b: Buffer) => {
      this.chunks.push(b);
      socket.pause();
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const tlsLike = err.code?.startsWith('ERR_SSL') || err.code?.startsWith('ERR_TLS');
      this.failure ??= { kind: 'error', reason: tlsLike ? 'tls_error' : 'reset', message: err.message };
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private onAbort = () => this.close();

  private next(): ReadResult | null {
    const c = this.chunks.shift();
    if (c) return { kind: 'data', bytes: c };
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
        resolve(err ? { ok: false, reason: this.closed || this.signal.aborted ? 'aborted' : 'reset', message: err.message } : { ok: true }),
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failure ??= { kind: 'error', reason: 'aborted', message: 'closed' };
    this.chunks.length = 0;
    this.signal.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
    this.wake();
  }
}

export type { DialOptions };
