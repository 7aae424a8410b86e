import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Config } from '../../core/config/model.ts';
import type { TargetVerdict } from '../../core/vote/fold.ts';
import { WebhookBody } from '../../core/webhook/event.ts';
import { BoardWebhooks } from './board-webhooks.ts';

const config = Config.parse({
  vigil: {
    vantagePoints: [{ name: 'dc1', kind: 'self-hosted' }, { name: 'dc2', kind: 'self-hosted' }],
    alertWebhooks: [{ name: 'ops', url: 'https://hooks.example.com/h', events: ['vantage_point_silent'], secretEnv: 'VIGIL_WEBHOOK_OPS' }],
  },
});
const RS = 'tcp/192.0.2.10:80|10.1.0.1:80';
const assigned = new Map([[RS, new Set(['dc1', 'dc2'])]]);
const verdicts = (fresh: Record<string, boolean>) =>
  new Map<string, TargetVerdict>([[RS, { state: 'up', effective: 'up', upVotes: 2, downVotes: 0, fresh: 2, quorum: 1, votes: Object.fromEntries(Object.entries(fresh).map(([vp, f]) => [vp, { up: true, reason: 'ok', atMs: 0, fresh: f }])) as TargetVerdict['votes'] }]]);

describe('vantage_point_silent from the folds (Board SQLite, workerd)', () => {
  it('says nothing about the state found at start, then each change once: dc2 silent, dc2 back; a webhook that did not ask for verdict changes gets none', async () => {
    await runInDurableObject(env.BOARD.get(env.BOARD.idFromName('hooks-silent')), (_i, state) => {
      const w = new BoardWebhooks(state.storage.sql);
      const bodies = () => w.outbox.status(config.vigil.alertWebhooks).deliveries.map((d) => d.eventId);
      w.onFold('c', config, [], verdicts({ dc1: true }), assigned, 1000); // dc2 silent at start: recorded, not announced
      expect(bodies()).toEqual([]);
      w.onFold('c', config, [{ kind: 'real_server', key: RS, from: 'up', to: 'down', atMs: 1500 }], verdicts({ dc1: true, dc2: true }), assigned, 2000);
      w.onFold('c', config, [], verdicts({ dc1: true, dc2: true }), assigned, 3000);
      w.onFold('c', config, [], verdicts({ dc1: true, dc2: false }), assigned, 4000);
      const rows = state.storage.sql.exec<{ body: string }>('SELECT body FROM webhook_delivery ORDER BY id').toArray().map((r) => WebhookBody.parse(JSON.parse(r.body)));
      expect(rows.map((b) => [b.type, b.data.vantagePoint, b.data.silent, b.atMs])).toEqual([
        ['vantage_point_silent', 'dc2', false, 2000],
        ['vantage_point_silent', 'dc2', true, 4000],
      ]);
      expect(rows[1]!.data).toMatchObject({ assigned: 1, fresh: 0 });
    });
  });
});
