import { TOKEN_PROTOCOL_PREFIX, VIEW_PROTOCOL, type DashboardView, type ViewerFrame } from '../../core/vote/dashboard-view.ts';
import { VIEWER_TAG } from './publication.ts';

/** Views go out at most this often (a vote batch folds every few hundred ms on a busy cluster)... */
export const VIEW_PUSH_MIN_MS = 1000;
/** ...and at most this often when a verdict changed, so a storm of flips is not a storm of frames. */
export const VIEW_URGENT_MIN_MS = 200;
/** A frame past this drops its oldest events until it fits (real servers are bounded already by the view). */
export const VIEW_MAX_FRAME_BYTES = 1 << 20;

/** The token a viewer offered in Sec-WebSocket-Protocol, if any. */
export function tokenFromProtocols(header: string | null | undefined): string | null {
  for (const p of (header ?? '').split(',')) {
    const t = p.trim();
    if (t.startsWith(TOKEN_PROTOCOL_PREFIX)) return t.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return null;
}

const te = new TextEncoder();

/** One `view` frame, at most VIEW_MAX_FRAME_BYTES: the oldest events go first, counted in `truncated.events`. */
export function viewFrame(view: DashboardView, maxBytes = VIEW_MAX_FRAME_BYTES): string {
  let v = view;
  let text = JSON.stringify({ type: 'view', view: v } satisfies ViewerFrame);
  while (te.encode(text).byteLength > maxBytes && v.events.length > 0) {
    const keep = Math.floor(v.events.length / 2);
    v = { ...v, events: v.events.slice(v.events.length - keep), truncated: { ...v.truncated, events: v.truncated.events + v.events.length - keep } };
    text = JSON.stringify({ type: 'view', view: v } satisfies ViewerFrame);
  }
  return text;
}

/**
 * A Board's viewers: hibernatable WebSockets tagged `viewer`, each sent the
 * whole view when it connects and again after folds, at most once per
 * VIEW_PUSH_MIN_MS unless a verdict changed. Views are built only while a
 * viewer is connected. A failure to build one is logged once per burst and
 * the next fold tries again.
 */
export class ViewerFeed {
  private lastPushMs = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failing = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly build: () => Promise<DashboardView | null>,
  ) {}

  private viewers(): WebSocket[] {
    return this.ctx.getWebSockets(VIEWER_TAG);
  }

  /** Accepts a viewer's socket and sends it the current view at once. */
  async subscribe(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [VIEWER_TAG]);
    const view = await this.safeBuild();
    if (view) pair[1].send(viewFrame(view));
    return new Response(null, { status: 101, webSocket: pair[0], headers: { 'Sec-WebSocket-Protocol': VIEW_PROTOCOL } });
  }

  /** After a fold: `urgent` when a verdict or quorum changed (pushed within VIEW_URGENT_MIN_MS), else within VIEW_PUSH_MIN_MS. */
  changed(urgent: boolean, nowMs = Date.now()): void {
    if (this.viewers().length === 0) return;
    const waitMs = this.lastPushMs + (urgent ? VIEW_URGENT_MIN_MS : VIEW_PUSH_MIN_MS) - nowMs;
    if (waitMs <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.ctx.waitUntil(this.push());
    } else {
      // A verdict change brings a pending push forward; deadlines count from the last push, so repeated calls never delay one.
      if (this.timer && urgent) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.ctx.waitUntil(this.push());
      }, waitMs);
    }
  }

  private async push(): Promise<void> {
    this.lastPushMs = Date.now();
    const view = await this.safeBuild();
    if (!view) return;
    const text = viewFrame(view);
    for (const ws of this.viewers()) {
      try {
        ws.send(text);
      } catch {
        // closing as we send: its close handler tidies up
      }
    }
  }

  private async safeBuild(): Promise<DashboardView | null> {
    try {
      const view = await this.build();
      this.failing = false;
      return view;
    } catch (err) {
      if (!this.failing) console.error(`board: building the viewers' view failed: ${(err as Error).message}`);
      this.failing = true;
      return null;
    }
  }
}
