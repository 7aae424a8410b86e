import { describe, expect, it } from 'vitest';
import { api, postVotes, putConfig, realServer, RS1, RS2, saidAbout, threeVantageConfig, verdict, vote } from '../test/helpers.ts';

/** Self-hosted vantage points vote over HTTP; the Board folds with core/vote (quorum 2 of 3). */
describe('voting through the Board', () => {
  it('three vantage points agreeing turn a real server down, and the event says who said what', async () => {
    await putConfig('vote-a', threeVantageConfig());
    for (const vp of ['dc1', 'dc2', 'dc3']) expect((await postVotes('vote-a', vp, [vote(RS1, vp, false), vote(RS2, vp, true)])).status).toBe(200);
    const v = await verdict('vote-a');
    expect(realServer(v.doc!, '10.1.0.1').state).toBe('down');
    expect(realServer(v.doc!, '10.1.0.1').present).toBe(false);
    expect(realServer(v.doc!, '10.1.0.2').state).toBe('up');
    const ev = (await (await api('/v1/clusters/vote-a/events')).json()) as { events: { kind: string; key: string; to: string; votes?: Record<string, { up: boolean }> }[] };
    const down = ev.events.find((e) => e.kind === 'real_server' && e.key === RS1 && e.to === 'down');
    // The flip happens at the second agreeing vote (quorum 2 of 3): the event shows exactly those two.
    expect(down?.votes).toMatchObject({ dc1: { up: false }, dc2: { up: false } });
    expect(down?.votes?.dc3).toBeUndefined();
  });

  it('one vantage point lost: the other two still decide', async () => {
    await putConfig('vote-b', threeVantageConfig());
    for (const vp of ['dc1', 'dc2']) await postVotes('vote-b', vp, [vote(RS1, vp, false)]);
    expect(realServer((await verdict('vote-b')).doc!, '10.1.0.1').state).toBe('down');
  });

  it('one vantage point lying cannot flip a verdict', async () => {
    await putConfig('vote-c', threeVantageConfig());
    for (const vp of ['dc1', 'dc2', 'dc3']) await postVotes('vote-c', vp, [vote(RS1, vp, true)]);
    const before = await verdict('vote-c');
    expect(realServer(before.doc!, '10.1.0.1').state).toBe('up');
    await postVotes('vote-c', 'dc3', [vote(RS1, 'dc3', false, Date.now() + 1)]);
    const after = await verdict('vote-c');
    expect(realServer(after.doc!, '10.1.0.1').effective).toBe('up');
    const ev = (await (await api('/v1/clusters/vote-c/events')).json()) as { events: { kind: string; key: string }[] };
    expect(ev.events.filter((e) => e.kind === 'real_server' && e.key === RS1)).toEqual([]);
  });

  it('one vantage point alone (the other two silent) cannot flip it either', async () => {
    await putConfig('vote-d', threeVantageConfig());
    await postVotes('vote-d', 'dc1', [vote(RS1, 'dc1', false)]);
    const v = await verdict('vote-d');
    expect(realServer(v.doc!, '10.1.0.1').state).toBe('unknown');
    expect(realServer(v.doc!, '10.1.0.1').effective).toBe('up');
  });

  it('all votes stale: the verdict is unknown and consumers hold the last state', async () => {
    await putConfig('vote-e', threeVantageConfig());
    const now = Date.now();
    for (const vp of ['dc1', 'dc2', 'dc3']) await postVotes('vote-e', vp, [vote(RS1, vp, false, now)]);
    expect(realServer((await verdict('vote-e')).doc!, '10.1.0.1').effective).toBe('down');
    // Votes are fresh for 3 × 5 s + 2 s: these newer reports are from 20 s ago.
    const stale = now - 20_000;
    const res = await postVotes('vote-e', 'dc1', [vote(RS2, 'dc1', true, stale)]);
    expect(res.status).toBe(200);
    // A fold with every RS2 vote stale; RS1's votes are fresh, so post stale ones for a second cluster instead.
    await putConfig('vote-f', threeVantageConfig());
    for (const vp of ['dc1', 'dc2', 'dc3']) await postVotes('vote-f', vp, [vote(RS1, vp, false, stale)]);
    const v = await verdict('vote-f');
    const rs = realServer(v.doc!, '10.1.0.1');
    expect(rs.state).toBe('unknown');
    expect(rs.effective).toBe('up'); // never went down: held
    expect(Object.values(await saidAbout('vote-f', '10.1.0.1')).every((x) => !x.fresh)).toBe(true);
  });

  it('the sequence only grows as verdicts change', async () => {
    await putConfig('vote-g', threeVantageConfig());
    const a = await verdict('vote-g');
    for (const vp of ['dc1', 'dc2']) await postVotes('vote-g', vp, [vote(RS1, vp, false)]);
    const b = await verdict('vote-g', a.seq);
    expect(b.seq).toBeGreaterThan(a.seq);
    for (const vp of ['dc1', 'dc2']) await postVotes('vote-g', vp, [vote(RS1, vp, true, Date.now() + 5)]);
    const c = await verdict('vote-g', b.seq);
    expect(c.seq).toBeGreaterThan(b.seq);
    expect(realServer(c.doc!, '10.1.0.1').state).toBe('up');
  });
});
