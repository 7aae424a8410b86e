import { request, WebSocket } from 'undici';
import * as z from 'zod';
import { parseSignatureHeader, SIGNATURE_HEADER, verifySnapshot, type CryptoKey, type Snapshot, type VerifyOutcome } from '../../core/vote/snapshot.ts';
import { deadline } from '../ports/deadline.ts';
import type { Faults } from './faults.ts';
import { frameLimitedAgent, MAX_FRAME_BYTES, readBounded } from './frame-limit.ts';

/** The Board's WebSocket message (workers/src/schemas.ts StreamMessage): the snapshot's exact bytes as a string, and its signature. */
const StreamMessage = z.object({ type: z.literal('snapshot'), seq: z.number().int().min(1), signature: z.string(), body: z.string() });

export type RejectReason = Extract<VerifyOutcome, { ok: false }>['reason'] | 'bad_message' | 'too_large';

export interface BoardSubscriberOptions {
  url: string;
  cluster: string;
  token: string;
  keys: ReadonlyMap<string, CryptoKey>;
  /** Wall-clock milliseconds (snapshot expiry is a wall time set by the Board); Date.now by default. */
  wallNowMs?: () => number;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  onSnapshot: (s: Snapshot) => void;
  /**
   * Called with a verified snapshot's key id and sequence (and every key id's floor) before onSnapshot:
   * the replay state is saved here, before the table is touched. A throw is counted (where="state") and
   * the snapshot still applies: a full disk must not freeze the table on an old verdict.
   */
  beforeApply?: (keyId: string, seq: number, seqByKey: Readonly<Record<string, number>>) => void;
  /** The last sequence applied (after a restart, from the state directory): where long-poll resumes. */
  startSeq?: number;
  /** Per signing key id, the highest sequence already applied (after a restart, from the state directory): nothing at or below it is taken. */
  startSeqByKey?: Readonly<Record<string, number>>;
  /** Where transport and delivery faults are counted and logged once per burst; without it each is logged. */
  faults?: Faults;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** WebSocket attempts in a row that bring no snapshot before falling back to long-poll. */
  wsFailuresBeforePoll?: number;
  /** Long-poll rounds before trying the WebSocket again. */
  pollRoundsBeforeWs?: number;
  pollWaitS?: number;
  pingEveryMs?: number;
  /** A connected socket that brings nothing for this long is treated as dead (the Board re-issues at a third of the TTL). */
  idleReconnectMs?: number;
  connectTimeoutMs?: number;
  /** The largest WebSocket message or long-poll body read (MAX_FRAME_BYTES by default); past it the connection ends, unread. */
  maxFrameBytes?: number;
}

export interface SubscriberStats {
  accepted: number;
  rejected: Partial<Record<RejectReason, number>>;
  transport: 'websocket' | 'long-poll' | 'none';
  wsConnects: number;
  pollRequests: number;
  errors: number;
  lastSeq: number;
}

/**
 * Follows the Board's signed snapshots: WebSocket first, with reconnect and
 * exponential backoff; long-poll when the socket keeps failing; every snapshot
 * verified (signature over the exact bytes, cluster, expiry, sequence) before
 * anyone sees it. Anything that fails is counted and logged, never passed on.
 */
export class BoardSubscriber {
  readonly stats: SubscriberStats = { accepted: 0, rejected: {}, transport: 'none', wsConnects: 0, pollRequests: 0, errors: 0, lastSeq: 0 };
  private stopped = false;
  private readonly stopCtl = new AbortController();
  private verifyChain: Promise<void> = Promise.resolve();
  private ws: WebSocket | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly seqByKey: Record<string, number>;

  constructor(private readonly o: BoardSubscriberOptions) {
    this.stats.lastSeq = o.startSeq ?? 0;
    this.seqByKey = { ...o.startSeqByKey };
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopCtl.abort();
    this.ws?.close();
    await this.loopDone;
  }

  private base(): string {
    return this.o.url.replace(/\/+$/, '') + `/v1/clusters/${encodeURIComponent(this.o.cluster)}`;
  }

  private async loop(): Promise<void> {
    let wsFailures = 0;
    let attempt = 0;
    const maxFailures = this.o.wsFailuresBeforePoll ?? 3;
    while (!this.stopped) {
      // Whatever a round throws, the loop goes on: counted, backed off, next round.
      try {
        if (wsFailures < maxFailures) {
          const got = await this.runWebSocket();
          if (this.stopped) break;
          if (got > 0) {
            wsFailures = 0;
            attempt = 0;
          } else wsFailures++;
          await this.sleep(this.backoffMs(attempt++));
          continue;
        }
        for (let round = 0; round < (this.o.pollRoundsBeforeWs ?? 4) && !this.stopped; round++) {
          const ok = await this.pollOnce();
          if (ok) attempt = 0;
          else await this.sleep(this.backoffMs(attempt++));
        }
        wsFailures = 0;
      } catch (err) {
        this.fault('board', 'loop_threw', err);
        await this.sleep(this.backoffMs(attempt++));
      }
    }
    this.stats.transport = 'none';
  }

  private fault(where: string, reason: string, err: unknown): void {
    this.stats.errors++;
    const detail = err instanceof Error ? err.message : String(err);
    if (this.o.faults) this.o.faults.fault(where, reason, detail);
    else this.o.log('fault', { where, reason, detail });
  }

  private backoffMs(attempt: number): number {
    const base = this.o.backoffBaseMs ?? 500;
    const cap = this.o.backoffMaxMs ?? 30_000;
    const ms = Math.min(cap, base * 2 ** Math.min(attempt, 16));
    // Full jitter keeps a fleet of shims from reconnecting in step after a Board outage.
    return ms / 2 + Math.random() * (ms / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const t = setTimeout(done, ms);
      const sig = this.stopCtl.signal;
      function done() {
        clearTimeout(t);
        sig.removeEventListener('abort', done);
        resolve();
      }
      sig.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when the socket closes, with how many snapshots it brought (accepted or not). */
  private runWebSocket(): Promise<number> {
    return new Promise((resolve) => {
      const url = this.base().replace(/^http/, 'ws') + '/stream';
      let messages = 0;
      let ws: WebSocket;
      const maxBytes = this.o.maxFrameBytes ?? MAX_FRAME_BYTES;
      let oversized = 0;
      const dispatcher = frameLimitedAgent(maxBytes, (bytes) => (oversized = bytes));
      try {
        ws = new WebSocket(url, { headers: { Authorization: `Bearer ${this.o.token}` }, dispatcher });
      } catch (err) {
        void dispatcher.destroy();
        this.fault('board', 'websocket_failed', err);
        return resolve(0);
      }
      this.ws = ws;
      const idleMs = this.o.idleReconnectMs ?? 90_000;
      let idle: NodeJS.Timeout | undefined;
      let opened = false;
      let closedByUs = false;
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          this.o.log('board websocket idle, reconnecting', { idleMs });
          closedByUs = true;
          ws.close();
        }, idleMs);
      };
      const connectTimer = setTimeout(() => ws.close(), this.o.connectTimeoutMs ?? 10_000);
      let ping: NodeJS.Timeout | undefined;
      ws.addEventListener('open', () => {
        opened = true;
        clearTimeout(connectTimer);
        this.stats.wsConnects++;
        this.stats.transport = 'websocket';
        this.o.log('board websocket connected', { url: new URL(url).origin });
        armIdle();
        ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), this.o.pingEveryMs ?? 20_000);
      });
      ws.addEventListener('message', (ev) => {
        // A throw here would reach the process (an event listener): counted as a fault instead.
        try {
          if (typeof ev.data !== 'string') return this.reject('bad_message', 'binary frame');
          let doc: unknown;
          try {
            doc = JSON.parse(ev.data);
          } catch {
            return this.reject('bad_message', 'not JSON');
          }
          if ((doc as { type?: unknown })?.type === 'pong') return armIdle();
          const m = StreamMessage.safeParse(doc);
          if (!m.success) return this.reject('bad_message', m.error.issues[0]?.message ?? 'schema');
          messages++;
          armIdle();
          this.handle(new TextEncoder().encode(m.data.body), m.data.signature);
        } catch (err) {
          this.fault('board', 'message_threw', err);
        }
      });
      ws.addEventListener('error', (ev) => {
        const e = ev as { error?: { message?: string; cause?: unknown }; message?: string };
        // A refused handshake (a wrong token: 401/403) arrives with an empty message: say what it may be rather than "".
        const said = e.error?.message || e.message || 'the connection failed or the Board refused the handshake (a 401/403 means the token is not accepted; long-poll will say which)';
        this.fault('board', opened ? 'websocket_error' : 'websocket_connect_failed', `${said}${e.error?.cause ? ` (${String(e.error.cause)})` : ''}`);
      });
      ws.addEventListener('close', (ev) => {
        clearTimeout(connectTimer);
        clearTimeout(idle);
        clearInterval(ping);
        this.ws = null;
        void dispatcher.destroy();
        // Refused unread, like a snapshot that fails verification: counted by reason, then the loop reconnects.
        if (oversized) this.reject('too_large', `a WebSocket message of ${oversized} bytes; the limit is ${maxBytes}`);
        // The Board went away or the connection broke (mid-frame, say): a fault; our own idle close is not.
        else if (!this.stopped && opened && !closedByUs) this.fault('board', 'connection_lost', `WebSocket closed, code ${ev.code}, after ${messages} snapshot(s)`);
        void this.verifyChain.then(() => resolve(messages));
      });
    });
  }

  /** One long-poll request; false on a transport or HTTP failure. */
  private async pollOnce(): Promise<boolean> {
    this.stats.transport = 'long-poll';
    this.stats.pollRequests++;
    const wait = this.o.pollWaitS ?? 25;
    const url = `${this.base()}/verdict?since=${this.stats.lastSeq}&wait=${wait}`;
    const limit = deadline((wait + 10) * 1000, 'board long-poll', this.stopCtl.signal);
    try {
      const res = await request(url, { headers: { Authorization: `Bearer ${this.o.token}` }, signal: limit.signal });
      const maxBytes = this.o.maxFrameBytes ?? MAX_FRAME_BYTES;
      const declared = Number(res.headers['content-length'] ?? 0);
      const body = declared > maxBytes ? (res.body.destroy(), null) : await readBounded(res.body, maxBytes);
      if (!body) {
        this.reject('too_large', `a long-poll body of ${declared > maxBytes ? declared : `more than ${maxBytes}`} bytes; the limit is ${maxBytes}`);
        return false;
      }
      if (res.statusCode === 204) return true;
      if (res.statusCode !== 200) {
        this.fault('board', 'long_poll_status', `HTTP ${res.statusCode}`);
        return false;
      }
      const sig = res.headers[SIGNATURE_HEADER.toLowerCase()];
      const accepted = this.stats.accepted;
      this.handle(body, Array.isArray(sig) ? sig[0] : sig);
      await this.verifyChain;
      // A refused answer backs off like a failure: whoever serves bad snapshots gets no tight loop.
      return this.stats.accepted > accepted;
    } catch (err) {
      if (this.stopped) return true;
      this.fault('board', 'long_poll_failed', err);
      return false;
    } finally {
      limit.clear();
    }
  }

  /**
   * Verifies in arrival order, so the sequence check sees every earlier acceptance. The chain never
   * rejects: a throw anywhere in one link is counted and the next snapshot is verified as usual.
   */
  private handle(body: Uint8Array, signature: string | undefined): void {
    this.verifyChain = this.verifyChain.then(() => this.verifyAndDeliver(body, signature)).catch((err: unknown) => this.fault('snapshot', 'verify_threw', err));
  }

  private async verifyAndDeliver(body: Uint8Array, signature: string | undefined): Promise<void> {
    // Sequences are per signing key id (see replay-state.ts): a key id never seen starts from 0.
    const keyId = parseSignatureHeader(signature)?.keyId;
    const floor = keyId === undefined ? 0 : (this.seqByKey[keyId] ?? 0);
    const v = await verifySnapshot(body, signature, { cluster: this.o.cluster, nowMs: (this.o.wallNowMs ?? Date.now)(), lastSeq: floor, keys: this.o.keys });
    if (!v.ok) return this.reject(v.reason, v.detail);
    this.stats.accepted++;
    this.stats.lastSeq = v.snapshot.seq;
    this.seqByKey[keyId!] = v.snapshot.seq;
    try {
      this.o.beforeApply?.(keyId!, v.snapshot.seq, this.seqByKey);
      this.o.faults?.ok('state');
    } catch (err) {
      this.fault('state', 'write_failed', err);
    }
    try {
      this.o.onSnapshot(v.snapshot);
    } catch (err) {
      return this.fault('snapshot', 'apply_threw', err);
    }
    this.o.faults?.ok('snapshot');
    this.o.faults?.ok('board');
  }

  private reject(reason: RejectReason, detail: string): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    this.o.log('snapshot rejected', { reason, detail });
  }
}
