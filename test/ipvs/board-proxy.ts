/**
 * A proxy between the shim and the real Board that the test controls: it
 * passes the Board's bytes through untouched (WebSocket messages as the same
 * text, long-poll answers as the same body and Vigil-Signature), records every
 * snapshot it sees, and can withhold them or inject its own: a forged copy
 * (one byte changed), a replay of an older sequence, or one held back until it
 * expired. Listens on a Unix socket (the netns relay's host end).
 */
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';

export interface SeenSnapshot {
  seq: number;
  expiresAtMs: number;
  body: string;
  signature: string;
  /** The parsed body (the test reads real servers' states from it). */
  doc: { virtualServers: Array<{ realServers: Array<{ ip: string; port: number; state: string; present: boolean }> }> };
}

export class BoardProxy {
  private server: Server | null = null;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly clients = new Set<WebSocket>();
  private pendingPoll: SeenSnapshot | null = null;
  private waiters: Array<() => void> = [];
  /** Every snapshot that came from the Board, in arrival order. */
  readonly seen: SeenSnapshot[] = [];
  /** Snapshots forwarded to the shim (the highest is what it has applied, at best). */
  lastForwardedSeq = 0;
  /** While true, the Board's snapshots are recorded but not passed on. */
  withhold = false;
  requests = 0;

  constructor(private readonly upstream: string) {}

  async listen(socketPath: string): Promise<void> {
    const server = createServer((req, res) => {
      this.requests++;
      void (async () => {
        const injected = req.url?.includes('/verdict?') ? this.takePending() : null;
        if (injected) {
          res.writeHead(200, { 'content-type': 'application/json', 'vigil-signature': injected.signature });
          return void res.end(injected.body);
        }
        try {
          const up = await request(this.upstream + req.url, { method: req.method as 'GET', headers: { authorization: req.headers.authorization ?? '' }, signal: AbortSignal.timeout(60_000) });
          const body = Buffer.from(await up.body.arrayBuffer());
          const sig = up.headers['vigil-signature'];
          if (up.statusCode === 200 && typeof sig === 'string') {
            const s = this.record(body.toString('utf8'), sig);
            // Held back: "nothing new" after a pause, so a long-polling shim does not spin against the proxy.
            if (this.withhold) return void setTimeout(() => res.writeHead(204).end(), 2000);
            this.forwarded(s);
          }
          const headers: Record<string, string> = { 'content-type': String(up.headers['content-type'] ?? 'application/json') };
          if (typeof sig === 'string') headers['vigil-signature'] = sig;
          res.writeHead(up.statusCode, headers).end(body);
        } catch (err) {
          // The Board is gone: answer as a load balancer in front of a dead origin would.
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(String((err as Error).message));
        }
      })();
    });
    server.on('upgrade', (req, socket, head) => {
      const up = new WebSocket(this.upstream.replace(/^http/, 'ws') + req.url, { headers: { authorization: req.headers.authorization ?? '' }, handshakeTimeout: 10_000 });
      up.once('error', () => socket.destroy());
      up.once('unexpected-response', () => socket.destroy());
      up.once('open', () => {
        this.wss.handleUpgrade(req, socket, head, (down) => {
          this.clients.add(down);
          const close = () => {
            this.clients.delete(down);
            down.terminate();
            up.terminate();
          };
          up.on('message', (data, binary) => {
            const text = data.toString();
            const s = this.fromMessage(text);
            if (s && this.withhold) return;
            if (s) this.forwarded(s);
            down.send(binary ? data : text);
          });
          down.on('message', (data, binary) => up.send(binary ? data : data.toString()));
          up.on('close', close).on('error', close);
          down.on('close', close).on('error', close);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    this.server = server;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.terminate();
    this.wss.close();
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  /** Resolves with the next snapshot that arrives from the Board after this call (or null at the deadline). */
  nextFromBoard(deadlineMs: number): Promise<SeenSnapshot | null> {
    const before = this.seen.length;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(null), deadlineMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(this.seen[before] ?? null);
      });
    });
  }

  /**
   * Offers a snapshot's bytes as they are on every transport: pushed over each
   * open WebSocket as the Board's StreamMessage, and as the answer to the next
   * long-poll, whichever the shim is on at that moment.
   */
  inject(s: Pick<SeenSnapshot, 'seq' | 'body' | 'signature'>): void {
    const msg = JSON.stringify({ type: 'snapshot', seq: s.seq, signature: s.signature, body: s.body });
    for (const c of this.clients) c.send(msg);
    this.pendingPoll = { ...s, expiresAtMs: 0, doc: { virtualServers: [] } };
  }

  /** Nothing injected is left for a later long-poll. */
  clearPending(): void {
    this.pendingPoll = null;
  }

  private takePending(): SeenSnapshot | null {
    const p = this.pendingPoll;
    this.pendingPoll = null;
    return p;
  }

  private fromMessage(text: string): SeenSnapshot | null {
    try {
      const m = JSON.parse(text) as { type?: string; body?: string; signature?: string };
      return m.type === 'snapshot' && typeof m.body === 'string' && typeof m.signature === 'string' ? this.record(m.body, m.signature) : null;
    } catch {
      return null;
    }
  }

  private record(body: string, signature: string): SeenSnapshot {
    const doc = JSON.parse(body) as SeenSnapshot['doc'] & { seq: number; expiresAtMs: number };
    // The same snapshot comes again on a reconnect: one record per snapshot (a reused sequence would be a new one).
    let s = this.seen.find((x) => x.seq === doc.seq && x.body === body);
    if (!s) {
      s = { seq: doc.seq, expiresAtMs: doc.expiresAtMs, body, signature, doc };
      this.seen.push(s);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
    return s;
  }

  private forwarded(s: SeenSnapshot): void {
    this.lastForwardedSeq = Math.max(this.lastForwardedSeq, s.seq);
  }
}

/** The same bytes with one byte changed (a digit of the expiry: still JSON, still plausible). */
export function forge(s: SeenSnapshot): SeenSnapshot {
  const at = s.body.indexOf('"expiresAtMs":') + '"expiresAtMs":'.length;
  const d = s.body[at]!;
  return { ...s, body: s.body.slice(0, at) + (d === '9' ? '8' : String(Number(d) + 1)) + s.body.slice(at + 1) };
}
