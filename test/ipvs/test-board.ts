/**
 * A stand-in for the Board's shim-facing API (workers/src/app.ts): the same
 * routes, the same StreamMessage over the WebSocket, the same Vigil-Signature
 * over the exact bytes, signed with core/vote/snapshot.ts. It exists for what
 * the real Board will never do on purpose: forge, replay and send expired
 * snapshots, refuse WebSockets, and go away and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHash, webcrypto } from 'node:crypto';
import type { Duplex } from 'node:stream';
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { exportPublicJwk, signSnapshot, SIGNATURE_HEADER, type CryptoKey, type PublicJwk, type Snapshot, type SignedSnapshot } from '../../core/vote/snapshot.ts';

export interface TestBoardOptions {
  cluster: string;
  token: string;
  host?: string;
  port?: number;
}

export class TestBoard {
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private key!: CryptoKeyPair;
  private readonly keyId = 'test-board-1';
  private current: (SignedSnapshot & { seq: number; raw?: boolean }) | null = null;
  private waiters = new Set<() => void>();
  seq = 0;
  port = 0;
  /** When false, WebSocket upgrades are answered 404, so subscribers must long-poll. */
  websocket = true;
  requests: string[] = [];
  /** When set, the next WebSocket gets one text frame declaring this many bytes, streamed until the peer hangs up. */
  oversizeNext = 0;
  /** Bytes of that frame's payload written before the peer hung up (or all of it). */
  oversizeSent = 0;
  /** When set, the next long-poll is answered 200 with this many bytes, chunked (no Content-Length), streamed the same way. */
  oversizePollNext = 0;
  /** When set, the next WebSocket gets the current snapshot's frame cut off halfway, then the connection drops. */
  cutNext = false;
  /** When set, the next long-poll answer declares the whole body, sends half of it, and the connection drops. */
  cutPollNext = false;

  constructor(private readonly o: TestBoardOptions) {}

  async init(): Promise<this> {
    this.key = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    return this;
  }

  async jwk(): Promise<PublicJwk> {
    return exportPublicJwk(this.key.publicKey as unknown as CryptoKey, this.keyId);
  }

  url(): string {
    return `http://${this.o.host ?? '127.0.0.1'}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      if (!this.authorised(req)) return void res.writeHead(401).end('{"code":"ERR_UNAUTHORIZED"}');
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === `/v1/clusters/${this.o.cluster}/verdict`) {
        const since = Number(u.searchParams.get('since') ?? 0);
        const waitMs = Number(u.searchParams.get('wait') ?? 0) * 1000;
        const answer = () => {
          if (res.writableEnded) return;
          const c = this.current;
          // Offered bytes are served whatever `since` says: a replay is exactly an old sequence.
          if (!c || (c.seq <= since && !c.raw)) return void res.writeHead(204).end();
          if (this.cutPollNext) {
            this.cutPollNext = false;
            const body = Buffer.from(c.body);
            res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length, [SIGNATURE_HEADER]: c.signature });
            res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
            return;
          }
          if (this.oversizePollNext) {
            const bytes = this.oversizePollNext;
            this.oversizePollNext = 0;
            res.writeHead(200, { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: c.signature });
            return void this.stream(res, bytes);
          }
          res.writeHead(200, { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: c.signature });
          res.end(Buffer.from(c.body));
        };
        if (this.current && (this.current.seq > since || this.current.raw)) return answer();
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          answer();
        };
        const t = setTimeout(done, waitMs);
        this.waiters.add(done);
        res.on('close', () => {
          clearTimeout(t);
          this.waiters.delete(done);
        });
        return;
      }
      res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      this.requests.push(`WS ${req.url}`);
      if (!this.websocket || req.url !== `/v1/clusters/${this.o.cluster}/stream` || !this.authorised(req)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (this.oversizeNext) return this.oversizedFrame(req, socket, this.oversizeNext);
      if (this.cutNext && this.current) return this.cutFrame(req, socket, this.current);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (this.current) this.sendTo(ws, this.current.body, this.current.signature, this.current.seq);
        ws.on('message', (m) => {
          if (String(m) === '{"type":"ping"}') ws.send('{"type":"pong"}');
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, this.o.host ?? '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    this.wss = wss;
  }

  /** The Board goes away: listening socket closed, every connection dropped. */
  async stop(): Promise<void> {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    for (const w of [...this.waiters]) w();
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  /** The 101 answer to a WebSocket upgrade, written by hand (for frames the ws library would never send). */
  private handshake(req: IncomingMessage, socket: Duplex): void {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  }

  /** Declares the current snapshot's whole message, sends half its payload, and drops the connection. */
  private cutFrame(req: IncomingMessage, socket: Duplex, c: { body: Uint8Array | string; signature: string; seq: number }): void {
    this.cutNext = false;
    this.handshake(req, socket);
    const payload = Buffer.from(JSON.stringify({ type: 'snapshot', seq: c.seq, signature: c.signature, body: typeof c.body === 'string' ? c.body : Buffer.from(c.body).toString('utf8') }));
    const header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 127;
    header.writeUInt32BE(0, 2);
    header.writeUInt32BE(payload.length, 6);
    socket.on('error', () => undefined);
    socket.write(Buffer.concat([header, payload.subarray(0, payload.length >> 1)]), () => socket.destroy());
  }

  /** Completes the handshake by hand, then declares one huge text frame and streams its payload with backpressure. */
  private oversizedFrame(req: IncomingMessage, socket: Duplex, bytes: number): void {
    this.oversizeNext = 0;
    this.handshake(req, socket);
    const header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 127;
    header.writeUInt32BE(Math.floor(bytes / 2 ** 32), 2);
    header.writeUInt32BE(bytes % 2 ** 32, 6);
    socket.write(header);
    this.stream(socket, bytes);
  }

  /** Writes `bytes` of 'a' in 64 KiB pieces, waiting for drain, until done or the peer is gone; counts oversizeSent. */
  private stream(out: NodeJS.WritableStream & { destroyed: boolean; once(e: string, f: () => void): unknown; end(): unknown }, bytes: number): void {
    const piece = Buffer.alloc(64 << 10, 'a');
    this.oversizeSent = 0;
    const more = () => {
      while (this.oversizeSent < bytes && !out.destroyed) {
        const n = Math.min(piece.length, bytes - this.oversizeSent);
        this.oversizeSent += n;
        if (!out.write(piece.subarray(0, n))) return void out.once('drain', more);
      }
      if (!out.destroyed) out.end();
    };
    out.on('error', () => undefined);
    more();
  }

  private authorised(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.o.token}`;
  }

  private sendTo(ws: WebSocket, body: Uint8Array | string, signature: string, seq: number): void {
    ws.send(JSON.stringify({ type: 'snapshot', seq, signature, body: typeof body === 'string' ? body : Buffer.from(body).toString('utf8') }));
  }

  /** Signs and publishes the next snapshot (sequence grows), pushing it to every subscriber. */
  async publish(vss: Snapshot['virtualServers'], ttlMs = 60_000, over: Partial<Snapshot> = {}): Promise<SignedSnapshot & { seq: number }> {
    const now = Date.now();
    const seq = ++this.seq;
    const snap: Snapshot = { v: 1, cluster: this.o.cluster, seq, configVersion: 1, issuedAtMs: now, expiresAtMs: now + ttlMs, virtualServers: vss, ...over };
    const signed = await signSnapshot(snap, this.key.privateKey as unknown as CryptoKey, this.keyId);
    this.current = { ...signed, seq: snap.seq };
    for (const w of [...this.waiters]) w();
    for (const ws of this.wss?.clients ?? []) this.sendTo(ws, signed.body, signed.signature, snap.seq);
    return this.current;
  }

  /** Drops every open WebSocket at the TCP level (no close frame), the Board staying up: subscribers reconnect. */
  dropSockets(): void {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
  }

  /** A correct signature over any bytes (a body that is not a snapshot, signed by the right key: `malformed`). */
  async signBytes(body: Uint8Array<ArrayBuffer>): Promise<string> {
    const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', this.key.privateKey, body));
    return `keyid=${this.keyId}, ed25519=${Buffer.from(sig).toString('base64')}`;
  }

  /** Sends text that is no StreamMessage at all (not JSON) over every open WebSocket. */
  pushText(text: string): void {
    for (const ws of this.wss?.clients ?? []) ws.send(text);
  }

  /** Pushes bytes and a signature as they are (forged, replayed...), over every open WebSocket. */
  pushRaw(body: Uint8Array | string, signature: string, seq = 1): void {
    for (const ws of this.wss?.clients ?? []) this.sendTo(ws, body, signature, seq);
  }

  /**
   * Serves bytes and a signature as they are (forged, replayed, expired) on
   * every transport: as the long-poll answer and pushed over every WebSocket.
   */
  offer(body: Uint8Array, signature: string, seq: number): void {
    this.current = { body, signature, seq, raw: true };
    for (const w of [...this.waiters]) w();
    this.pushRaw(body, signature, seq);
  }

  /** Signs with a key the shim does not trust, under this Board's key id. */
  async forge(s: Snapshot): Promise<SignedSnapshot> {
    const other = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    return signSnapshot(s, other.privateKey as unknown as CryptoKey, this.keyId);
  }

  /** Signs correctly without publishing: for expired or replayed snapshots. */
  sign(s: Snapshot): Promise<SignedSnapshot> {
    return signSnapshot(s, this.key.privateKey as unknown as CryptoKey, this.keyId);
  }

  openSockets(): number {
    return this.wss?.clients.size ?? 0;
  }
}
