import { describe, expect, it } from 'vitest';
import type { Vote } from '../../core/vote/fold.ts';
import { parseConfigUpload } from './config-input.ts';
import { lineOf, privateRealServerConfig as described } from '../../test/fixtures/quorum-configs.ts';
import { api, postVotes, putConfig, RS1, RS2, threeVantageConfig, tokensFor } from '../test/helpers.ts';

describe('the Board refuses a quorum its vantage points cannot meet', () => {
  it('a production Board (EDGE_PRIVATE_TARGETS=skip) refuses the described config at the private real_server line', () => {
    const text = described('        quorum 2');
    const r = parseConfigUpload('quorum-x', text, 'keepalived', 'quorum-x', 'skip');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.first).toBe(`keepalived.conf:${lineOf(text, 'real_server 10.1.0.1')}:5: error: real_server tcp/192.0.2.10:80|10.1.0.1:80: quorum 2 needs 2 vantage points but only 1 vantage point can check it (dc1); weur, enam: 10.1.0.1 is not reachable from the edge; add vantage points that can reach it, lower quorum, or say 'degrade majority' (or 'degrade all') in vigil { vote { } }`);
    expect(parseConfigUpload('quorum-x', described('        quorum 2\n        degrade majority'), 'keepalived', 'quorum-x', 'skip').ok).toBe(true);
    // This test Board's edge reaches private addresses (local mode), so there all three can check it.
    expect(parseConfigUpload('quorum-x', text, 'keepalived', 'quorum-x', 'probe').ok).toBe(true);
  });

  it('PUT /config with a quorum more than can check a real server is a 400 ERR_CONFIG at its line, and nothing is stored', async () => {
    const text = threeVantageConfig('    vote {\n        quorum 4\n    }');
    const res = await putConfig('quorum-a', text);
    expect(res.status, await res.clone().text()).toBe(400);
    const body = (await res.json()) as { code: string; message: string; errors: string[] };
    expect(body.code).toBe('ERR_CONFIG');
    expect(body.message).toBe(`keepalived.conf:${lineOf(text, 'real_server 10.1.0.1')}:5: error: real_server ${RS1}: quorum 4 needs 4 vantage points but only 3 vantage points can check it (dc1, dc2, dc3); add vantage points that can reach it, lower quorum, or say 'degrade majority' (or 'degrade all') in vigil { vote { } }`);
    expect(body.errors).toHaveLength(2);
    expect(body.errors[1]).toMatch(new RegExp(`^keepalived\\.conf:${lineOf(text, 'real_server 10.1.0.2')}:5: error: real_server `));
    expect((await api('/v1/clusters/quorum-a/config')).status).toBe(404);
  });

  it('with degrade majority the upload is taken and GET /votes shows the effective quorum the fold used', async () => {
    const res = await putConfig('quorum-b', threeVantageConfig('    vote {\n        quorum 4\n        degrade majority\n    }'));
    expect(res.status, await res.clone().text()).toBe(201);
    const now = Date.now();
    const down = (vp: string): Vote => ({ target: RS1, vantagePoint: vp, up: false, reason: 'connect_refused', latencyMs: 1, atMs: now, intervalMs: 5000, timeoutMs: 2000 });
    for (const vp of ['dc1', 'dc2']) expect((await postVotes('quorum-b', vp, [down(vp)])).status).toBe(200);
    const detail = await api('/v1/clusters/quorum-b/votes', { token: tokensFor('quorum-b').shim });
    expect(detail.status).toBe(200);
    const doc = (await detail.json()) as { realServers: { key: string; state: string; quorum: number; downVotes: number }[] };
    const byKey = new Map(doc.realServers.map((r) => [r.key, r]));
    // quorum 4 over three vantage points, degraded to a majority of them: two down votes decide.
    expect(byKey.get(RS1)).toMatchObject({ quorum: 2, downVotes: 2, state: 'down' });
    expect(byKey.get(RS2)).toMatchObject({ quorum: 2 });
  });
});
