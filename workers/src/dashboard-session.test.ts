import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { signSession } from '../../core/auth/viewer-session.ts';
import { TOKEN_PROTOCOL_PREFIX, VIEW_PROTOCOL } from '../../core/vote/dashboard-view.ts';
import { api, BASE, putConfig, threeVantageConfig, tokensFor } from '../test/helpers.ts';

const exchange = (cluster: string, code: unknown) =>
  api(`/v1/clusters/${cluster}/dashboard-session`, { method: 'POST', body: JSON.stringify({ code }), headers: { 'Content-Type': 'application/json' }, token: null });
const outcome = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { code: string }).code });
const view = (cluster: string, token: string) => api(`/v1/clusters/${cluster}/view`, { token });

describe("the dashboard link's one-time code", () => {
  it('is exchanged once for a viewer session that reads the view and watches; a second exchange is refused', async () => {
    expect((await putConfig('once-a', threeVantageConfig())).status).toBe(201);
    const code = tokensFor('once-a').dashboardCode;
    const first = await exchange('once-a', code);
    expect(first.status).toBe(200);
    const { token, expiresAt } = (await first.json()) as { token: string; expiresAt: number };
    expect(token).toMatch(/^vgs_/);
    expect(expiresAt - Date.now()).toBeGreaterThan(11 * 3600_000);
    expect((await view('once-a', token)).status).toBe(200);
    const ws = await SELF.fetch(`${BASE}/v1/clusters/once-a/watch`, { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': `${VIEW_PROTOCOL}, ${TOKEN_PROTOCOL_PREFIX}${token}` } });
    expect(ws.status).toBe(101);
    ws.webSocket!.accept();
    ws.webSocket!.close(1000, 'done');
    expect(await outcome(await exchange('once-a', code))).toEqual({ status: 401, code: 'ERR_ONE_TIME_CODE' });
    // A session is a viewer's: it writes nothing, follows no shim stream, and reads no other cluster.
    expect(await outcome(await api('/v1/clusters/once-a/votes', { method: 'POST', body: '{"votes":[]}', headers: { 'Content-Type': 'application/json' }, token }))).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
    expect(await outcome(await view('once-b', token))).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
  });

  it('is refused as a bearer token, on HTTP and on the viewer socket', async () => {
    const code = tokensFor('once-b').dashboardCode;
    expect(await outcome(await view('once-b', code))).toEqual({ status: 401, code: 'ERR_ONE_TIME_CODE' });
    const ws = await SELF.fetch(`${BASE}/v1/clusters/once-b/watch`, { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': `${VIEW_PROTOCOL}, ${TOKEN_PROTOCOL_PREFIX}${code}` } });
    expect(ws.status).toBe(401);
    // Nor is a long-lived viewer token, another cluster's code or garbage exchanged.
    expect(await outcome(await exchange('once-b', tokensFor('once-b').viewer))).toEqual({ status: 401, code: 'ERR_UNAUTHORIZED' });
    expect(await outcome(await exchange('once-b', tokensFor('once-a').dashboardCode))).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
    expect(await outcome(await exchange('once-b', 42))).toEqual({ status: 401, code: 'ERR_UNAUTHORIZED' });
  });

  it('gives sessions that are refused once expired or tampered with', async () => {
    expect((await putConfig('once-b', threeVantageConfig())).status).toBe(201);
    const key = env.VIGIL_SIGNING_KEY;
    expect((await view('once-b', signSession(key, 'once-b', Date.now()).token)).status).toBe(200);
    expect(await outcome(await view('once-b', signSession(key, 'once-b', Date.now(), -1).token))).toEqual({ status: 401, code: 'ERR_SESSION_EXPIRED' });
    // Another cluster's payload under this one's MAC, and a MAC from another key.
    const good = signSession(key, 'once-b', Date.now()).token;
    const other = signSession(key, 'once-a', Date.now()).token;
    const swapped = `${other.slice(0, other.indexOf('.'))}${good.slice(good.indexOf('.'))}`;
    expect(await outcome(await view('once-a', swapped))).toEqual({ status: 401, code: 'ERR_UNAUTHORIZED' });
    expect(await outcome(await view('once-b', signSession('not the key', 'once-b', Date.now()).token))).toEqual({ status: 401, code: 'ERR_UNAUTHORIZED' });
  });
});
