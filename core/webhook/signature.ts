/**
 * Webhook signatures, as Stripe and GitHub sign theirs: the header
 * `Vigil-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the
 * MAC is over `<t>.<the exact body bytes>` under the webhook's secret. A
 * receiver recomputes it, compares in constant time, and refuses a `t` far
 * from its clock (a replayed delivery); the body's `id` is the event's, so
 * a redelivery (at-least-once) is recognised by id.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'Vigil-Webhook-Signature';
export const WEBHOOK_ID_HEADER = 'Vigil-Webhook-Id';
/** A receiver's default window for `t`, either way. */
export const WEBHOOK_TOLERANCE_S = 300;

const te = new TextEncoder();

function hmacKey(secret: string, use: 'sign' | 'verify') {
  return crypto.subtle.importKey('raw', te.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [use]);
}

function hex(b: ArrayBuffer): string {
  return [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export async function signWebhook(secret: string, body: string, nowMs: number): Promise<string> {
  const t = Math.floor(nowMs / 1000);
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), te.encode(`${t}.${body}`));
  return `t=${t},v1=${hex(mac)}`;
}

export type WebhookCheck = { ok: true; t: number } | { ok: false; reason: 'malformed' | 'too_old' | 'bad_signature' };

/** What a receiver does with a delivery: the header parsed, the time window, then the MAC (crypto.subtle.verify compares in constant time). */
export async function verifyWebhook(secret: string, header: string | null | undefined, body: string, nowMs: number, toleranceS = WEBHOOK_TOLERANCE_S): Promise<WebhookCheck> {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return { ok: false, reason: 'malformed' };
  const t = Number(m[1]);
  if (Math.abs(nowMs / 1000 - t) > toleranceS) return { ok: false, reason: 'too_old' };
  const mac = new Uint8Array(m[2]!.match(/../g)!.map((h) => parseInt(h, 16)));
  const good = await crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), mac, te.encode(`${t}.${body}`));
  return good ? { ok: true, t } : { ok: false, reason: 'bad_signature' };
}
