import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BoardView } from '../../core/vote/board-track.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { TestBoard } from '../../test/ipvs/test-board.ts';
import { BoardFeed } from './board-feed.ts';
import { Metrics } from './metrics.ts';

const VS = 'tcp/192.0.2.10:80';
const RS = `${VS}|10.0.0.5:8080`;
const WAIT_MS = 10_000;

const vss = (quorumUp: boolean, rsState: 'up' | 'down' | 'unknown'): Snapshot['virtualServers'] => [
  { key: VS, quorumUp, aliveWeight: 1, realServers: [{ key: RS, ip: '10.0.0.5', port: 8080, present: true, weight: 1, state: rsState, effective: rsState === 'down' ? 'down' : 'up', sorry: false }] },
];

describe('the Board feed for VRRP tracking, from real signed snapshots', () => {
  let board: TestBoard;
  let feed: BoardFeed | undefined;
  let views: BoardView[];
  /** Each track's /metrics state at the moment each view was handed over. */
  let states: Array<Record<string, string>>;
  let logs: Array<{ msg: string } & Record<string, unknown>>;
  const metrics = new Metrics();

  beforeEach(async () => {
    board = await new TestBoard({ cluster: 'c1', token: 'shim-token' }).init();
    await board.start();
    views = [];
    states = [];
    logs = [];
  });
  afterEach(async () => {
    await feed?.stop();
    await board.stop();
  });

  const effects = () => Object.fromEntries((views.at(-1)?.tracks ?? []).map((t) => [t.name, t.effect]));
  const gauge = (track: string) => /* the state whose series is 1 */ [...metrics.render().matchAll(new RegExp(`vigil_shim_board_track\\{track="${track}",state="(\\w+)"\\} 1`, 'g'))].map((m) => m[1]).join();
  const logged = (what: string, pred: (l: { msg: string } & Record<string, unknown>) => boolean) => eventually(what, () => logs.some(pred), { timeoutMs: WAIT_MS, detail: () => JSON.stringify(logs, null, 1) });

  it('follows verdicts at once, holds an unknown one for its hold_time then goes neutral, and does the same for every track when snapshots stop', async () => {
    feed = new BoardFeed(
      [
        { name: 'vs', vsKey: VS, holdTimeMs: 400 },
        { name: 'rs', vsKey: VS, rsKey: RS, holdTimeMs: 200 },
      ],
      (v) => {
        views.push(structuredClone(v));
        states.push({ vs: gauge('vs'), rs: gauge('rs') });
      },
      (msg, f) => logs.push({ msg, ...f }),
    );
    feed.collect(metrics);
    await board.publish(vss(true, 'down'));
    await feed.start({ board: board.url(), cluster: 'c1', token: 'shim-token', boardKey: JSON.stringify(await board.jwk()) }, false);
    expect(views[0]).toEqual({ tracks: [{ name: 'vs', effect: 'neutral' }, { name: 'rs', effect: 'neutral' }] });
    await eventually('the first verdicts to reach the view', () => effects().vs === 'up' && effects().rs === 'down', { timeoutMs: WAIT_MS, detail: () => JSON.stringify({ views, logs }) });
    expect([gauge('vs'), gauge('rs')]).toEqual(['up', 'down']);

    // The Board cannot decide on the real server: its last effect is held, then let go.
    await board.publish(vss(true, 'unknown'), 1_500);
    await logged('the unknown verdict held', (l) => l.msg === 'board track unsure: holding the last effect' && l.track === 'rs' && l.verdict === 'unknown' && l.effect === 'down');
    await logged('the held verdict to go neutral', (l) => l.msg === 'board track neutral' && l.track === 'rs');
    expect(effects()).toEqual({ vs: 'up', rs: 'neutral' });
    expect([gauge('vs'), gauge('rs')]).toEqual(['up', 'neutral']);

    // No snapshot after that one expires: stale, held, neutral.
    await logged('the virtual server verdict held once stale', (l) => l.msg === 'board track unsure: holding the last effect' && l.track === 'vs' && l.verdict === 'stale');
    await logged('the stale verdict to go neutral', (l) => l.msg === 'board track neutral' && l.track === 'vs');
    expect(effects()).toEqual({ vs: 'neutral', rs: 'neutral' });
    expect(gauge('vs')).toBe('neutral');
    // Every step, as /metrics showed it when the view changed: each unsure verdict was held (unknown) before it went neutral.
    expect(states).toEqual([
      { vs: 'neutral', rs: 'neutral' },
      { vs: 'up', rs: 'down' },
      { vs: 'up', rs: 'unknown' },
      { vs: 'up', rs: 'neutral' },
      { vs: 'unknown', rs: 'neutral' },
      { vs: 'neutral', rs: 'neutral' },
    ]);

    // The Board is back: followed at once.
    await board.publish(vss(false, 'up'));
    await eventually('the fresh verdicts after the Board came back', () => effects().vs === 'down' && effects().rs === 'up', { timeoutMs: WAIT_MS, detail: () => JSON.stringify(logs) });
  });
});
