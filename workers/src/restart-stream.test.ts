import { abortAllDurableObjects, env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { verifySnapshot } from '../../core/vote/snapshot.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { VOTE_FLUSH_EVERY_MS } from './edge-timings.ts';
import { StreamMessage } from './schemas.ts';
import { clockAhead } from '../test/clock.ts';
import { api, BASE, postVotes, publicKeys, putConfig, realServer, RS1, RS2, saidAbout, threeVantageConfig, tokensFor, verdict, vote } from '../test/helpers.ts';

/**
 * A test-only view of the Board's storage: what these tests claim is about
 * rows written (what survives a restart, what a vote costs), which no API shows.
 */
const boardRows = (cluster: string, query: string) => runInDurableObject(env.BOARD.get(env.BOARD.idFromName(cluster)), (_i, state) => state.storage.sql.exec(query).one());
const voteRows = async (cluster: string) => (await boardRows(cluster, `SELECT COUNT(*) AS n FROM vote_chunks`)).n;

describe('Board restart', () => {
  it('keeps the config and continues the sequence', async () => {
    const put = await putConfig('restart-a', threeVantageConfig());
    const etag = put.headers.get('ETag');
    for (const vp of ['dc1', 'dc2']) await postVotes('restart-a', vp, [vote(RS1, vp, false)]);
    const before = await verdict('restart-a');
    await abortAllDurableObjects();
    expect((await api('/v1/clusters/restart-a/config')).headers.get('ETag')).toBe(etag);
    const after = await verdict('restart-a');
    expect(after.seq).toBeGreaterThan(before.seq);
    expect(realServer(after.doc!, '10.1.0.1').effective).toBe('down');
  });

  it('loses votes held only in memory: verdicts come back unknown and hold their state, never flip', async () => {
    await putConfig('restart-b', threeVantageConfig());
    for (const vp of ['dc1', 'dc2']) await postVotes('restart-b', vp, [vote(RS1, vp, false), vote(RS2, vp, true)]);
    const before = await verdict('restart-b');
    expect(realServer(before.doc!, '10.1.0.1')).toMatchObject({ state: 'down', effective: 'down' });
    // Votes are compacted every few seconds, not per vote: none of these reached storage.
    expect(await voteRows('restart-b')).toBe(0);
    await abortAllDurableObjects();
    const after = await verdict('restart-b');
    expect(after.seq).toBeGreaterThan(before.seq);
    expect(realServer(after.doc!, '10.1.0.1')).toMatchObject({ state: 'unknown', effective: 'down' });
    expect(realServer(after.doc!, '10.1.0.2')).toMatchObject({ state: 'unknown', effective: 'up' });
    // One vantage point saying up is short of quorum (2): still held down.
    await postVotes('restart-b', 'dc3', [vote(RS1, 'dc3', true)]);
    expect(realServer((await verdict('restart-b')).doc!, '10.1.0.1')).toMatchObject({ state: 'unknown', effective: 'down' });
    expect(await saidAbout('restart-b', '10.1.0.1')).toMatchObject({ dc3: { up: true } });
    // The next votes bring the verdict back.
    for (const vp of ['dc1', 'dc2']) await postVotes('restart-b', vp, [vote(RS1, vp, false)]);
    expect(realServer((await verdict('restart-b')).doc!, '10.1.0.1')).toMatchObject({ state: 'down', effective: 'down' });
  });

  it('compacted votes survive a restart, and steady votes write no rows', async () => {
    const clock = clockAhead();
    await putConfig('restart-c', threeVantageConfig());
    for (const vp of ['dc1', 'dc2']) await postVotes('restart-c', vp, [vote(RS1, vp, false)]);
    expect(await voteRows('restart-c')).toBe(0);
    // Once a compaction is due, the next fold (here: GET /votes) writes them: one row for a few votes.
    clock.jumpTo(Date.now() + VOTE_FLUSH_EVERY_MS);
    expect((await api('/v1/clusters/restart-c/votes', { token: tokensFor('restart-c').shim })).status).toBe(200);
    expect(await voteRows('restart-c')).toBe(1);
    const seqRow = async () => (await boardRows('restart-c', `SELECT value FROM meta WHERE key = 'seq'`)).value;
    const reserved = await seqRow();
    // More votes that change nothing: no new sequence reservation, no event.
    const events = async () => ((await (await api('/v1/clusters/restart-c/events')).json()) as { events: unknown[] }).events.length;
    const n = await events();
    for (const vp of ['dc1', 'dc2']) await postVotes('restart-c', vp, [vote(RS1, vp, false, Date.now() + 1)]);
    expect(await seqRow()).toBe(reserved);
    expect(await events()).toBe(n);
    await abortAllDurableObjects();
    expect(realServer((await verdict('restart-c')).doc!, '10.1.0.1')).toMatchObject({ state: 'down', effective: 'down' });
  });
});

describe('signed snapshots', () => {
  it('verify against /v1/keys, and fail once one byte changes', async () => {
    await putConfig('sign-a', threeVantageConfig());
    const v = await verdict('sign-a');
    const keys = await publicKeys();
    const ok = await verifySnapshot(v.bytes, v.signature, { cluster: 'sign-a', nowMs: Date.now(), lastSeq: 0, keys });
    expect(ok.ok).toBe(true);
    const tampered = v.bytes.slice();
    tampered[20] = tampered[20]! ^ 1;
    const bad = await verifySnapshot(tampered, v.signature, { cluster: 'sign-a', nowMs: Date.now(), lastSeq: 0, keys });
    expect(bad).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(v.doc!.expiresAtMs).toBeGreaterThan(Date.now());
  });
});

describe('delivery', () => {
  it('long-poll returns the next snapshot when a vote flips a verdict', async () => {
    await putConfig('poll-a', threeVantageConfig());
    const first = await verdict('poll-a');
    const waiting = verdict('poll-a', first.seq, 20);
    for (const vp of ['dc1', 'dc2']) await postVotes('poll-a', vp, [vote(RS1, vp, false)]);
    const next = await waiting;
    expect(next.status).toBe(200);
    expect(next.seq).toBeGreaterThan(first.seq);
    expect(realServer(next.doc!, '10.1.0.1').effective).toBe('down');
  });

  it('long-poll answers 204 when nothing newer comes within wait', async () => {
    await putConfig('poll-b', threeVantageConfig());
    const first = await verdict('poll-b');
    expect((await verdict('poll-b', first.seq, 0.2)).status).toBe(204);
  });

  it('WebSocket subscribers get the current snapshot at once and the next one pushed', async () => {
    await putConfig('ws-a', threeVantageConfig());
    const res = await SELF.fetch(`${BASE}/v1/clusters/ws-a/stream`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${tokensFor('ws-a').shim}` } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const got: StreamMessage[] = [];
    ws.addEventListener('message', (e) => void got.push(StreamMessage.parse(JSON.parse(e.data as string))));
    ws.accept();
    try {
      const nth = (n: number, what: string) => eventually(what, () => got.length >= n, { timeoutMs: 5000, intervalMs: 10 });
      await nth(1, 'the current snapshot on a new WebSocket');
      for (const vp of ['dc1', 'dc2']) await postVotes('ws-a', vp, [vote(RS1, vp, false)]);
      await nth(2, 'the next snapshot pushed after a verdict flipped');
      const keys = await publicKeys();
      const last = got[got.length - 1]!;
      expect(last.seq).toBeGreaterThan(got[0]!.seq);
      const checked = await verifySnapshot(new TextEncoder().encode(last.body), last.signature, { cluster: 'ws-a', nowMs: Date.now(), lastSeq: got[0]!.seq, keys });
      expect(checked.ok).toBe(true);
    } finally {
      ws.close(1000, 'done');
    }
  });
});
