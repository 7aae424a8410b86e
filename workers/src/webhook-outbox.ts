import * as z from 'zod';
import type { AlertWebhook } from '../../core/config/vigil.ts';
import type { WebhookBody } from '../../core/webhook/event.ts';
import { signWebhook, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from '../../core/webhook/signature.ts';

/** Deliveries waiting per cluster; past it the oldest waiting one is dropped and counted. */
export const MAX_PENDING = 500;
/** Finished deliveries (delivered or given up) kept for GET /webhooks. */
const HISTORY_KEPT = 200;
/** After attempt n fails, the next waits min(RETRY_BASE_MS × 2^(n-1), RETRY_MAX_MS). */
export const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 15 * 60_000;
/** Twelve attempts span about 47 minutes; then the delivery is marked failed. */
export const MAX_ATTEMPTS = 12;
const ATTEMPT_TIMEOUT_MS = 10_000;
/** Deliveries tried per alarm, at most this many at once; the rest wait for the next alarm (set at once). */
const PER_PASS = 20;

const Row = z.object({
  id: z.number().int(),
  event_id: z.string(),
  webhook: z.string(),
  type: z.string(),
  body: z.string(),
  created_at_ms: z.number(),
  attempts: z.number().int(),
  next_at_ms: z.number(),
  state: z.enum(['pending', 'delivered', 'failed']),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  done_at_ms: z.number().nullable(),
});
type Row = z.infer<typeof Row>;

export interface DeliveryView {
  eventId: string;
  webhook: string;
  type: string;
  state: Row['state'];
  attempts: number;
  createdAtMs: number;
  nextAttemptAtMs: number | null;
  lastStatus: number | null;
  lastError: string | null;
  doneAtMs: number | null;
}

/** Only the origin of a webhook URL is shown to viewers: a path or query often carries a credential (Slack's do). */
export function redactedUrl(url: string): string {
  const u = new URL(url);
  return u.pathname === '/' && !u.search ? u.origin : `${u.origin}/…`;
}

/**
 * A cluster's webhook deliveries, in the Board's SQLite: written in the same
 * turn as the change that caused them (so a restart loses none), tried from
 * the Board's alarm, retried with exponential backoff until a 2xx answer
 * (at-least-once: a receiver dedups on the event id), given up after
 * MAX_ATTEMPTS. Secrets come from the Worker's environment by the name the
 * config gives (secretEnv), read at each attempt.
 */
export class WebhookOutbox {
  /** Dropped past MAX_PENDING since this object started (in memory, like the Board's other counters). */
  dropped = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS webhook_delivery (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, webhook TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, created_at_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, next_at_ms INTEGER NOT NULL, state TEXT NOT NULL, last_status INTEGER, last_error TEXT, done_at_ms INTEGER)`);
  }

  /** One delivery per webhook that takes the event's type. */
  enqueue(events: readonly WebhookBody[], hooks: readonly AlertWebhook[]): number {
    let n = 0;
    for (const e of events) {
      const body = JSON.stringify(e);
      for (const h of hooks) {
        if (!h.events.includes(e.type)) continue;
        this.sql.exec(`INSERT INTO webhook_delivery (event_id, webhook, type, body, created_at_ms, attempts, next_at_ms, state) VALUES (?, ?, ?, ?, ?, 0, ?, 'pending')`, e.id, h.name, e.type, body, e.atMs, e.atMs);
        n++;
      }
    }
    const over = this.count('pending') - MAX_PENDING;
    if (over > 0) {
      this.sql.exec(`DELETE FROM webhook_delivery WHERE id IN (SELECT id FROM webhook_delivery WHERE state = 'pending' ORDER BY id LIMIT ?)`, over);
      this.dropped += over;
    }
    return n;
  }

  private count(state: Row['state']): number {
    return Number(this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM webhook_delivery WHERE state = ?`, state).one().n);
  }

  nextDueMs(): number | null {
    const r = this.sql.exec<{ t: number | null }>(`SELECT MIN(next_at_ms) AS t FROM webhook_delivery WHERE state = 'pending'`).one();
    return r.t === null ? null : Number(r.t);
  }

  /** Tries what is due; a webhook no longer in the config is given up. Never throws: every failure is the delivery's state. */
  async deliverDue(hooks: readonly AlertWebhook[], secrets: Record<string, unknown>, nowMs: number): Promise<void> {
    const due = this.sql.exec(`SELECT * FROM webhook_delivery WHERE state = 'pending' AND next_at_ms <= ? ORDER BY id LIMIT ?`, nowMs, PER_PASS).toArray().map((r) => Row.parse(r));
    const byName = new Map(hooks.map((h) => [h.name, h]));
    const outcomes = await Promise.all(due.map((row) => this.attempt(row, byName.get(row.webhook), secrets)));
    // Times are the pass's: the retry delay counts from when this pass began (an attempt lasts at most ATTEMPT_TIMEOUT_MS).
    const doneAtMs = nowMs;
    for (const [i, o] of outcomes.entries()) {
      const row = due[i]!;
      const attempts = row.attempts + 1;
      if (o.ok) {
        this.sql.exec(`UPDATE webhook_delivery SET state = 'delivered', attempts = ?, last_status = ?, last_error = NULL, done_at_ms = ? WHERE id = ?`, attempts, o.status, doneAtMs, row.id);
        continue;
      }
      const giveUp = o.final || attempts >= MAX_ATTEMPTS;
      const nextAt = doneAtMs + Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
      this.sql.exec(`UPDATE webhook_delivery SET state = ?, attempts = ?, next_at_ms = ?, last_status = ?, last_error = ?, done_at_ms = ? WHERE id = ?`, giveUp ? 'failed' : 'pending', attempts, nextAt, o.status, o.error.slice(0, 500), giveUp ? doneAtMs : null, row.id);
    }
    this.sql.exec(`DELETE FROM webhook_delivery WHERE state != 'pending' AND id <= (SELECT id FROM webhook_delivery WHERE state != 'pending' ORDER BY id DESC LIMIT 1 OFFSET ?)`, HISTORY_KEPT);
  }

  private async attempt(row: Row, hook: AlertWebhook | undefined, secrets: Record<string, unknown>): Promise<{ ok: true; status: number } | { ok: false; final: boolean; status: number | null; error: string }> {
    if (!hook) return { ok: false, final: true, status: null, error: `webhook ${row.webhook} is no longer in the config` };
    const secret = secrets[hook.secretEnv];
    if (typeof secret !== 'string' || secret === '') return { ok: false, final: false, status: null, error: `the Worker secret ${hook.secretEnv} is not set` };
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        body: row.body,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'vigil-webhook/1', [WEBHOOK_ID_HEADER]: row.event_id, [WEBHOOK_SIGNATURE_HEADER]: await signWebhook(secret, row.body, Date.now()) },
        redirect: 'manual',
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      return { ok: false, final: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, final: false, status: null, error: (err as Error).message };
    }
  }

  /** GET /webhooks: each webhook's counts and the newest deliveries. */
  status(hooks: readonly AlertWebhook[], limit = 100): { webhooks: { name: string; url: string; events: string[]; pending: number; delivered: number; failed: number }[]; droppedSinceStart: number; deliveries: DeliveryView[] } {
    const counts = new Map<string, Record<Row['state'], number>>();
    for (const r of this.sql.exec<{ webhook: string; state: Row['state']; n: number }>(`SELECT webhook, state, COUNT(*) AS n FROM webhook_delivery GROUP BY webhook, state`).toArray()) {
      const c = counts.get(r.webhook) ?? { pending: 0, delivered: 0, failed: 0 };
      c[r.state] = Number(r.n);
      counts.set(r.webhook, c);
    }
    const rows = this.sql.exec(`SELECT * FROM webhook_delivery ORDER BY id DESC LIMIT ?`, limit).toArray().map((r) => Row.parse(r));
    return {
      webhooks: hooks.map((h) => ({ name: h.name, url: redactedUrl(h.url), events: h.events, ...(counts.get(h.name) ?? { pending: 0, delivered: 0, failed: 0 }) })),
      droppedSinceStart: this.dropped,
      deliveries: rows.map((r) => ({ eventId: r.event_id, webhook: r.webhook, type: r.type, state: r.state, attempts: r.attempts, createdAtMs: r.created_at_ms, nextAttemptAtMs: r.state === 'pending' ? r.next_at_ms : null, lastStatus: r.last_status, lastError: r.last_error, doneAtMs: r.done_at_ms })),
    };
  }
}
