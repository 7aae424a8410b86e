import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../core/config/redact.ts';
import { DashboardView, TOKEN_PROTOCOL_PREFIX, VIEW_PROTOCOL, ViewerFrame } from '../../core/vote/dashboard-view.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { api, BASE, postVotes, putConfig, RS1, threeVantageConfig, tokensFor, vote } from '../test/helpers.ts';
import { StreamMessage } from './schemas.ts';
import { viewFrame } from './viewer-feed.ts';

const SCRIPTED = threeVantageConfig().replace(
  'virtual_server 192.0.2.10 80 {',
  `vrrp_script chk {
    script "/usr/local/bin/check --password hunter2"
}
virtual_server 192.0.2.10 80 {
    quorum_up "/usr/bin/quorum-up --api-key abc123"
    frobnicate 1`,
);

describe('a viewer token', () => {
  it('reads the view, votes, events, verdict and the config with every command and secret redacted', async () => {
    expect((await putConfig('view-a', SCRIPTED)).status).toBe(201);
    const viewer = tokensFor('view-a').viewer;
    for (const path of ['view', 'votes', 'events', 'verdict']) expect((await api(`/v1/clusters/view-a/${path}`, { token: viewer })).status, path).toBe(200);
    const view = DashboardView.parse(await (await api('/v1/clusters/view-a/view', { token: viewer })).json());
    expect(view.config.virtualServers[0]!.realServers.map((r) => r.key)).toEqual([RS1, 'tcp/192.0.2.10:80|10.1.0.2:80']);
    expect(view.config.vantagePoints.map((v) => v.name)).toEqual(['dc1', 'dc2', 'dc3']);
    expect(view.config.warnings).toEqual([expect.stringMatching(/keepalived\.conf:\d+:\d+: warning: .*frobnicate/)]);
    expect(view.snapshot?.seq).toBeGreaterThan(0);
    const config = await api('/v1/clusters/view-a/config', { token: viewer, headers: { Accept: 'text/plain' } });
    expect(config.headers.get('Content-Type')).toMatch(/^application\/json/);
    const text = await config.text();
    for (const secret of ['hunter2', 'abc123', '/usr/local/bin/check']) expect(text, secret).not.toContain(secret);
    expect(text).toContain(REDACTED);
    // An admin still reads the source as uploaded.
    expect(await (await api('/v1/clusters/view-a/config')).text()).toContain('hunter2');
  });

  it('writes nothing and follows no shim stream: config, votes, heartbeats and the stream are refused', async () => {
    expect((await putConfig('view-b', threeVantageConfig())).status).toBe(201);
    const viewer = tokensFor('view-b').viewer;
    const refused = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { code: string }).code });
    const put = await api('/v1/clusters/view-b/config', { method: 'PUT', body: threeVantageConfig(), headers: { 'Content-Type': 'text/plain' }, token: viewer });
    expect(await refused(put)).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
    const votes = await api('/v1/clusters/view-b/votes', { method: 'POST', body: JSON.stringify({ votes: [vote(RS1, 'dc1', false)] }), headers: { 'Content-Type': 'application/json' }, token: viewer });
    expect(await refused(votes)).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
    const beat = await api('/v1/clusters/view-b/directors/lb1/heartbeat', { method: 'POST', body: JSON.stringify({ bindings: [], healthy: true }), headers: { 'Content-Type': 'application/json' }, token: viewer });
    expect(await refused(beat)).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
    expect(await refused(await api('/v1/clusters/view-b/assignment?vantage=dc1', { token: viewer }))).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
    const stream = await SELF.fetch(`${BASE}/v1/clusters/view-b/stream`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${viewer}` } });
    expect(stream.status).toBe(403);
    // Another cluster's viewer reads nothing here.
    expect(await refused(await api('/v1/clusters/view-b/view', { token: tokensFor('view-a').viewer }))).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
  });

  it('watches over a WebSocket, token offered as a subprotocol: a view at once and another after a verdict flips; shims never get views', async () => {
    expect((await putConfig('view-c', threeVantageConfig())).status).toBe(201);
    const res = await SELF.fetch(`${BASE}/v1/clusters/view-c/watch`, { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': `${VIEW_PROTOCOL}, ${TOKEN_PROTOCOL_PREFIX}${tokensFor('view-c').viewer}` } });
    expect(res.status).toBe(101);
    // The server names the view protocol only: the token is never echoed.
    expect(res.headers.get('Sec-WebSocket-Protocol')).toBe(VIEW_PROTOCOL);
    const shim = await SELF.fetch(`${BASE}/v1/clusters/view-c/stream`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${tokensFor('view-c').shim}` } });
    const views: ViewerFrame[] = [];
    const snapshots: string[] = [];
    res.webSocket!.addEventListener('message', (e) => void views.push(ViewerFrame.parse(JSON.parse(e.data as string))));
    shim.webSocket!.addEventListener('message', (e) => void snapshots.push(StreamMessage.parse(JSON.parse(e.data as string)).type));
    res.webSocket!.accept();
    shim.webSocket!.accept();
    try {
      await eventually('the current view on a new viewer socket', () => views.length >= 1, { timeoutMs: 5000, intervalMs: 10 });
      for (const vp of ['dc1', 'dc2']) await postVotes('view-c', vp, [vote(RS1, vp, false)]);
      const flipped = await eventually('a view showing the flip pushed to the viewer', () => views.find((f) => f.view.events.some((e) => e.key === RS1 && e.to === 'down')), { timeoutMs: 5000, intervalMs: 10 });
      const rs = flipped.view.votes.realServers.find((r) => r.key === RS1)!;
      expect(rs).toMatchObject({ state: 'down', votes: { dc1: { up: false }, dc2: { up: false } } });
      expect(flipped.view.snapshot!.virtualServers[0]!.realServers.find((r) => r.key === RS1)).toMatchObject({ effective: 'down' });
      // The shim's socket, open the whole time, got signed snapshots and nothing else.
      await eventually('the flip pushed to the shim too', () => snapshots.length >= 2, { timeoutMs: 5000, intervalMs: 10 });
      expect(new Set(snapshots)).toEqual(new Set(['snapshot']));
    } finally {
      res.webSocket!.close(1000, 'done');
      shim.webSocket!.close(1000, 'done');
    }
  });

  it('a watch with a wrong token, no token, or the token in the URL is refused before the upgrade', async () => {
    const viewer = tokensFor('view-c').viewer;
    const wrong = await SELF.fetch(`${BASE}/v1/clusters/view-c/watch`, { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': `${VIEW_PROTOCOL}, ${TOKEN_PROTOCOL_PREFIX}vgl_viewer_${'A'.repeat(43)}` } });
    expect([wrong.status, wrong.webSocket]).toEqual([401, null]);
    const none = await SELF.fetch(`${BASE}/v1/clusters/view-c/watch`, { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': VIEW_PROTOCOL } });
    expect(none.status).toBe(401);
    const inUrl = await SELF.fetch(`${BASE}/v1/clusters/view-c/watch?token=${viewer}`, { headers: { Upgrade: 'websocket' } });
    expect(inUrl.status).toBe(401);
  });
});

describe('the view of leases', () => {
  it("shows each binding's holder, fencing token and expiry, and each director's heartbeat", async () => {
    const binding = { name: 'web', kind: 'elastic-ip', allocationId: 'eipalloc-0123456789abcdef0', leaseTtlMs: 5000, directors: [{ id: 'lb1', priority: 200, instanceId: 'i-0000000000000000a' }, { id: 'lb2', priority: 100, instanceId: 'i-0000000000000000b' }] };
    const put = await api('/v1/clusters/view-d/config', { method: 'PUT', body: JSON.stringify({ vigil: { cloudBindings: [binding] } }), headers: { 'Content-Type': 'application/json' } });
    expect(put.status).toBe(201);
    const beat = (id: string, healthy: boolean) => api(`/v1/clusters/view-d/directors/${id}/heartbeat`, { method: 'POST', body: JSON.stringify({ healthy, bindings: ['web'] }), headers: { 'Content-Type': 'application/json' }, token: tokensFor('view-d').directors[id]! });
    expect((await beat('lb2', true)).status).toBe(200);
    expect((await beat('lb1', false)).status).toBe(200);
    const view = DashboardView.parse(await (await api('/v1/clusters/view-d/view', { token: tokensFor('view-d').viewer })).json());
    expect(view.leases.bindings).toEqual([{ name: 'web', kind: 'elastic-ip', holder: 'lb2', token: 1, expiresAtMs: expect.any(Number), lastToken: 1 }]);
    expect(view.leases.bindings[0]!.expiresAtMs! - view.nowMs).toBeGreaterThan(0);
    expect(view.leases.directors.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'lb1', lastHeartbeatMs: expect.any(Number), healthy: false },
      { id: 'lb2', lastHeartbeatMs: expect.any(Number), healthy: true },
    ]);
  });
});

describe('a view frame', () => {
  it('stays under its byte cap by leaving out the oldest events, and says how many', async () => {
    expect((await putConfig('view-a', SCRIPTED)).status).toBe(200);
    const view = DashboardView.parse(await (await api('/v1/clusters/view-a/view', { token: tokensFor('view-a').viewer })).json());
    const events = Array.from({ length: 400 }, (_, i) => ({ id: i + 1, seq: i + 1, kind: 'real_server' as const, key: RS1, from: 'up', to: 'down', atMs: 1000 + i, detail: 'x'.repeat(2000) }));
    const frame = viewFrame({ ...view, events }, 200_000);
    expect(new TextEncoder().encode(frame).byteLength).toBeLessThanOrEqual(200_000);
    const parsed = ViewerFrame.parse(JSON.parse(frame)).view;
    expect(parsed.events.length).toBeGreaterThan(0);
    expect(parsed.events.at(-1)!.id).toBe(400);
    expect(parsed.truncated.events).toBe(400 - parsed.events.length);
  });
});
