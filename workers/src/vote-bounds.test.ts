import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { clockAhead } from '../test/clock.ts';
import { api, postVotes, putConfig, RS1, saidAbout, threeVantageConfig, tokensFor, vote } from '../test/helpers.ts';

const YEAR_MS = 365 * 86_400_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

async function refusal(res: Response): Promise<{ status: number; code: string; path?: string; message: string }> {
  return { status: res.status, ...((await res.json()) as { code: string; path?: string; message: string }) };
}

/** The real server's state and fresh count as the Board folds them now (GET /votes re-folds first). */
async function folded(cluster: string): Promise<{ state: string; fresh: number }> {
  const doc = (await (await api(`/v1/clusters/${cluster}/votes`, { token: tokensFor(cluster).shim })).json()) as { realServers: { key: string; state: string; fresh: number }[] };
  const rs = doc.realServers.find((r) => r.key === RS1);
  if (!rs) throw new Error(`no ${RS1} in /votes of ${cluster}`);
  return rs;
}

describe("votes are bounded by the Board's clock and the config's timing", () => {
  it('refuses a vote dated a year ahead or an hour back (400 naming the field), and the slot stays open for genuine votes', async () => {
    expect((await putConfig('skew-a', threeVantageConfig())).status).toBe(201);
    const now = Date.now();
    const ahead = await refusal(await postVotes('skew-a', 'dc1', [vote(RS1, 'dc1', false, now + YEAR_MS)]));
    expect(ahead).toMatchObject({ status: 400, code: 'ERR_BAD_REQUEST', path: 'votes.0.atMs' });
    expect(ahead.message).toContain("ahead of the Board's clock");
    const behind = await refusal(await postVotes('skew-a', 'dc1', [vote(RS1, 'dc1', false, now), vote(RS1, 'dc1', false, now - HOUR_MS)]));
    expect(behind).toMatchObject({ status: 400, code: 'ERR_BAD_REQUEST', path: 'votes.1.atMs' });
    expect(behind.message).toContain("behind the Board's clock");
    // Nothing of a refused batch was taken, and the future vote pinned nothing: a genuine vote lands.
    expect(await saidAbout('skew-a', '10.1.0.1')).toEqual({});
    const ok = await postVotes('skew-a', 'dc1', [vote(RS1, 'dc1', true, Date.now() - 20_000)]);
    expect(await ok.json()).toMatchObject({ accepted: 1, ignored: 0 });
    expect((await saidAbout('skew-a', '10.1.0.1')).dc1).toMatchObject({ up: true });
  });

  it("a vote that claims a day-long interval goes stale on the config's schedule (3 × delay_loop 5 s + connect_timeout 2 s)", async () => {
    const clock = clockAhead();
    expect((await putConfig('skew-b', threeVantageConfig())).status).toBe(201);
    const at = Date.now();
    for (const vp of ['dc1', 'dc2', 'dc3']) {
      const res = await postVotes('skew-b', vp, [{ ...vote(RS1, vp, false, at), intervalMs: DAY_MS, timeoutMs: HOUR_MS }]);
      expect(res.status, await res.clone().text()).toBe(200);
    }
    expect(await folded('skew-b')).toMatchObject({ state: 'down', fresh: 3 });
    // Real time runs on after a jump, so "still fresh" is shown a little inside the window, "stale" just past it.
    clock.jumpTo(at + 16_000);
    expect(await folded('skew-b')).toMatchObject({ state: 'down', fresh: 3 });
    clock.jumpTo(at + 17_001);
    expect(await folded('skew-b')).toMatchObject({ state: 'unknown', fresh: 0 });
    expect(Object.values(await saidAbout('skew-b', '10.1.0.1')).map((v) => v.fresh)).toEqual([false, false, false]);
  });

  it("drops and counts an edge Prober's votes dated off the Board's clock, keeping the rest of its batch", async () => {
    const edge = `    vantage_point weur {\n        kind edge\n        region weur\n    }`;
    expect((await putConfig('skew-c', threeVantageConfig(edge))).status).toBe(201);
    const board = env.BOARD.get(env.BOARD.idFromName('skew-c'));
    const now = Date.now();
    const out = await board.submitEdgeVotes('skew-c', 'weur', [vote(RS1, 'weur', false, now + YEAR_MS), vote(RS1, 'weur', true, now - HOUR_MS), vote(RS1, 'weur', true, now)]);
    expect(out).toMatchObject({ accepted: 1, ignored: 2 });
    expect((await saidAbout('skew-c', '10.1.0.1')).weur).toMatchObject({ up: true, atMs: now });
  });
});
