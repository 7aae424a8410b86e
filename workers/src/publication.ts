import { signSnapshot, type SnapshotVirtualServer } from '../../core/vote/snapshot.ts';
import { sameDesiredState, snapshotOf } from '../../core/vote/verdict.ts';
import { ClientMessage, type StreamMessage } from './schemas.ts';
import { signingKey } from './signing-key.ts';

/** One signed snapshot as subscribers get it. */
export interface Published {
  seq: number;
  configVersion: number;
  /** The snapshot's exact JSON: the signature covers its UTF-8 bytes. */
  body: string;
  signature: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

interface Current extends Published {
  /** The desired state it carries, to tell whether a fold changed anything. */
  vss: SnapshotVirtualServer[];
  /** Re-issued from here on even when nothing changed, so silence always means trouble. */
  reissueAtMs: number;
}

const td = new TextDecoder();
/** The tag of a viewer's WebSocket (workers/src/viewer-feed.ts): viewers get views, never the (possibly large) snapshots. */
export const VIEWER_TAG = 'viewer';
/** A snapshot lives at least this long, whatever SNAPSHOT_TTL_MS says. */
const MIN_TTL_MS = 3000;
const DEFAULT_TTL_MS = 60_000;

/**
 * A cluster's publication: the current signed snapshot and its re-issue
 * time, the long-poll waiters, and the WebSocket subscribers (hibernatable:
 * the sockets belong to the Durable Object's state, not to this object, so
 * they survive its eviction). The Board decides what to publish and when
 * (it folds the votes); this signs it once and hands the same bytes to
 * every subscriber. In memory only: after a restart the Board's first fold
 * publishes again, with a sequence number past every one handed out before.
 */
export class Publication {
  private current: Current | undefined;
  private readonly waiters = new Set<() => void>();
  readonly ttlMs: number;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Pick<Env, 'VIGIL_SIGNING_KEY' | 'SNAPSHOT_TTL_MS'>,
  ) {
    this.ttlMs = Math.max(MIN_TTL_MS, Number(env.SNAPSHOT_TTL_MS) || DEFAULT_TTL_MS);
    // Keep-alive pings are answered by the runtime without waking a hibernated Board.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /** The last sequence number published by this instance (undefined: none since it started). */
  get seq(): number | undefined {
    return this.current?.seq;
  }

  /** The current snapshot's sequence, lifetime and desired state, without its bytes (null: nothing published yet). */
  get latest(): { seq: number; issuedAtMs: number; expiresAtMs: number; virtualServers: SnapshotVirtualServer[] } | null {
    const c = this.current;
    return c ? { seq: c.seq, issuedAtMs: c.issuedAtMs, expiresAtMs: c.expiresAtMs, virtualServers: c.vss } : null;
  }

  /** When the current snapshot is due for re-issue (null: nothing published yet). */
  get reissueAtMs(): number | null {
    return this.current?.reissueAtMs ?? null;
  }

  /** Nothing published yet, or re-issue is due: a fold should publish. */
  stale(nowMs: number): boolean {
    return !this.current || nowMs >= this.current.reissueAtMs;
  }

  /** Whether a fold's outcome must go out: a new config, a changed desired state, or re-issue due. */
  due(configVersion: number, vss: SnapshotVirtualServer[], nowMs: number): boolean {
    return this.stale(nowMs) || this.current!.configVersion !== configVersion || !sameDesiredState(this.current!.vss, vss);
  }

  /** Signs the snapshot, wakes the long-polls, pushes it to every WebSocket subscriber. */
  async issue(cluster: string, seq: number, configVersion: number, vss: SnapshotVirtualServer[], nowMs: number): Promise<void> {
    const snap = snapshotOf(cluster, seq, configVersion, nowMs, this.ttlMs, vss);
    const key = await signingKey(this.env.VIGIL_SIGNING_KEY);
    const signed = await signSnapshot(snap, key.privateKey, key.keyId);
    this.current = { seq, configVersion, body: td.decode(signed.body), signature: signed.signature, issuedAtMs: nowMs, expiresAtMs: nowMs + this.ttlMs, vss, reissueAtMs: nowMs + Math.floor(this.ttlMs / 3) };
    for (const w of [...this.waiters]) w();
    // Signed once, serialised once: every subscriber gets the same string.
    const text = JSON.stringify(this.message(this.current));
    // Every socket but viewers': a subscriber accepted before sockets were tagged has no tag and still gets every snapshot.
    for (const ws of this.ctx.getWebSockets()) {
      if (this.ctx.getTags(ws).includes(VIEWER_TAG)) continue;
      try {
        ws.send(text);
      } catch {
        // A socket closing as we send: its close handler tidies up.
      }
    }
  }

  /** The current snapshot if its sequence is past `since`; else waits up to waitMs for one (null on timeout). */
  async after(since: number, waitMs: number): Promise<Published | null> {
    if (!this.newerThan(since) && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        this.waiters.add(done);
      });
    }
    return this.newerThan(since);
  }

  private newerThan(since: number): Published | null {
    const c = this.current;
    if (!c || c.seq <= since) return null;
    return { seq: c.seq, configVersion: c.configVersion, body: c.body, signature: c.signature, issuedAtMs: c.issuedAtMs, expiresAtMs: c.expiresAtMs };
  }

  private message(p: Published): StreamMessage {
    return { type: 'snapshot', seq: p.seq, signature: p.signature, body: p.body };
  }

  /**
   * Accepts a subscriber's WebSocket (hibernatable) and sends it the current
   * snapshot when that is still fresh. `fresh` false: nothing fit to send, and
   * the caller folds, which publishes to every socket, this one included.
   */
  subscribe(nowMs: number): { response: Response; fresh: boolean } {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    const fresh = !this.stale(nowMs);
    if (fresh) pair[1].send(JSON.stringify(this.message(this.current!)));
    return { response: new Response(null, { status: 101, webSocket: pair[0] }), fresh };
  }

  /** A subscriber may only ping (and pings are answered by the runtime): anything else closes its socket. */
  onMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    let doc: unknown = null;
    try {
      doc = typeof message === 'string' ? JSON.parse(message) : null;
    } catch {
      doc = null;
    }
    if (!ClientMessage.safeParse(doc).success) ws.close(1008, 'unexpected message');
  }

  onClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye');
    } catch {
      // already closed
    }
  }
}
