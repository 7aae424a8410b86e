import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './signature.ts';

describe('webhook signatures', () => {
  const body = '{"id":"e1","type":"verdict_change"}';
  const nowMs = 1_780_000_000_123;

  it("are what a receiver computes with its own HMAC (Node's crypto, as the README's verification recipe)", async () => {
    const header = await signWebhook('s3cret', body, nowMs);
    const t = Math.floor(nowMs / 1000);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', 's3cret').update(`${t}.${body}`).digest('hex')}`);
    expect(await verifyWebhook('s3cret', header, body, nowMs + 60_000)).toEqual({ ok: true, t });
  });

  it('refuse another secret, a changed byte, an old timestamp and a malformed header', async () => {
    const header = await signWebhook('s3cret', body, nowMs);
    expect(await verifyWebhook('other', header, body, nowMs)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await verifyWebhook('s3cret', header, body.replace('e1', 'e2'), nowMs)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await verifyWebhook('s3cret', header, body, nowMs + 301_000)).toEqual({ ok: false, reason: 'too_old' });
    expect(await verifyWebhook('s3cret', 'v1=abc', body, nowMs)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyWebhook('s3cret', undefined, body, nowMs)).toEqual({ ok: false, reason: 'malformed' });
  });
});
