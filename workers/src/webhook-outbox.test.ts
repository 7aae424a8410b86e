import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { AlertWebhook } from '../../core/config/vigil.ts';
import { newEvent } from '../../core/webhook/event.ts';
import { MAX_ATTEMPTS, MAX_PENDING, WebhookOutbox } from './webhook-outbox.ts';

const hook = AlertWebhook.parse({ name: 'ops', url: 'https://hooks.example.com/T000/B000/secret-part', events: ['verdict_change'], secretEnv: 'VIGIL_WEBHOOK_OPS' });
const board = (name: string) => env.BOARD.get(env.BOARD.idFromName(name));

describe('the webhook outbox (Board SQLite, workerd)', () => {
  it('holds at most MAX_PENDING deliveries: the oldest are dropped and counted; events a webhook did not ask for are not queued', async () => {
    await runInDurableObject(board('outbox-a'), (_i, state) => {
      const box = new WebhookOutbox(state.storage.sql);
      const events = Array.from({ length: MAX_PENDING + 7 }, (_, n) => newEvent('verdict_change', 'outbox-a', 1_000 + n, { n }));
      expect(box.enqueue([...events, newEvent('lease_moved', 'outbox-a', 5, {})], [hook])).toBe(MAX_PENDING + 7);
      const s = box.status([hook], 1000);
      expect(s.webhooks[0]).toMatchObject({ name: 'ops', url: 'https://hooks.example.com/…', pending: MAX_PENDING });
      expect(s.droppedSinceStart).toBe(7);
      const kept = new Set(s.deliveries.map((d) => d.eventId));
      expect(events.slice(0, 7).some((e) => kept.has(e.id)), 'the oldest seven went').toBe(false);
      expect(events.slice(7).every((e) => kept.has(e.id)), 'the newest stayed').toBe(true);
    });
  });

  it('a webhook whose Worker secret is unset is retried with growing delays, never sent unsigned, and given up after MAX_ATTEMPTS', async () => {
    await runInDurableObject(board('outbox-b'), async (_i, state) => {
      const box = new WebhookOutbox(state.storage.sql);
      box.enqueue([newEvent('verdict_change', 'outbox-b', Date.now(), {})], [hook]);
      const gaps: number[] = [];
      for (let n = 0; n < MAX_ATTEMPTS; n++) {
        const due = box.nextDueMs()!;
        await box.deliverDue([hook], {}, due);
        const next = box.nextDueMs();
        if (next !== null) gaps.push(next - due);
      }
      expect(box.nextDueMs(), 'nothing left to try').toBeNull();
      const d = box.status([hook]).deliveries[0]!;
      expect(d).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS, lastError: 'the Worker secret VIGIL_WEBHOOK_OPS is not set' });
      expect(gaps.length).toBe(MAX_ATTEMPTS - 1);
      for (let i = 1; i < gaps.length; i++) expect(gaps[i]!, `delay ${i}`).toBeGreaterThanOrEqual(gaps[i - 1]!);
      expect(gaps[gaps.length - 1]!).toBeGreaterThan(60_000);
    });
  });
});
